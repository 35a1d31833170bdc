//! A plugin's configuration as a form, generated from its JSON Schema
//! (`info().config_schema`), and the form's fields read back as the JSON
//! configuration the service checks.
//!
//! | schema | field |
//! |---|---|
//! | `writeOnly` | a password input (a text area for a non-string secret) showing only the last 4; left blank, the saved value is kept |
//! | `enum` | a select |
//! | `boolean` | a checkbox |
//! | `integer`, `number` | a number input |
//! | `string` (`format: uri` a URL input; `…template` and `value` a text area) | a text input |
//! | an array of objects with string properties (Sheets `columns`) | a table: the saved rows and two blank ones; blank rows are dropped |
//! | anything else | free JSON in a text area |

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// Extra blank rows offered under a table's saved rows.
const BLANK_ROWS: usize = 2;

/// One field of the form, ready for the template.
#[derive(Debug, Serialize)]
pub struct Field {
    /// The configuration property.
    pub name: String,
    /// The input's name in the form (`config.<name>`).
    pub input: String,
    /// What the field is called on the page (the catalogue's `config_<name>`,
    /// else the schema's `title`, else the property's name).
    pub label: String,
    /// `text`, `url`, `textarea`, `secret`, `secret_json`, `number`, `checkbox`, `select`, `table` or `json`.
    pub kind: &'static str,
    /// The schema's description.
    pub description: String,
    /// Whether the plugin requires it.
    pub required: bool,
    /// The value to show (never a secret's).
    pub value: String,
    /// A secret's saved value as masked (`••••` + last 4), if one is saved.
    pub saved: Option<String>,
    /// A select's choices.
    pub choices: Vec<String>,
    /// A table's column names.
    pub columns: Vec<String>,
    /// A table's rows (each a cell per column).
    pub rows: Vec<Vec<String>>,
}

/// The fields of `schema` (a plugin's config schema), filled from `config`
/// (the saved configuration, secrets masked) or the schema's defaults.
pub fn fields(schema: &Value, config: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let current = config.get(name).or_else(|| property.get("default"));
            field(name, property, current, required.contains(&name.as_str()))
        })
        .collect()
}

fn field(name: &str, property: &Value, current: Option<&Value>, required: bool) -> Field {
    let kind = kind(name, property);
    let mut field = Field {
        name: name.to_string(),
        input: format!("config.{name}"),
        label: property["title"].as_str().unwrap_or(name).to_string(),
        kind,
        description: property["description"].as_str().unwrap_or("").to_string(),
        required,
        value: String::new(),
        saved: None,
        choices: Vec::new(),
        columns: Vec::new(),
        rows: Vec::new(),
    };
    match kind {
        "secret" | "secret_json" => {
            field.saved = current
                .filter(|_| property.get("default") != current)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        }
        "select" => {
            field.choices = property["enum"]
                .as_array()
                .map(|e| e.iter().map(text).collect())
                .unwrap_or_default();
            field.value = current.map(text).unwrap_or_default();
        }
        "table" => {
            field.columns = table_columns(property);
            field.rows = current
                .and_then(Value::as_array)
                .map(|rows| {
                    rows.iter()
                        .map(|row| {
                            field
                                .columns
                                .iter()
                                .map(|c| row.get(c).map(text).unwrap_or_default())
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let blank = vec![String::new(); field.columns.len()];
            field.rows.extend(std::iter::repeat_n(blank, BLANK_ROWS));
        }
        "json" => {
            field.value = current
                .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                .unwrap_or_default();
        }
        _ => field.value = current.map(text).unwrap_or_default(),
    }
    field
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn kind(name: &str, property: &Value) -> &'static str {
    let ty = property["type"].as_str();
    if property["writeOnly"] == Value::Bool(true) {
        return if ty == Some("string") {
            "secret"
        } else {
            "secret_json"
        };
    }
    if property.get("enum").is_some() {
        return "select";
    }
    match ty {
        Some("boolean") => "checkbox",
        Some("integer" | "number") => "number",
        Some("string") if property["format"] == "uri" => "url",
        Some("string") if name.ends_with("template") => "textarea",
        Some("string") => "text",
        Some("array") if !table_columns(property).is_empty() => "table",
        None if property.get("oneOf").is_some_and(|o| {
            o.as_array()
                .is_some_and(|o| o.iter().any(|s| s["type"] == "string"))
        }) =>
        {
            "text"
        }
        _ => "json",
    }
}

/// The string properties of an array's item objects, if that is what it holds.
fn table_columns(property: &Value) -> Vec<String> {
    let items = &property["items"];
    if items["type"] != "object" {
        return Vec::new();
    }
    let Some(props) = items["properties"].as_object() else {
        return Vec::new();
    };
    if props.values().any(|p| p["type"] != "string") {
        return Vec::new();
    }
    props.keys().cloned().collect()
}

/// A field the merchant filled in that cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The property.
    pub name: String,
    /// Why.
    pub message: String,
}

/// The configuration the posted `form` describes, by `schema`. Blank fields are
/// left out (the plugin's default applies; a secret keeps its saved value).
pub fn config(schema: &Value, form: &HashMap<String, String>) -> Result<Value, FieldError> {
    let mut config = Map::new();
    let Some(properties) = schema["properties"].as_object() else {
        return Ok(Value::Object(config));
    };
    for (name, property) in properties {
        let input = format!("config.{name}");
        let raw = form.get(&input).map(|v| v.trim()).unwrap_or("");
        let bad = |message: String| FieldError {
            name: name.clone(),
            message,
        };
        let value = match kind(name, property) {
            "checkbox" => Some(Value::Bool(form.contains_key(&input))),
            _ if raw.is_empty() && kind(name, property) != "table" => None,
            "number" => Some(
                raw.parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| raw.parse::<f64>().map(Value::from))
                    .map_err(|_| bad(format!("{raw:?} is not a number")))?,
            ),
            "json" | "secret_json" => Some(match serde_json::from_str(raw) {
                Ok(value) => value,
                Err(_) if kind(name, property) == "secret_json" => Value::String(raw.to_string()),
                Err(error) => return Err(bad(format!("not JSON: {error}"))),
            }),
            "table" => {
                let columns = table_columns(property);
                let rows: Vec<Value> = (0..)
                    .map_while(|i| {
                        let cell = |c: &String| form.get(&format!("{input}.{i}.{c}"));
                        columns.iter().any(|c| cell(c).is_some()).then(|| {
                            columns
                                .iter()
                                .map(|c| {
                                    (
                                        c.clone(),
                                        Value::String(cell(c).map_or("", |v| v.trim()).to_string()),
                                    )
                                })
                                .collect::<Map<_, _>>()
                        })
                    })
                    .filter(|row| row.values().any(|v| v != ""))
                    .map(Value::Object)
                    .collect();
                (!rows.is_empty()).then_some(Value::Array(rows))
            }
            _ => Some(Value::String(raw.to_string())),
        };
        if let Some(value) = value {
            config.insert(name.clone(), value);
        }
    }
    Ok(Value::Object(config))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "url": {"type": "string", "format": "uri", "description": "Where"},
                "method": {"enum": ["POST", "PUT"], "default": "POST"},
                "token": {"type": "string", "writeOnly": true},
                "silent": {"type": "boolean", "default": false},
                "retries": {"type": "integer"},
                "headers": {"type": "object"},
                "columns": {"type": "array", "items": {"type": "object",
                    "properties": {"header": {"type": "string"}, "value": {"type": "string"}}}},
            },
            "required": ["url"],
        })
    }

    #[test]
    fn each_schema_shape_gets_its_field() {
        let saved = json!({"url": "https://x.test/", "token": "••••abcd", "columns": [{"header": "Id", "value": "{{ checkout.id }}"}]});
        let kinds: Vec<(String, &str)> = fields(&schema(), &saved)
            .into_iter()
            .map(|f| (f.name, f.kind))
            .collect();
        assert!(kinds.contains(&("url".into(), "url")));
        assert!(kinds.contains(&("method".into(), "select")));
        assert!(kinds.contains(&("token".into(), "secret")));
        assert!(kinds.contains(&("silent".into(), "checkbox")));
        assert!(kinds.contains(&("retries".into(), "number")));
        assert!(kinds.contains(&("headers".into(), "json")));
        assert!(kinds.contains(&("columns".into(), "table")));
        let all = fields(&schema(), &saved);
        let token = all.iter().find(|f| f.name == "token").unwrap();
        assert_eq!(
            (token.value.as_str(), token.saved.as_deref()),
            ("", Some("••••abcd"))
        );
        let columns = all.iter().find(|f| f.name == "columns").unwrap();
        assert_eq!(columns.rows.len(), 1 + BLANK_ROWS);
        assert_eq!(columns.rows[0], ["Id", "{{ checkout.id }}"]);
    }

    #[test]
    fn a_posted_form_reads_back_as_the_configuration() {
        let form: HashMap<String, String> = [
            ("config.url", "https://x.test/hook"),
            ("config.method", "PUT"),
            ("config.token", ""),
            ("config.silent", "on"),
            ("config.retries", "3"),
            ("config.headers", r#"{"X-Key": "k"}"#),
            ("config.columns.0.header", "Id"),
            ("config.columns.0.value", "{{ checkout.id }}"),
            ("config.columns.1.header", ""),
            ("config.columns.1.value", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = config(&schema(), &form).unwrap();
        assert_eq!(
            config,
            json!({"url": "https://x.test/hook", "method": "PUT", "silent": true, "retries": 3,
                   "headers": {"X-Key": "k"}, "columns": [{"header": "Id", "value": "{{ checkout.id }}"}]}),
            "a blank secret is left out (the saved one is kept), blank rows are dropped"
        );
        let mut bad = form.clone();
        bad.insert("config.retries".into(), "three".into());
        assert_eq!(super::config(&schema(), &bad).unwrap_err().name, "retries");
    }
}
