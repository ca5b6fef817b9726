//! Where a value was written: [`Location`] (line and column, 1-based) and [`Spanned`], a
//! value with the location of its first character.
//!
//! The loader reads a suite into its own located tree (`loader/tree.rs`) and hands these
//! to the raw types through their `Deserialize` impls (`loader/de.rs`), so every validator
//! can point at the value it finds wrong.

use serde::de::{self, Deserialize, Deserializer};
use std::fmt;

/// A position in a suite file: 1-based line and column (0 when unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Location {
    line: u32,
    column: u32,
}

impl Location {
    pub(crate) const UNKNOWN: Location = Location { line: 0, column: 0 };

    pub(crate) fn new(line: u32, column: u32) -> Location {
        Location { line, column }
    }

    pub(crate) fn line(&self) -> u64 {
        u64::from(self.line)
    }

    pub(crate) fn column(&self) -> u64 {
        u64::from(self.column)
    }
}

/// A value with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub value: T,
    /// The first character of the value as written (the `{` of a flow mapping, the first
    /// key of a block mapping, the quote of a quoted string).
    pub referenced: Location,
}

/// The newtype name the loader's deserializer recognises: it answers with a sequence of
/// the location and then the value.
pub(crate) const SPANNED: &str = "$harden::Spanned";

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> de::Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a located value")
            }
            // Any other deserializer: the value, with no location.
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                Ok(Spanned {
                    value: T::deserialize(d)?,
                    referenced: Location::UNKNOWN,
                })
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let (line, column): (u32, u32) = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("a located value without its location"))?;
                let value = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("a located value without its value"))?;
                Ok(Spanned {
                    value,
                    referenced: Location::new(line, column),
                })
            }
        }
        d.deserialize_newtype_struct(SPANNED, V(std::marker::PhantomData))
    }
}
