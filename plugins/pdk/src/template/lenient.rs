//! Missing data never breaks a render.
//!
//! Shops omit fields and send nulls. In the context (see `json`), a `null`
//! object member reads as missing, so `default` applies to it; and the
//! built-in filters that would fail on a missing value (`length`, `first`,
//! `round`, `split`, …) are replaced by versions that give an empty result instead.

use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value, filters};

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
