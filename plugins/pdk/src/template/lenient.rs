//! Missing data never breaks a render.
//!
//! Shops omit fields and send nulls. In the context, a `null` object member is
//! left out, so it reads as missing (and `default` applies to it); and the
//! built-in filters that would fail on a missing value (`length`, `first`,
//! `round`, `split`, …) are replaced by versions that give an empty result instead.

use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value, filters};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// Serializes a JSON value leaving out `null` object members.
pub(crate) struct WithoutNulls<'a>(pub(crate) &'a serde_json::Value);

impl Serialize for WithoutNulls<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            serde_json::Value::Object(map) => MapWithoutNulls(map).serialize(serializer),
            serde_json::Value::Array(list) => {
                let mut out = serializer.serialize_seq(Some(list.len()))?;
                for value in list {
                    out.serialize_element(&WithoutNulls(value))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Serializes a JSON object leaving out `null` members, at any depth.
pub(crate) struct MapWithoutNulls<'a>(pub(crate) &'a serde_json::Map<String, serde_json::Value>);

impl Serialize for MapWithoutNulls<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        for (key, value) in self.0.iter().filter(|(_, value)| !value.is_null()) {
            out.serialize_entry(key, &WithoutNulls(value))?;
        }
        out.end()
    }
}

fn missing(value: &Value) -> bool {
    value.is_undefined() || value.is_none()
}

fn length(value: &Value) -> Result<usize, Error> {
    if missing(value) {
        Ok(0)
    } else {
        filters::length(value)
    }
}

fn first(value: &Value) -> Result<Value, Error> {
    if missing(value) {
        Ok(Value::UNDEFINED)
    } else {
        filters::first(value)
    }
}

fn last(value: Value) -> Result<Value, Error> {
    if missing(&value) {
        Ok(Value::UNDEFINED)
    } else {
        filters::last(value)
    }
}

fn round(value: Value, precision: Option<i32>) -> Result<Value, Error> {
    if missing(&value) {
        Ok(Value::UNDEFINED)
    } else {
        filters::round(value, precision)
    }
}

fn abs(value: Value) -> Result<Value, Error> {
    if missing(&value) {
        Ok(Value::UNDEFINED)
    } else {
        filters::abs(value)
    }
}

fn items(value: &Value) -> Result<Value, Error> {
    if missing(value) {
        Ok(Value::from(Vec::<Value>::new()))
    } else {
        filters::items(value)
    }
}

fn dictsort(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    if missing(value) {
        Ok(Value::from(Vec::<Value>::new()))
    } else {
        filters::dictsort(value, kwargs)
    }
}

fn split(value: &Value, sep: Option<Arc<str>>, max: Option<i64>) -> Result<Value, Error> {
    if missing(value) {
        Ok(Value::from(Vec::<Value>::new()))
    } else {
        filters::split(value, sep, max)
    }
}

/// Replaces the built-in filters that fail on missing values.
pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_filter("length", length);
    env.add_filter("count", length);
    env.add_filter("first", first);
    env.add_filter("last", last);
    env.add_filter("round", round);
    env.add_filter("abs", abs);
    env.add_filter("items", items);
    env.add_filter("dictsort", dictsort);
    env.add_filter("split", split);
}
