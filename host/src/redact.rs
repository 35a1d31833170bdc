//! Showing secrets without revealing them: `••••` plus the last four characters.
//!
//! A plugin's configuration schema marks its secrets with `"writeOnly": true`.
//! [`SecretFields`] reads those marks; with them a configuration can be masked for
//! the API, merged on update (a secret left out keeps its old value), and every
//! secret value it holds can be scrubbed from what is stored or logged.

use serde_json::Value;

/// What a masked secret starts with.
pub const MASK: &str = "••••";

/// Masks `secret`, keeping only its last four characters (none if it is short).
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return MASK.to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{MASK}{tail}")
}

/// The top-level configuration properties a plugin's schema marks `writeOnly`.
#[derive(Debug, Clone, Default)]
pub struct SecretFields(Vec<String>);

impl SecretFields {
    /// Reads the marks from a JSON Schema (as JSON text); no schema, no secrets.
    pub fn from_schema(schema: &str) -> Self {
        let schema: Value = serde_json::from_str(schema).unwrap_or_default();
        let fields = schema["properties"]
            .as_object()
            .map(|properties| {
                properties
                    .iter()
                    .filter(|(_, p)| p["writeOnly"] == Value::Bool(true))
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default();
        Self(fields)
    }

    /// `config` with each secret replaced by its mask.
    pub fn masked(&self, config: &Value) -> Value {
        let mut config = config.clone();
        for field in &self.0 {
            if let Some(value) = config.get_mut(field) {
                *value = Value::String(match value {
                    Value::String(text) => mask(text),
                    _ => MASK.to_string(),
                });
            }
        }
        config
    }

    /// Fills the secrets `update` leaves out (or sends back masked) from `old`.
    pub fn keep_unchanged(&self, update: &mut Value, old: &Value) {
        let Some(update) = update.as_object_mut() else {
            return;
        };
        for field in &self.0 {
            let sent_back_masked = update
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|text| text.starts_with(MASK));
            if (sent_back_masked || !update.contains_key(field))
                && let Some(previous) = old.get(field)
            {
                update.insert(field.clone(), previous.clone());
            }
        }
    }

    /// Every secret string in `config` (long enough to be worth scrubbing),
    /// including the strings inside a secret object, and the JSON text of the
    /// secret itself.
    pub fn values(&self, config: &Value) -> Vec<String> {
        let mut found = Vec::new();
        for field in &self.0 {
            if let Some(value) = config.get(field) {
                collect(value, &mut found);
                if !value.is_string() {
                    found.push(value.to_string());
                }
            }
        }
        found
    }
}

fn collect(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text.len() >= 8 => {
            found.push(text.clone());
            // A key in JSON text appears with its newlines escaped.
            let escaped = Value::String(text.clone()).to_string();
            found.push(escaped[1..escaped.len() - 1].to_string());
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect(v, found)),
        _ => {}
    }
}

/// Replaces every occurrence of each secret in `text` with its mask, longest first.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = text.to_string();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), &mask(secret));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: &str = r#"{"properties": {"bot_token": {"writeOnly": true}, "chat_id": {}}}"#;

    #[test]
    fn keeps_only_the_tail_of_long_secrets() {
        assert_eq!(mask("123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE"), "••••MPLE");
        assert_eq!(mask("short"), "••••");
    }

    #[test]
    fn masks_merges_and_scrubs_the_fields_the_schema_marks() {
        let fields = SecretFields::from_schema(SCHEMA);
        let config =
            json!({"bot_token": "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE", "chat_id": "-100"});
        assert_eq!(
            fields.masked(&config),
            json!({"bot_token": "••••MPLE", "chat_id": "-100"})
        );
        let mut update = json!({"chat_id": "-200"});
        fields.keep_unchanged(&mut update, &config);
        assert_eq!(update["bot_token"], config["bot_token"]);
        let mut update = json!({"chat_id": "-200", "bot_token": "••••MPLE"});
        fields.keep_unchanged(&mut update, &config);
        assert_eq!(update["bot_token"], config["bot_token"]);
        let url = "https://api.telegram.org/bot123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE/sendMessage";
        assert_eq!(
            scrub(url, &fields.values(&config)),
            "https://api.telegram.org/bot••••MPLE/sendMessage"
        );
    }
}
