//! The suite's keys and each of its checks read from the located tree, every problem
//! collected: a part that cannot be read is reported and left out, and the rest is still
//! read and validated, so one mistake hides no other.

use super::de::{self, DeError, Found, Path};
use super::tree::{Node, TreeError, Value};
use crate::suite::diagnostic::LoadError;
use crate::suite::located::Location;
use crate::suite::raw::{CheckRaw, SuiteRaw};
use crate::suite::spec::{CheckSpec, InstanceSpec};
use crate::suite::validator::{Known, Validator, source_line};
use std::borrow::Cow;
use std::collections::HashMap;

impl Validator<'_> {
    fn located(&mut self, loc: Location, field: String, message: String, hint: Option<String>) {
        let line = loc.line();
        self.errors.push(LoadError {
            file: self.file.clone(),
            line,
            column: loc.column(),
            field: (!field.is_empty()).then_some(field),
            message,
            hint,
            source_line: if line > 0 {
                source_line(self.text, &self.line_starts, line)
            } else {
                None
            },
        });
    }

    pub(super) fn tree_error(&mut self, e: TreeError) {
        self.located(e.loc, e.field, e.message, e.hint);
    }

    fn de_error(&mut self, e: DeError) {
        self.located(e.loc, e.field, e.message, e.hint);
    }

    /// Reports the unknown keys found; `true` when there were none.
    fn found(&mut self, found: Found) -> bool {
        let found = found.0.into_inner();
        let none = found.is_empty();
        for e in found {
            self.de_error(e);
        }
        none
    }

    /// The suite's own keys (its checks taken out). A key that cannot be read is reported
    /// and read again as if empty, with the rest; `false` with the suite when any was left out.
    /// `None` when the file is not a mapping of keys at all.
    pub(super) fn read_suite(&mut self, root: &mut Node<'_>) -> Option<(SuiteRaw, bool)> {
        if !matches!(root.value, Value::Map(_)) {
            let what = if root.is_null() {
                "the suite file is empty".to_string()
            } else {
                "a suite is a mapping of keys (`suite:`, `checks:` ...), not a single value or a list"
                    .to_string()
            };
            let hint = Some("start from `harden init`, or see the README's suite format".into());
            self.located(root.loc, String::new(), what, hint);
            return None;
        }
        let mut complete = true;
        for _ in 0..64 {
            let found = Found::default();
            let e = match de::read::<SuiteRaw>(root, Path::Root(""), &found) {
                Ok(raw) => {
                    // A misspelt key leaves its part out: what it would have said is unknown.
                    let known_keys = self.found(found);
                    return Some((raw, complete && known_keys));
                }
                Err(e) => e,
            };
            complete = false;
            let top: String = e
                .field
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_string();
            let missing = e.missing;
            let Value::Map(entries) = &mut root.value else {
                return None;
            };
            match missing {
                // A key the suite must have is reported, then read as if empty.
                Some(key) if top.is_empty() => {
                    let key_node = Node {
                        loc: root.loc,
                        value: Value::Scalar {
                            text: Cow::Borrowed(key),
                            plain: false,
                        },
                    };
                    let empty = Node {
                        loc: root.loc,
                        value: Value::Scalar {
                            text: Cow::Borrowed(""),
                            plain: true,
                        },
                    };
                    entries.push((key_node, empty));
                }
                _ if top.is_empty() => {
                    self.de_error(e);
                    return None;
                }
                // A key that cannot be read is read again as if empty.
                _ => {
                    for (k, v) in entries.iter_mut() {
                        if k.text() == Some(top.as_str()) {
                            *v = Node {
                                loc: v.loc,
                                value: Value::Scalar {
                                    text: Cow::Borrowed(""),
                                    plain: true,
                                },
                            };
                        }
                    }
                }
            }
            self.de_error(e);
        }
        None
    }

    /// Every check, each read and validated on its own: one that cannot be read is
    /// reported, and the next is still read. Duplicate ids are found from the tree, so a
    /// check that cannot be read still claims its id.
    pub(super) fn checks(
        &mut self,
        nodes: Vec<Node<'_>>,
        known: &Known,
        instance: Option<&InstanceSpec>,
    ) -> Vec<CheckSpec> {
        let mut checks = Vec::with_capacity(nodes.len());
        let mut seen: HashMap<String, u64> = HashMap::with_capacity(nodes.len());
        let parent = Path::Root("checks");
        let mut texts = crate::suite::shared::FileTexts::new(&self.file);
        for (i, node) in nodes.into_iter().enumerate() {
            let field = format!("checks[{i}]");
            if let Some(id) = node.get("id")
                && let Some(text) = id.text()
            {
                if let Some(first) = seen.get(text) {
                    let msg = format!("duplicate check id `{text}` (first used on line {first})");
                    self.err(id.loc, &format!("{field}.id"), msg).hint =
                        Some("check ids must be unique within a suite".into());
                } else {
                    seen.insert(text.to_string(), id.loc.line());
                }
            }
            let found = Found::default();
            let read = de::read::<CheckRaw>(&node, Path::Index(&parent, i), &found);
            let known_keys = self.found(found);
            match read {
                // A check with a misspelt key is not validated further: the key it meant
                // is missing, and saying so would only repeat the typo.
                Ok(_) if !known_keys => {}
                Ok(c) => {
                    if let Some(check) = self.check(c, &field, known, instance, &mut texts) {
                        checks.push(check);
                    }
                }
                Err(e) => self.de_error(e),
            }
        }
        checks
    }
}
#[cfg(test)]
mod tests {
    /// The run holds one validated spec per check: what a check rarely has (a variant, a
    /// large kind) is boxed, so 100,000 checks do not cost 100,000 times the largest.
    #[test]
    fn a_checks_spec_stays_small() {
        assert!(size_of::<crate::suite::CheckSpec>() <= 256);
        assert!(size_of::<crate::suite::CheckKindSpec>() <= 48);
        assert!(size_of::<super::super::tree::Node<'_>>() <= 40);
    }
}
