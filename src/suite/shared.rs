//! `SharedStr`: text that many holders share instead of copying (a check's id in its spec
//! and in the report's list of checks, a category in every check of it).

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

/// Immutable text, cloned by reference: read from a suite once, however many hold it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SharedStr(Arc<str>);

impl SharedStr {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Applies `f` to a copy of the text and keeps the result only when it differs, so
    /// text that `f` leaves alone stays shared.
    pub(crate) fn edit(&mut self, f: &mut dyn FnMut(&mut String)) {
        let mut text = self.as_str().to_string();
        f(&mut text);
        if text != self.as_str() {
            *self = SharedStr::from(text);
        }
    }
}

/// What the checks of one suite file share instead of copying: the file's path, and each
/// category once, however many checks are in it.
pub(crate) struct FileTexts {
    pub file: Arc<Path>,
    categories: HashSet<SharedStr>,
}

impl FileTexts {
    pub(crate) fn new(file: &Path) -> FileTexts {
        FileTexts {
            file: file.into(),
            categories: HashSet::new(),
        }
    }

    pub(crate) fn category(&mut self, name: &str) -> SharedStr {
        if let Some(known) = self.categories.get(name) {
            return known.clone();
        }
        let new = SharedStr::from(name);
        self.categories.insert(new.clone());
        new
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(s.into())
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr(s.into())
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// Written and read as a plain string.
impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedStr, D::Error> {
        String::deserialize(d).map(SharedStr::from)
    }
}

#[cfg(test)]
mod tests {
    use super::{FileTexts, SharedStr};

    #[test]
    fn a_clone_shares_the_text_and_an_edit_that_changes_nothing_keeps_it_shared() {
        let a = SharedStr::from("checks-1".to_string());
        let mut b = a.clone();
        assert_eq!(a.as_ptr(), b.as_ptr());
        b.edit(&mut |s: &mut String| *s = s.replace("zzz", "***"));
        assert_eq!(a.as_ptr(), b.as_ptr());
        b.edit(&mut |s: &mut String| *s = s.replace('1', "*"));
        assert_eq!((a.as_str(), b.as_str()), ("checks-1", "checks-*"));
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, "\"checks-*\"");
        assert_eq!(serde_json::from_str::<SharedStr>(&json).unwrap(), b);
    }

    #[test]
    fn a_file_s_categories_are_made_once_each() {
        let mut texts = FileTexts::new(std::path::Path::new("s.yaml"));
        let (a, b, c) = (
            texts.category("contract"),
            texts.category("ops"),
            texts.category("contract"),
        );
        assert_eq!((a.as_str(), b.as_str()), ("contract", "ops"));
        assert_eq!(a.as_ptr(), c.as_ptr());
    }
}
