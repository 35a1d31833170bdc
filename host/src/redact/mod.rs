//! Showing secrets without revealing them: `••••` plus the last four characters.
//!
//! A plugin's configuration schema marks its secrets with `"writeOnly": true`,
//! and its URLs with `"format": "uri"` (a URL may hold a secret in its userinfo,
//! path or query: see [`url`]). [`SecretFields`] reads those marks; with them a
//! configuration can be masked for the API, merged on update (a secret left out,
//! or sent back masked, keeps its old value), and every secret value it holds can
//! be scrubbed from what is stored or logged.

pub mod url;

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

/// The top-level configuration properties a plugin's schema marks `writeOnly`
/// (secrets), and those it marks `"format": "uri"` (URLs that may hold secrets).
#[derive(Debug, Clone, Default)]
pub struct SecretFields {
    secrets: Vec<String>,
    urls: Vec<String>,
}

impl SecretFields {
    /// Reads the marks from a JSON Schema (as JSON text); no schema, no secrets.
    pub fn from_schema(schema: &str) -> Self {
        let schema: Value = serde_json::from_str(schema).unwrap_or_default();
        let marked = |mark: &dyn Fn(&Value) -> bool| -> Vec<String> {
            schema["properties"]
                .as_object()
                .map(|properties| {
                    properties
                        .iter()
                        .filter(|(_, p)| mark(p))
                        .map(|(name, _)| name.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        let secrets = marked(&|p| p["writeOnly"] == Value::Bool(true));
        let urls = marked(&|p| p["format"] == "uri" && p["writeOnly"] != Value::Bool(true));
        Self { secrets, urls }
    }

    /// `config` with each secret replaced by its mask, and each secret part of a
    /// URL by its own.
    pub fn masked(&self, config: &Value) -> Value {
        let mut config = config.clone();
        for field in &self.secrets {
            if let Some(value) = config.get_mut(field) {
                *value = Value::String(match value {
                    Value::String(text) => mask(text),
                    _ => MASK.to_string(),
                });
            }
        }
        for field in &self.urls {
            if let Some(Value::String(text)) = config.get_mut(field) {
                *text = masked_url(text);
            }
        }
        config
    }

    /// Fills the secrets `update` leaves out (or sends back masked) from `old`;
    /// a URL sent back with masked parts gets those parts back from the old URL.
    pub fn keep_unchanged(&self, update: &mut Value, old: &Value) {
        let Some(update) = update.as_object_mut() else {
            return;
        };
        for field in &self.urls {
            if let (Some(Value::String(new)), Some(Value::String(old))) =
                (update.get_mut(field), old.get(field))
                && new.contains(MASK)
            {
                *new = unmasked_url(new, old);
            }
        }
        for field in &self.secrets {
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
        for field in &self.secrets {
            if let Some(value) = config.get(field) {
                collect(value, &mut found);
                if !value.is_string() {
                    found.push(value.to_string());
                }
            }
        }
        for field in &self.urls {
            if let Some(Value::String(text)) = config.get(field) {
                for span in url::secret_spans(text) {
                    collect(&Value::String(text[span].to_string()), &mut found);
                }
            }
        }
        found
    }
}

/// `url` with each secret part (see [`url`]) masked in its place.
pub fn masked_url(url: &str) -> String {
    let mut masked = String::with_capacity(url.len());
    let mut at = 0;
    for span in url::secret_spans(url) {
        masked.push_str(&url[at..span.start]);
        masked.push_str(&mask(&url[span.clone()]));
        at = span.end;
    }
    masked.push_str(&url[at..]);
    masked
}

/// `new` with each masked part of `old` that it still carries put back (the
/// rest of the URL may have changed around it).
fn unmasked_url(new: &str, old: &str) -> String {
    let mut unmasked = new.to_string();
    for span in url::secret_spans(old) {
        let secret = &old[span];
        if let Some(at) = unmasked.find(&mask(secret)) {
            unmasked.replace_range(at..at + mask(secret).len(), secret);
        }
    }
    unmasked
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

    #[test]
    fn masks_merges_and_scrubs_the_secrets_inside_a_url() {
        let fields = SecretFields::from_schema(
            r#"{"properties": {"url": {"type": "string", "format": "uri"}}}"#,
        );
        let url = "https://api.telegram.org/bot123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE/sendMessage?chat_id=-100&text=Order {{ checkout.id }}";
        let config = json!({ "url": url });
        let shown = "https://api.telegram.org/bot••••MPLE/sendMessage?chat_id=-100&text=Order {{ checkout.id }}";
        assert_eq!(fields.masked(&config), json!({ "url": shown }));

        let mut sent_back = json!({ "url": shown.replace("-100", "-200") });
        fields.keep_unchanged(&mut sent_back, &config);
        assert_eq!(sent_back["url"], url.replace("-100", "-200"));

        let mut replaced = json!({ "url": "https://example.com/new" });
        fields.keep_unchanged(&mut replaced, &config);
        assert_eq!(replaced["url"], "https://example.com/new");

        let logged = format!("POST {}", url.replace("{{ checkout.id }}", "1269344"));
        let scrubbed = scrub(&logged, &fields.values(&config));
        assert!(
            !scrubbed.contains("AAEhBP0av28xKj1lZ8T3bAEXAMPLE"),
            "{scrubbed}"
        );
        assert!(
            scrubbed.contains("bot••••MPLE/sendMessage?chat_id=-100"),
            "{scrubbed}"
        );
    }
}
