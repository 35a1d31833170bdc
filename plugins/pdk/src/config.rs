//! Parsing a webhook's configuration (JSON text) into a plugin's typed struct.
//!
//! Errors name the offending field the way a merchant sees it in the settings form,
//! e.g. `config.chat_id: invalid type: integer 5, expected a string`, and are always
//! [`PluginError::InvalidConfig`]. Refusing unknown fields is the plugin struct's job
//! (`#[serde(deny_unknown_fields)]`); [`parse`] reports them by name.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::PluginError;

/// Parses `config` into `T`, naming the field at fault in the error.
pub fn parse<T: DeserializeOwned>(config: &str) -> Result<T, PluginError> {
    let mut de = serde_json::Deserializer::from_str(config);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            invalid(format!("config: not valid JSON: {inner}"))
        } else {
            invalid(format!(
                "{}: {}",
                field_name(&path),
                without_position(&inner)
            ))
        }
    })?;
    de.end()
        .map_err(|err| invalid(format!("config: not valid JSON: {err}")))?;
    Ok(value)
}

/// The checked configuration for `config`, parsed by `parse` the first time this
/// instance sees that text and kept for the next calls.
///
/// The host gives each warm instance exactly one configuration, so an instance
/// parses and checks its configuration once instead of on every event. Errors are
/// not kept: a refused configuration is checked again, and refused again.
pub fn cached<T: 'static>(
    config: &str,
    parse: impl FnOnce(&str) -> Result<T, PluginError>,
) -> Result<Rc<T>, PluginError> {
    /// Per plugin type: the last configuration text and its parsed form.
    type Last = HashMap<TypeId, (String, Rc<dyn Any>)>;
    thread_local! {
        static LAST: RefCell<Last> = RefCell::default();
    }
    let hit = LAST.with(|last| {
        let last = last.borrow();
        let (text, parsed) = last.get(&TypeId::of::<T>())?;
        (text == config).then(|| Rc::clone(parsed))
    });
    if let Some(parsed) = hit.and_then(|parsed| parsed.downcast::<T>().ok()) {
        return Ok(parsed);
    }
    let parsed = Rc::new(parse(config)?);
    LAST.with(|last| {
        let entry: Rc<dyn Any> = parsed.clone();
        last.borrow_mut()
            .insert(TypeId::of::<T>(), (config.to_owned(), entry));
    });
    Ok(parsed)
}

/// A JSON object read as its members in the order written, duplicates kept, so
/// a plugin can honour the merchant's order and refuse a name given twice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Members<V> {
            type Value = Ordered<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }

        deserializer.deserialize_map(Members(std::marker::PhantomData))
    }
}

/// Builds an [`PluginError::InvalidConfig`] for `field` (a path such as `chat_id`
/// or `columns[2].value`), in the same shape as the errors of [`parse`].
pub fn field_error(field: &str, reason: impl fmt::Display) -> PluginError {
    invalid(format!("{}: {reason}", field_name(field)))
}

fn field_name(path: &str) -> String {
    if path.is_empty() || path == "." {
        "config".to_owned()
    } else {
        format!("config.{path}")
    }
}

fn invalid(message: String) -> PluginError {
    PluginError::InvalidConfig(message)
}

/// serde_json appends " at line L column C" to data errors; a config field's error
/// is clearer without it, since the path already says where.
fn without_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix)
        .map(str::to_owned)
        .unwrap_or(text)
}

/// A secret configuration value (token, key): readable by the plugin, never shown
/// by `Debug`, so a logged config cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret value itself.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        chat_id: String,
        #[serde(default)]
        columns: Vec<Column>,
        token: Option<Secret<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Column {
        header: String,
    }

    fn message(config: &str) -> String {
        match parse::<Sample>(config) {
            Err(PluginError::InvalidConfig(m)) => m,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn wrong_type_names_the_field() {
        assert_eq!(
            message(r#"{"chat_id": 5}"#),
            "config.chat_id: invalid type: integer `5`, expected a string"
        );
    }

    #[test]
    fn nested_field_is_named_with_its_index() {
        assert_eq!(
            message(r#"{"chat_id": "1", "columns": [{"header": "a"}, {"header": true}]}"#),
            "config.columns[1].header: invalid type: boolean `true`, expected a string"
        );
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        assert_eq!(message("{}"), "config: missing field `chat_id`");
        let unknown = message(r#"{"chat_id": "1", "chatid": "2"}"#);
        assert!(unknown.contains("unknown field `chatid`"), "{unknown}");
    }

    #[test]
    fn bad_json_says_so() {
        assert!(message(r#"{"chat_id": "#).starts_with("config: not valid JSON: "));
        assert!(message(r#"{"chat_id": "1"} x"#).starts_with("config: not valid JSON: "));
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let sample: Sample = parse(r#"{"chat_id": "1", "token": "hunter2"}"#).unwrap();
        assert!(!format!("{sample:?}").contains("hunter2"));
        assert_eq!(sample.token.unwrap().expose(), "hunter2");
    }
}
