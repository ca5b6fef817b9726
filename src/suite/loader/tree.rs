//! The suite file read once into harden's own located tree: every node is a scalar (its
//! text, borrowed from the file where it can be), a list or a mapping, with the line and
//! column where it starts.
//!
//! The tree is built from the YAML parser's events in one pass, without recursion. Anchors
//! and aliases are resolved here (an alias is a copy of its anchor's node, counted against
//! the node budget, so a "billion laughs" file is an error, not an allocation), and so are
//! merge keys (`<<: *defaults`). Duplicate keys are errors, collected with the rest.

use crate::suite::located::Location;
use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, ScanError, Span};
use std::borrow::Cow;
use std::collections::HashMap;

/// The most nodes a suite file may hold, aliases expanded: a 100,000-check suite is about
/// a million nodes.
const MAX_NODES: usize = 8_000_000;
/// The most nodes aliases may copy in all: a suite that shares a header map between
/// 100,000 checks copies a few hundred thousand.
const MAX_ALIAS_NODES: usize = 2_000_000;
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
    /// A scalar written in quotes (never a number, a boolean or null).
    pub(crate) fn scalar(loc: Location, text: &'a str) -> Node<'a> {
        Node {
            loc,
            value: Value::Scalar {
                text: Cow::Borrowed(text),
                plain: false,
            },
        }
    }

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
        /// Items handed to the listener instead of kept (the root's `checks`).
        handed: usize,
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
            Frame::Seq { items, handed, .. } => {
                out.push_str(&format!("[{}]", items.len() + handed));
            }
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
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<(Node<'_>, Vec<TreeError>), TreeError> {
    parse_with(text, &mut |_| false).map(|p| (p.root, p.duplicates))
}

/// What [`parse_with`] hands its listener while it reads.
pub(crate) enum Streamed<'n, 'a> {
    /// The root mapping's `checks:` list begins: the root's place and the entries read
    /// before it. The listener answers whether it takes the items one at a time.
    Begin(Location, &'n [(Node<'a>, Node<'a>)]),
    /// One whole item of that list (anchors, aliases and merge keys resolved), in order.
    Item(Node<'a>),
}

/// A file read by [`parse_with`].
pub(crate) struct Parsed<'a> {
    /// The document; when the checks were handed over, its `checks` list is empty.
    pub root: Node<'a>,
    /// Every key written twice, in the order found.
    pub duplicates: Vec<TreeError>,
    /// The root's `checks` items went to the listener.
    pub handed: bool,
    /// The root mapping has a key after its `checks` list: what the listener was given
    /// at `Begin` was not all of the suite's own keys.
    pub keys_after_checks: bool,
}

/// Reads `text` into a tree as [`parse`] does, and lets `listener` take the items of the
/// root's `checks:` list as each is read, so that a suite of many checks never holds all
/// of their nodes at once (the first `checks` key only; a second is a duplicate).
pub(crate) fn parse_with<'a>(
    text: &'a str,
    listener: &mut dyn FnMut(Streamed<'_, 'a>) -> bool,
) -> Result<Parsed<'a>, TreeError> {
    let options = granit_parser::options! {
        flow_nesting_limit: MAX_DEPTH,
        block_nesting_limit: MAX_DEPTH,
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut stack: Vec<Frame<'_>> = Vec::new();
    // Each anchored node with its size in nodes (what an alias to it spends).
    let mut anchors: HashMap<usize, (Node<'_>, usize)> = HashMap::new();
    let mut root: Option<Node<'_>> = None;
    let mut nodes = 0usize;
    let mut copied = 0usize;
    let mut warnings = Vec::new();
    // Whether the root's `checks` list was seen, is being handed over, or was.
    let mut checks_seen = false;
    let mut handing = false;
    let mut handed = false;
    let mut keys_after_checks = false;
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
                Some((n, size)) => {
                    // Counted before it is copied: a copy past the budget is never made.
                    nodes += size;
                    copied += size;
                    if nodes > MAX_NODES || copied > MAX_ALIAS_NODES {
                        return Err(too_many(&stack, at));
                    }
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
                if let [
                    Frame::Map {
                        loc,
                        entries,
                        key: Some(k),
                        ..
                    },
                ] = stack.as_slice()
                    && k.text() == Some("checks")
                    && !checks_seen
                {
                    checks_seen = true;
                    handing = listener(Streamed::Begin(*loc, entries));
                    handed = handing;
                }
                stack.push(Frame::Seq {
                    loc: at,
                    flow: style == granit_parser::StructureStyle::Flow,
                    anchor,
                    items: Vec::new(),
                    handed: 0,
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
                    loc,
                    anchor,
                    mut items,
                    ..
                }) => {
                    // Whatever list ends under the root, none is being handed over now.
                    if stack.len() == 1 {
                        handing = false;
                    }
                    // The tree is held while the suite is validated: no spare room.
                    items.shrink_to_fit();
                    Some((
                        Node {
                            loc,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ))
                }
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
                    let mut entries = merge(entries, &mut warnings, &stack);
                    entries.shrink_to_fit();
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
            return Err(too_many(&stack, at));
        }
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), count(&node)));
        }
        let depth = stack.len();
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { handed: n, .. }) if handing && depth == 2 => {
                *n += 1;
                listener(Streamed::Item(node));
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    keys_after_checks |= depth == 1 && handed && !entries.is_empty();
                    *key = Some(node);
                }
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
    Ok(Parsed {
        root,
        duplicates: warnings,
        handed,
        keys_after_checks,
    })
}

fn too_many(stack: &[Frame<'_>], at: Location) -> TreeError {
    TreeError {
        loc: at,
        field: path(stack),
        message: format!(
            "the suite holds more than {MAX_NODES} YAML nodes, or its aliases copy more than {MAX_ALIAS_NODES}"
        ),
        hint: Some("split the suite into several files, or write shared parts out instead of `*aliases` to large ones".into()),
    }
}

/// A syntax error, at the opening bracket of a flow collection left open, or where the
/// parser stopped.
fn syntax(stack: &[Frame<'_>], e: &ScanError) -> TreeError {
    let info = e.info();
    let first = info.lines().next().unwrap_or_default().trim();
    let message = crate::text::lowercase_first(first);
    let unclosed = matches!(
        e.kind(),
        ErrorKind::UnclosedFlowCollection { .. }
            | ErrorKind::UnexpectedEofFlowMapping
            | ErrorKind::UnexpectedEofFlowSequence
    );
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
        hint: syntax_hint(e.kind()).map(str::to_string),
    }
}

/// What to do about the commonest YAML syntax errors, in words.
fn syntax_hint(kind: &ErrorKind) -> Option<&'static str> {
    Some(match kind {
        ErrorKind::MappingValueNotAllowed | ErrorKind::InvalidColonPlacement => {
            "a value holding `: ` must be quoted (`\"a: b\"`); a nested mapping goes on lines of its own, indented"
        }
        ErrorKind::ExpectedBlockMappingKey
        | ErrorKind::InvalidIndentation
        | ErrorKind::ExpectedBlockSequenceEntry => {
            "check this line's indentation: the keys of one mapping, and the `-` items of one list, line up"
        }
        ErrorKind::TabNotAllowed | ErrorKind::TabInBlockIndentation => {
            "indent with spaces: YAML does not allow tabs there"
        }
        ErrorKind::UnexpectedEofFlowMapping | ErrorKind::ExpectedFlowMappingSeparator => {
            "close the `{` with `}`, and separate its entries with `,`"
        }
        ErrorKind::UnexpectedEofFlowSequence | ErrorKind::ExpectedFlowSequenceSeparator => {
            "close the `[` with `]`, and separate its items with `,`"
        }
        ErrorKind::UnclosedFlowCollection { .. } => "every `{` needs its `}` and every `[` its `]`",
        ErrorKind::UnexpectedCharacter { .. } => "quote a value that is text (`\"...\"`)",
        _ => return None,
    })
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
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        let mut entries = entries;
        duplicates(&mut entries, warnings, stack);
        return entries;
    }
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
    // Most mappings are small: compared pairwise, with no table to build.
    let small = entries.len() <= 12;
    let mut seen: HashMap<&str, Location> = HashMap::new();
    let mut again = Vec::new();
    for (i, (k, _)) in entries.iter().enumerate() {
        let Some(name) = k.text() else { continue };
        let first = if small {
            entries[..i]
                .iter()
                .find(|(e, _)| e.text() == Some(name))
                .map(|(e, _)| e.loc)
        } else {
            seen.get(name).copied()
        };
        if let Some(first) = first {
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
        } else if !small {
            seen.insert(name, k.loc);
        }
    }
    for i in again.into_iter().rev() {
        entries.remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at<'a>(n: &'a Node<'_>, key: &str) -> &'a str {
        n.get(key).and_then(Node::text).unwrap_or("<none>")
    }

    /// The root's `checks` items go to the listener one at a time, after the keys before
    /// them, and leave the tree; a key after the list is told.
    #[test]
    fn the_checks_are_handed_over_as_each_is_read() {
        let text =
            "suite: s\nvars: { a: 1 }\nchecks:\n  - id: x\n  - &b { id: y }\n  - *b\nlimits: {}\n";
        let mut seen = Vec::new();
        let parsed = parse_with(text, &mut |s| {
            match s {
                Streamed::Begin(_, entries) => seen.push(format!(
                    "begin after {:?}",
                    entries.iter().map(|(k, _)| k.text()).collect::<Vec<_>>()
                )),
                Streamed::Item(n) => {
                    seen.push(format!("item {} line {}", text_at(&n, "id"), n.loc.line()))
                }
            }
            true
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "begin after [Some(\"suite\"), Some(\"vars\")]",
                "item x line 4",
                "item y line 5",
                "item y line 6",
            ]
        );
        assert!(parsed.handed && parsed.keys_after_checks);
        assert!(matches!(&parsed.root.get("checks").unwrap().value, Value::Seq(v) if v.is_empty()));
        assert!(parsed.root.get("limits").is_some());

        // Last key, nested `checks` lists and a second `checks` key are not handed over.
        let mut items = 0;
        let text = "suite: s\nchecks: [{ checks: [1, 2] }]\n";
        let parsed = parse_with(text, &mut |s| {
            items += usize::from(matches!(s, Streamed::Item(_)));
            true
        })
        .unwrap();
        assert_eq!(items, 1);
        assert!(parsed.handed && !parsed.keys_after_checks);
        // A listener that declines leaves the tree whole.
        let parsed = parse_with(text, &mut |_| false).unwrap();
        assert!(!parsed.handed);
        assert!(matches!(&parsed.root.get("checks").unwrap().value, Value::Seq(v) if v.len() == 1));
    }

    /// A field path inside a handed-over item still counts the items before it.
    #[test]
    fn an_error_in_a_handed_over_item_names_its_index() {
        let text = "suite: s\nchecks:\n  - id: a\n  - id: b\n  - { id: c, id: d }\n";
        let parsed = parse_with(text, &mut |_| true).unwrap();
        assert_eq!(parsed.duplicates.len(), 1);
        assert_eq!(parsed.duplicates[0].field, "checks[2].id");
    }

    #[test]
    fn nodes_carry_their_place_and_scalars_their_style() {
        let (root, dups) = parse("a: 1\nb:\n  - 'x'\n  - { c: d }\n").unwrap();
        assert!(dups.is_empty());
        assert_eq!((root.loc.line(), root.loc.column()), (1, 1));
        let b = root.get("b").unwrap();
        let Value::Seq(items) = &b.value else {
            panic!("a list")
        };
        assert_eq!((items[0].loc.line(), items[0].loc.column()), (3, 5));
        assert!(matches!(&items[0].value, Value::Scalar { text, plain: false } if text == "x"));
        assert!(matches!(
            &root.get("a").unwrap().value,
            Value::Scalar { plain: true, .. }
        ));
        assert_eq!((items[1].loc.line(), items[1].loc.column()), (4, 5));
        assert_eq!(text_at(&items[1], "c"), "d");
    }

    #[test]
    fn anchors_aliases_and_merge_keys_are_resolved() {
        let yaml = "base: &b { x: 1, y: 2 }\nuse: { <<: *b, y: 3 }\ncopy: *b\n";
        let (root, dups) = parse(yaml).unwrap();
        assert!(dups.is_empty());
        let used = root.get("use").unwrap();
        assert_eq!((text_at(used, "x"), text_at(used, "y")), ("1", "3"));
        assert_eq!(text_at(root.get("copy").unwrap(), "y"), "2");
        // The copy is placed where the alias is written.
        assert_eq!(root.get("copy").unwrap().loc.line(), 3);
    }

    #[test]
    fn a_key_written_twice_is_reported_and_its_first_value_kept() {
        let (root, dups) = parse("a: { k: 1, k: 2 }\n").unwrap();
        assert_eq!(text_at(root.get("a").unwrap(), "k"), "1");
        assert_eq!(dups.len(), 1);
        assert_eq!((dups[0].loc.line(), dups[0].loc.column()), (1, 12));
        assert_eq!(dups[0].field, "a.k");
        assert!(
            dups[0]
                .message
                .contains("duplicate key `k` (first written on line 1)")
        );
    }

    /// Aliases that double at every level are refused by the node budget, before the copy
    /// that would pass it is made.
    #[test]
    fn an_alias_bomb_is_an_error_not_an_allocation() {
        let mut yaml = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            yaml.push_str(&format!(
                "l{i}: &l{i} [*l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}]\n"
            ));
        }
        let e = parse(&yaml).unwrap_err();
        assert!(
            e.message.contains("aliases copy more than 2000000"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_syntax_error_points_at_the_bracket_left_open_with_its_field() {
        let e = parse("checks:\n  - id: a\n    http: { request: { path: /x }\n").unwrap_err();
        assert_eq!((e.loc.line(), e.loc.column()), (3, 11));
        assert_eq!(e.field, "checks[0].http");
        let e = parse("a: [1, 2\n").unwrap_err();
        assert_eq!((e.loc.line(), e.loc.column()), (1, 4), "{}", e.message);
        assert!(
            parse("a: 1\n---\nb: 2\n")
                .unwrap_err()
                .message
                .contains("one YAML document")
        );
    }
}
