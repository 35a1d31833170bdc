//! The event's JSON as template values, converted lazily.
//!
//! Converting a whole payload into minijinja values on every event costs more than
//! rendering a typical template, and a template reads only a few fields. So objects
//! and arrays of the shared [`Document`] are exposed as minijinja objects that point
//! into it, and only the scalars a template actually reads are converted. A `null`
//! object member reads as missing, so `default` applies to it.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

use crate::document::{Document, Tree};

/// The template value of `tree`, a node of the document `doc`.
pub(crate) fn value(doc: &Arc<Document>, tree: &Tree<'_>) -> Value {
    match tree {
        Tree::Null => Value::from(()),
        Tree::Bool(flag) => Value::from(*flag),
        Tree::Int(int) => Value::from(*int),
        Tree::UInt(int) => Value::from(*int),
        Tree::Float(float) => Value::from(*float),
        Tree::Str(text) => Value::from(text.as_ref()),
        Tree::Array(_) | Tree::Object(_) => Value::from_object(Node {
            doc: Arc::clone(doc),
            node: (tree as *const Tree<'_>).cast(),
        }),
    }
}

/// The template value of a whole document.
pub(crate) fn document(doc: &Arc<Document>) -> Value {
    value(doc, doc.root())
}

/// An object or array inside a shared document.
#[derive(Debug)]
struct Node {
    doc: Arc<Document>,
    node: *const Tree<'static>,
}

// SAFETY: `node` points into the tree owned by `doc`. The tree is never mutated
// after parsing, and `doc` keeps it (and the text it borrows) alive as long as the
// node lives, so reading through the pointer from any thread is as safe as
// reading `&Tree`.
unsafe impl Send for Node {}
unsafe impl Sync for Node {}

impl Node {
    fn tree(&self) -> &Tree<'_> {
        // SAFETY: see the `Send`/`Sync` impls; the borrow is tied to `&self`,
        // which holds `doc`.
        unsafe { &*self.node }
    }
}

impl Object for Node {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.tree() {
            Tree::Array(_) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let child = match self.tree() {
            Tree::Object(_) => match self.tree().get(key.as_str()?)? {
                Tree::Null => return None,
                child => child,
            },
            Tree::Array(items) => items.get(key.as_usize()?)?,
            _ => return None,
        };
        Some(value(&self.doc, child))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.tree() {
            Tree::Array(items) => Enumerator::Seq(items.len()),
            Tree::Object(members) => Enumerator::Values(
                members
                    .iter()
                    .filter(|(_, child)| !matches!(child, Tree::Null))
                    .map(|(key, _)| Value::from(key.as_ref()))
                    .collect(),
            ),
            _ => Enumerator::Empty,
        }
    }
}
