//! The suite file read once into harden's own located tree: every node is a scalar (its
//! text, borrowed from the file where it can be), a list or a mapping, with the line and
//! column where it starts.
//!
//! The tree is built from the YAML parser's events in one pass, without recursion. Anchors
//! and aliases are resolved here (an alias is a copy of its anchor's node, counted against
//! the node budget, so a "billion laughs" file is an error, not an allocation), and so are
//! merge keys (`<<: *defaults`). Duplicate keys are errors, collected with the rest.

use crate::suite::located::Location;
use granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::borrow::Cow;
use std::collections::HashMap;

/// The most nodes a suite file may hold, aliases expanded: a 100,000-check suite is about
/// a million nodes.
const MAX_NODES: usize = 8_000_000;
/// The deepest nesting of lists and mappings a suite file may hold.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub loc: Location,
    pub value: Value<'a>,
}

#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    /// A scalar's text; `plain` when written without quotes or a block indicator (only a
    /// plain scalar can be a number, a boolean or null).
    Scalar {
        text: Cow<'a, str>,
        plain: bool,
    },
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// The text of a scalar node.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, or nothing at all).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if is_null_text(text))
    }

    /// The value under `key` of a mapping node.
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value under `key` of a mapping node, to change it.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node<'a>> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

pub(crate) fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A problem found while reading the tree, located, with the field path of the node being
/// read (`checks[0].http`).
#[derive(Debug)]
pub(crate) struct TreeError {
    pub loc: Location,
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

enum Frame<'a> {
    Seq {
        loc: Location,
        flow: bool,
        anchor: usize,
        items: Vec<Node<'a>>,
    },
    Map {
        loc: Location,
        flow: bool,
        anchor: usize,
        entries: Vec<(Node<'a>, Node<'a>)>,
        key: Option<Node<'a>>,
    },
}

fn loc(span: &Span) -> Location {
    let m = span.start;
    Location::new(
        u32::try_from(m.line()).unwrap_or(u32::MAX),
        u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    )
}

/// The number of nodes in a tree (for the budget an alias spends).
fn count(node: &Node<'_>) -> usize {
    let mut n = 0;
    let mut stack = vec![node];
    while let Some(x) = stack.pop() {
        n += 1;
        match &x.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => stack.extend(entries.iter().flat_map(|(k, v)| [k, v])),
        }
    }
    n
}

/// The field path of the node being read, from the frames open above it.
fn path(stack: &[Frame<'_>]) -> String {
    let mut out = String::new();
    for f in stack {
        match f {
            Frame::Seq { items, .. } => out.push_str(&format!("[{}]", items.len())),
            Frame::Map { key: Some(k), .. } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k.text().unwrap_or("?"));
            }
            Frame::Map { key: None, .. } => {}
        }
    }
    out
}

/// Reads `text` into a tree. `Err` holds the first syntax error (the parser cannot go on
/// after one); `Ok` holds the tree and every duplicate key found.
pub(crate) fn parse(text: &str) -> Result<(Node<'_>, Vec<TreeError>), TreeError> {
    let options = granit_parser::options! {
        flow_nesting_limit: MAX_DEPTH,
        block_nesting_limit: MAX_DEPTH,
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut anchors: HashMap<usize, Node<'_>> = HashMap::new();
    let mut root: Option<Node<'_>> = None;
    let mut nodes = 0usize;
    let mut warnings = Vec::new();
    let fail = |stack: &[Frame<'_>], at: Location, message: String| TreeError {
        loc: at,
        field: path(stack),
        message,
        hint: None,
    };
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => return Err(syntax(&stack, &e)),
        };
        let at = loc(&span);
        let done = match event {
            Event::StreamStart | Event::DocumentEnd | Event::Anchor(..) => None,
            #[allow(unreachable_patterns)]
            Event::StreamEnd => break,
            Event::DocumentStart(..) => {
                if root.is_some() {
                    return Err(TreeError {
                        loc: at,
                        field: String::new(),
                        message: "a suite file holds one YAML document; this is a second one"
                            .into(),
                        hint: Some("put each suite in a file of its own".into()),
                    });
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    nodes += count(n);
                    let mut copy = n.clone();
                    copy.loc = at;
                    Some((copy, 0))
                }
                None => return Err(fail(&stack, at, "an alias to an unknown anchor".into())),
            },
            Event::UnresolvedAlias(name) => {
                return Err(fail(
                    &stack,
                    at,
                    format!("alias `*{name}` has no anchor before it"),
                ));
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                let plain = style == ScalarStyle::Plain
                    && !tag
                        .as_ref()
                        .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                Some((
                    Node {
                        loc: at,
                        value: Value::Scalar { text, plain },
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(style, anchor, _) => {
                nodes += 1;
                stack.push(Frame::Seq {
                    loc: at,
                    flow: style == granit_parser::StructureStyle::Flow,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(style, anchor, _) => {
                nodes += 1;
                stack.push(Frame::Map {
                    loc: at,
                    flow: style == granit_parser::StructureStyle::Flow,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    loc, anchor, items, ..
                }) => Some((
                    Node {
                        loc,
                        value: Value::Seq(items),
                    },
                    anchor,
                )),
                _ => {
                    return Err(fail(
                        &stack,
                        at,
                        "the YAML parser ended a list it never began".into(),
                    ));
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    loc,
                    anchor,
                    entries,
                    ..
                }) => {
                    let entries = merge(entries, &mut warnings, &stack);
                    Some((
                        Node {
                            loc,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(fail(
                        &stack,
                        at,
                        "the YAML parser ended a mapping it never began".into(),
                    ));
                }
            },
            #[allow(unreachable_patterns)]
            _ => None,
        };
        if nodes > MAX_NODES {
            return Err(TreeError {
                loc: at,
                field: path(&stack),
                message: format!(
                    "the suite holds more than {MAX_NODES} YAML nodes (aliases expanded)"
                ),
                hint: Some("split the suite into several files".into()),
            });
        }
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    let root = root.unwrap_or(Node {
        loc: Location::new(1, 1),
        value: Value::Scalar {
            text: Cow::Borrowed(""),
            plain: true,
        },
    });
    Ok((root, warnings))
}

/// A syntax error, at the opening bracket of a flow collection left open, or where the
/// parser stopped.
fn syntax(stack: &[Frame<'_>], e: &ScanError) -> TreeError {
    let info = e.info();
    let first = info.lines().next().unwrap_or_default().trim();
    let message = crate::text::lowercase_first(first);
    let unclosed =
        message.starts_with("unclosed bracket") || message.contains("did not find expected ',' or");
    let open_flow = stack.iter().rev().find_map(|f| match f {
        Frame::Seq {
            loc, flow: true, ..
        }
        | Frame::Map {
            loc, flow: true, ..
        } => Some(*loc),
        _ => None,
    });
    let m = e.marker();
    let at = match open_flow {
        Some(l) if unclosed => l,
        _ => Location::new(
            u32::try_from(m.line()).unwrap_or(u32::MAX),
            u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
        ),
    };
    TreeError {
        loc: at,
        field: path(stack),
        message,
        hint: None,
    }
}

/// A mapping's entries with merge keys (`<<: *defaults`) applied (a key written in the
/// mapping wins over a merged one), and duplicate keys reported.
fn merge<'a>(
    entries: Vec<(Node<'a>, Node<'a>)>,
    warnings: &mut Vec<TreeError>,
    stack: &[Frame<'a>],
) -> Vec<(Node<'a>, Node<'a>)> {
    let is_merge =
        |k: &Node<'_>| matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<");
    let mut out: Vec<(Node<'a>, Node<'a>)> = Vec::with_capacity(entries.len());
    let mut merged: Vec<(Node<'a>, Node<'a>)> = Vec::new();
    for (k, v) in entries {
        if !is_merge(&k) {
            out.push((k, v));
            continue;
        }
        let sources = match v.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => items
                .into_iter()
                .filter_map(|i| match i.value {
                    Value::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            Value::Scalar { .. } => {
                warnings.push(TreeError {
                    loc: v.loc,
                    field: path(stack),
                    message: "`<<` merges a mapping (`<<: *name`), not a single value".into(),
                    hint: None,
                });
                Vec::new()
            }
        };
        merged.extend(sources.into_iter().flatten());
    }
    duplicates(&mut out, warnings, stack);
    for (k, v) in merged {
        let written = out
            .iter()
            .any(|(o, _)| o.text().is_some() && o.text() == k.text());
        if !written {
            out.push((k, v));
        }
    }
    out
}

/// Reports every key written twice in a mapping and keeps its first value, so the rest of
/// the mapping is still read.
fn duplicates(
    entries: &mut Vec<(Node<'_>, Node<'_>)>,
    warnings: &mut Vec<TreeError>,
    stack: &[Frame<'_>],
) {
    let mut seen: HashMap<&str, Location> = HashMap::new();
    let mut again = Vec::new();
    for (i, (k, _)) in entries.iter().enumerate() {
        let Some(name) = k.text() else { continue };
        if let Some(first) = seen.get(name) {
            again.push(i);
            let mut field = path(stack);
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(name);
            warnings.push(TreeError {
                loc: k.loc,
                field,
                message: format!(
                    "duplicate key `{name}` (first written on line {})",
                    first.line()
                ),
                hint: Some("a key appears once in a mapping; remove one of them".into()),
            });
        } else {
            seen.insert(name, k.loc);
        }
    }
    for i in again.into_iter().rev() {
        entries.remove(i);
    }
}
