//! The raw types read from the located tree: a serde `Deserializer` over a [`Node`] that
//! knows where every value was written and its field path.
//!
//! Unknown keys are collected (each with the closest known key) and skipped, so one typo
//! does not hide the next; the first wrong value of a part stops that part, and the loader
//! reads each check on its own, so it does not hide the next check's. Every message is in
//! words: what a key takes, and what was found.

use super::tree::{Node, Value, is_null_text};
use crate::suite::located::{Location, SPANNED};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use std::cell::RefCell;
use std::fmt;

/// A located problem with the field path of the value (`checks[0].retries`).
#[derive(Debug)]
pub(crate) struct DeError {
    pub loc: Location,
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
    /// The key a mapping lacks, when that is the error.
    pub missing: Option<&'static str>,
    /// Whether `loc` and `field` are set (an error made by a visitor has neither until it
    /// passes the node it was made for).
    located: bool,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            loc: Location::UNKNOWN,
            field: String::new(),
            message: crate::text::lowercase_first(&msg.to_string()),
            hint: None,
            missing: None,
            located: false,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError {
            missing: Some(field),
            ..DeError::custom(format_args!("missing field `{field}`"))
        }
    }
}

/// The field path of a node, as a chain of its parents on the stack.
#[derive(Clone, Copy)]
pub(crate) enum Path<'p> {
    Root(&'p str),
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    pub(crate) fn render(&self) -> String {
        match self {
            Path::Root(r) => r.to_string(),
            Path::Key(parent, k) => {
                let p = parent.render();
                if p.is_empty() {
                    k.to_string()
                } else {
                    format!("{p}.{k}")
                }
            }
            Path::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// Unknown keys found while reading (they do not stop it).
#[derive(Default)]
pub(crate) struct Found(pub RefCell<Vec<DeError>>);

/// Reads `T` from `node` at `path`: `Ok` with the unknown keys found in `found`, or the
/// error that stopped it.
pub(crate) fn read<'de, T: de::Deserialize<'de>>(
    node: &Node<'de>,
    path: Path<'_>,
    found: &Found,
) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, path, found })
}

pub(crate) struct NodeDe<'n, 'de, 'p> {
    node: &'n Node<'de>,
    path: Path<'p>,
    found: &'p Found,
}

/// How a node reads in a message: a scalar as written, a collection by its shape.
fn describe(node: &Node<'_>) -> String {
    match &node.value {
        Value::Scalar { text, plain } if *plain && is_null_text(text) => "nothing".into(),
        Value::Scalar { text, .. } => {
            let mut t: String = text.chars().take(40).collect();
            if t.len() < text.len() {
                t.push('…');
            }
            format!("`{t}`")
        }
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "a mapping".into(),
    }
}

const MAPPING: &str = "a mapping (`key: value` lines, or `{ key: value }`)";
const LIST: &str = "a list (`- item` lines, or `[a, b]`)";

impl<'n, 'de, 'p> NodeDe<'n, 'de, 'p> {
    fn error(&self, message: String) -> DeError {
        DeError {
            loc: self.node.loc,
            field: self.path.render(),
            message,
            hint: None,
            missing: None,
            located: true,
        }
    }

    fn expected(&self, what: &str) -> DeError {
        self.error(format!("expected {what}, found {}", describe(self.node)))
    }

    /// Gives an error made by a visitor this node's place.
    fn locate<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|mut e| {
            if !e.located {
                e.loc = self.node.loc;
                e.field = self.path.render();
                e.located = true;
            }
            e
        })
    }

    fn scalar(&self) -> Option<(&'n str, bool)> {
        match &self.node.value {
            Value::Scalar { text, plain } => Some((text, *plain)),
            _ => None,
        }
    }

    fn int(&self, what: &str) -> Result<i128, DeError> {
        match self.scalar() {
            Some((t, true)) => parse_int(t).ok_or_else(|| self.expected(what)),
            _ => Err(self.expected(what)),
        }
    }

    fn unsigned<V: Visitor<'de>>(self, v: V, max: u64) -> Result<V::Value, DeError> {
        const WHAT: &str = "a non-negative whole number";
        let n = self.int(WHAT)?;
        if n < 0 {
            return Err(self.expected(WHAT));
        }
        match u64::try_from(n) {
            Ok(n) if n <= max => self.locate(v.visit_u64(n)),
            _ => Err(self.expected(&format!("a whole number from 0 to {max}"))),
        }
    }

    fn signed<V: Visitor<'de>>(self, v: V, min: i64, max: i64) -> Result<V::Value, DeError> {
        let n = self.int("a whole number")?;
        match i64::try_from(n) {
            Ok(n) if (min..=max).contains(&n) => self.locate(v.visit_i64(n)),
            _ => Err(self.expected(&format!("a whole number from {min} to {max}"))),
        }
    }

    fn seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => {
                let r = v.visit_seq(Items {
                    items: items.iter(),
                    index: 0,
                    path: &self.path,
                    found: self.found,
                });
                self.locate(r)
            }
            _ if self.node.is_null() => self.locate(v.visit_seq(Items {
                items: [].iter(),
                index: 0,
                path: &self.path,
                found: self.found,
            })),
            _ => Err(self.expected(LIST)),
        }
    }

    fn map<V: Visitor<'de>>(
        self,
        v: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, DeError> {
        let entries: &[(Node<'de>, Node<'de>)] = match &self.node.value {
            Value::Map(entries) => entries,
            _ if self.node.is_null() => &[],
            _ => return Err(self.expected(MAPPING)),
        };
        let r = v.visit_map(Entries {
            entries: entries.iter(),
            value: None,
            path: &self.path,
            found: self.found,
            fields,
        });
        self.locate(r)
    }
}

/// A YAML 1.2 core-schema integer: decimal, `0x` hex or `0o` octal.
fn parse_int(t: &str) -> Option<i128> {
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = if let Some(h) = digits.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i128::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -n } else { n })
}

/// A YAML 1.2 core-schema float (integers included): `1.5`, `-2e3`, `.inf`, `.nan`.
fn parse_float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let body = t.trim_start_matches(['-', '+']);
    let ok = body
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if !ok {
        return parse_int(t).map(|n| n as f64);
    }
    t.parse().ok()
}

fn parse_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

impl<'n, 'de, 'p> Deserializer<'de> for NodeDe<'n, 'de, 'p> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar { text, plain: false } => {
                let r = v.visit_str(text);
                self.locate(r)
            }
            Value::Scalar { text, plain: true } => {
                let t: &str = text;
                let r = if is_null_text(t) {
                    v.visit_unit()
                } else if let Some(b) = parse_bool(t) {
                    v.visit_bool(b)
                } else if let Some(n) = parse_int(t) {
                    if let Ok(u) = u64::try_from(n) {
                        v.visit_u64(u)
                    } else if let Ok(i) = i64::try_from(n) {
                        v.visit_i64(i)
                    } else {
                        v.visit_f64(n as f64)
                    }
                } else if let Some(f) = parse_float(t) {
                    v.visit_f64(f)
                } else {
                    v.visit_str(t)
                };
                self.locate(r)
            }
            Value::Seq(_) => self.seq(v),
            Value::Map(_) => self.map(v, None),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some((t, true)) => match parse_bool(t) {
                Some(b) => self.locate(v.visit_bool(b)),
                None => Err(self.expected("`true` or `false`")),
            },
            _ => Err(self.expected("`true` or `false`")),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.signed(v, i8::MIN.into(), i8::MAX.into())
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.signed(v, i16::MIN.into(), i16::MAX.into())
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.signed(v, i32::MIN.into(), i32::MAX.into())
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.signed(v, i64::MIN, i64::MAX)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.unsigned(v, u8::MAX.into())
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.unsigned(v, u16::MAX.into())
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.unsigned(v, u32::MAX.into())
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.unsigned(v, u64::MAX)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some((t, true)) => match parse_float(t) {
                Some(f) => self.locate(v.visit_f64(f)),
                None => Err(self.expected("a number")),
            },
            _ => Err(self.expected("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some((t, _)) => self.locate(v.visit_str(t)),
            None => Err(self.expected("a string")),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            self.locate(v.visit_none())
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            self.locate(v.visit_unit())
        } else {
            Err(self.expected("nothing"))
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED {
            let r = v.visit_seq(Located {
                de: Some(NodeDe {
                    node: self.node,
                    path: self.path,
                    found: self.found,
                }),
                loc: Some(self.node.loc),
            });
            return self.locate(r);
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.map(v, None)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.map(v, Some(fields))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some((t, _)) if variants.contains(&t) => {
                let r = v.visit_enum(t.into_deserializer());
                self.locate(r)
            }
            Some((t, _)) => {
                let mut e = self.error(format!("unknown value `{t}`"));
                e.hint = Some(crate::suggest::one_of(t, variants));
                Err(e)
            }
            None => Err(self.expected("one of a fixed set of words")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

/// A located value as the sequence `Spanned` reads: its place, then the value.
struct Located<'n, 'de, 'p> {
    de: Option<NodeDe<'n, 'de, 'p>>,
    loc: Option<Location>,
}

impl<'de> SeqAccess<'de> for Located<'_, 'de, '_> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if let Some(loc) = self.loc.take() {
            let pair = (loc.line() as u32, loc.column() as u32);
            let d: de::value::SeqDeserializer<_, DeError> =
                de::value::SeqDeserializer::new([pair.0, pair.1].into_iter());
            return seed.deserialize(d).map(Some);
        }
        match self.de.take() {
            Some(de) => seed.deserialize(de).map(Some),
            None => Ok(None),
        }
    }
}

struct Items<'n, 'de, 'p> {
    items: std::slice::Iter<'n, Node<'de>>,
    index: usize,
    path: &'p Path<'p>,
    found: &'p Found,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de, '_> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(self.path, self.index);
        self.index += 1;
        seed.deserialize(NodeDe {
            node,
            path,
            found: self.found,
        })
        .map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'n, 'de, 'p> {
    entries: std::slice::Iter<'n, (Node<'de>, Node<'de>)>,
    value: Option<&'n (Node<'de>, Node<'de>)>,
    path: &'p Path<'p>,
    found: &'p Found,
    /// A struct's keys: any other key is reported and skipped.
    fields: Option<&'static [&'static str]>,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de, '_> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for entry in self.entries.by_ref() {
            let (k, _) = entry;
            let Some(name) = k.text() else {
                let path = Path::Root("");
                let de = NodeDe {
                    node: k,
                    path,
                    found: self.found,
                };
                let mut e = de.error(format!("a key must be a word, found {}", describe(k)));
                e.field = self.path.render();
                return Err(e);
            };
            if let Some(fields) = self.fields
                && !fields.contains(&name)
            {
                let expected = if fields.is_empty() {
                    "there are no fields".to_string()
                } else {
                    format!("expected one of {}", fields.join(", "))
                };
                let hint = match crate::suggest::closest(name, fields) {
                    Some(c) => format!("did you mean `{c}`? `harden schema` lists every key"),
                    None => "check the spelling; `harden schema` lists every key".to_string(),
                };
                self.found.0.borrow_mut().push(DeError {
                    loc: k.loc,
                    field: Path::Key(self.path, name).render(),
                    message: format!("unknown field `{name}`, {expected}"),
                    hint: Some(hint),
                    missing: None,
                    located: true,
                });
                continue;
            }
            self.value = Some(entry);
            return seed.deserialize(StrKey(name)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((k, node)) = self.value.take() else {
            return Err(de::Error::custom("a value without its key"));
        };
        let name = k.text().unwrap_or_default();
        let path = Path::Key(self.path, name);
        seed.deserialize(NodeDe {
            node,
            path,
            found: self.found,
        })
    }
}

/// A mapping key: a string to whoever reads it (`BTreeMap<String, _>`, a struct's field
/// name).
struct StrKey<'k>(&'k str);

impl<'de> Deserializer<'de> for StrKey<'_> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_str(self.0)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
