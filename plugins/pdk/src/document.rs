//! A JSON document parsed once per event, borrowing its strings from its own text.
//!
//! A typical payload is 2–3 KB of short strings; parsing it into `serde_json::Value`
//! allocates every one of them and builds a map per object. Templates read a
//! handful of fields, so the document here keeps strings as slices of the text
//! (only strings with escapes are copied) and objects as member lists.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value; strings and keys borrow from the document's text.
#[derive(Debug)]
pub(crate) enum Tree<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Tree<'a>>),
    Object(Vec<(Cow<'a, str>, Tree<'a>)>),
}

impl<'a> Tree<'a> {
    /// The member `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self {
            Tree::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What kind of value this is, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Tree::Null => "null",
            Tree::Bool(_) => "a boolean",
            Tree::Int(_) | Tree::UInt(_) | Tree::Float(_) => "a number",
            Tree::Str(_) => "a string",
            Tree::Array(_) => "an array",
            Tree::Object(_) => "an object",
        }
    }
}

/// A parsed document and the text it borrows from.
pub(crate) struct Document {
    // Declared before `text` so it is dropped first.
    root: Tree<'static>,
    text: Arc<str>,
}

impl Document {
    /// Parses `text` as one JSON value.
    pub(crate) fn parse(text: &str) -> Result<Document, serde_json::Error> {
        let text: Arc<str> = Arc::from(text);
        let root: Tree<'_> = serde_json::from_str(&text)?;
        // SAFETY: `root` borrows only from the heap buffer behind `text`, which is
        // immutable, never moves (moving the `Arc` does not move the buffer) and is
        // owned by the same `Document`, dropped after `root`. The `'static` lifetime
        // never escapes: `root()` hands out borrows tied to `&self`.
        let root = unsafe { std::mem::transmute::<Tree<'_>, Tree<'static>>(root) };
        Ok(Document { root, text })
    }

    /// The text the document was parsed from.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The top-level value.
    pub(crate) fn root(&self) -> &Tree<'_> {
        &self.root
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Document").field(&self.root).finish()
    }
}

impl<'de> Deserialize<'de> for Tree<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }

    fn visit_none<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Tree<'de>, E> {
        Ok(Tree::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Tree<'de>, E> {
        Ok(Tree::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Tree<'de>, E> {
        Ok(Tree::UInt(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Tree<'de>, E> {
        Ok(Tree::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Key(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Tree::Object(members))
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let doc =
            Document::parse(r#"{"a": "plain", "b": "tab\there", "n": -3, "f": 1.5, "z": null}"#)
                .unwrap();
        let root = doc.root();
        assert!(matches!(
            root.get("a"),
            Some(Tree::Str(Cow::Borrowed("plain")))
        ));
        assert!(matches!(root.get("b"), Some(Tree::Str(Cow::Owned(s))) if s == "tab\there"));
        assert!(matches!(root.get("n"), Some(Tree::Int(-3))));
        assert!(matches!(root.get("f"), Some(Tree::Float(f)) if *f == 1.5));
        assert!(matches!(root.get("z"), Some(Tree::Null)));
        assert!(root.get("missing").is_none());
    }

    #[test]
    fn invalid_json_is_an_error() {
        assert!(Document::parse("{").is_err());
        assert!(Document::parse(r#"{"a": 1} trailing"#).is_err());
    }
}
