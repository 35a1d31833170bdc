//! The event's JSON as template values, converted lazily.
//!
//! Converting a whole payload into minijinja values on every event costs more than
//! rendering a typical template, and a template reads only a few fields. So the
//! document is shared behind an `Arc`, objects and arrays are exposed as minijinja
//! objects that point into it, and only the scalars a template actually reads are
//! converted. A `null` object member reads as missing, so `default` applies to it.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde_json::Value as Json;

/// The template value of `json`, a node of the document `root`.
pub(crate) fn value(root: &Arc<Json>, json: &Json) -> Value {
    match json {
        Json::Null => Value::from(()),
        Json::Bool(flag) => Value::from(*flag),
        Json::Number(number) => number_value(number),
        Json::String(text) => Value::from(text.as_str()),
        Json::Array(_) | Json::Object(_) => Value::from_object(Node {
            root: Arc::clone(root),
            node: json,
        }),
    }
}

/// The template value of a whole document.
pub(crate) fn document(root: Arc<Json>) -> Value {
    value(&root, &root)
}

fn number_value(number: &serde_json::Number) -> Value {
    if let Some(int) = number.as_i64() {
        Value::from(int)
    } else if let Some(int) = number.as_u64() {
        Value::from(int)
    } else {
        Value::from(number.as_f64().unwrap_or(f64::NAN))
    }
}

/// An object or array inside a shared JSON document.
#[derive(Debug)]
struct Node {
    root: Arc<Json>,
    node: *const Json,
}

// SAFETY: `node` points into the document owned by `root`. The document is never
// mutated after it is shared, and `root` keeps it alive as long as the node lives,
// so reading through the pointer from any thread is as safe as reading `&Json`.
unsafe impl Send for Node {}
unsafe impl Sync for Node {}

impl Node {
    fn json(&self) -> &Json {
        // SAFETY: see the `Send`/`Sync` impls: the pointee lives as long as `root`.
        unsafe { &*self.node }
    }
}

impl Object for Node {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.json() {
            Json::Array(_) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let child = match self.json() {
            Json::Object(map) => map.get(key.as_str()?)?,
            Json::Array(list) => list.get(key.as_usize()?)?,
            _ => return None,
        };
        if child.is_null() && matches!(self.json(), Json::Object(_)) {
            return None;
        }
        Some(value(&self.root, child))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.json() {
            Json::Array(list) => Enumerator::Seq(list.len()),
            Json::Object(map) => Enumerator::Values(
                map.iter()
                    .filter(|(_, child)| !child.is_null())
                    .map(|(key, _)| Value::from(key.as_str()))
                    .collect(),
            ),
            _ => Enumerator::Empty,
        }
    }
}
