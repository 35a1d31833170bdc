//! # discord: an example Kait plugin in Rust
//!
//! Turns a shop event into one Discord-style webhook message that lists the items
//! of the checkout and its total. Copy this folder to start your own plugin.
//!
//! The logic is three plain functions; `export_plugin!` (last line) exports them
//! as the component's `transformer` world on wasm32. On the host target they are
//! ordinary Rust, so `cargo test` runs the unit tests at the bottom.

use kait_pdk::{Action, Event, OutgoingRequest, PluginError, PluginInfo};
use serde_json::{Map, Value};

/// The configuration's JSON Schema, shown to merchants in the settings form.
const SCHEMA: &str = r#"{"type":"object","required":["url"],"additionalProperties":false,
 "properties":{"url":{"type":"string","format":"uri","description":"The Discord (or compatible) webhook URL"},
  "username":{"type":"string","description":"Name the message is posted under; default Kait"}}}"#;

/// What the plugin says about itself.
pub fn info() -> PluginInfo {
    PluginInfo {
        name: "discord".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        description: "Discord-style message listing the items and the total (Rust example)".into(),
        config_schema: SCHEMA.into(),
    }
}

/// The checked configuration.
struct Config {
    url: String,
    username: String,
}

/// Parses and checks the configuration (JSON text), naming the field at fault.
fn parse_config(config: &str) -> Result<Config, PluginError> {
    let bad = |msg: &str| PluginError::InvalidConfig(msg.to_owned());
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(config) else {
        return Err(bad("config must be a JSON object"));
    };
    let Some(url) = obj.get("url").and_then(Value::as_str) else {
        return Err(bad("url: required, a string"));
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(bad("url: must start with https:// or http://"));
    }
    let username = match obj.get("username") {
        None => "Kait",
        Some(Value::String(name)) => name,
        Some(_) => return Err(bad("username: must be a string")),
    };
    if let Some(key) = obj.keys().find(|k| *k != "url" && *k != "username") {
        return Err(bad(&format!(
            "{key}: unknown field; expected url, username"
        )));
    }
    Ok(Config {
        url: url.to_owned(),
        username: username.to_owned(),
    })
}

/// Checks a configuration when the merchant saves it.
pub fn validate_config(config: &str) -> Result<(), PluginError> {
    parse_config(config).map(drop)
}

/// One line per item: "• 2 × Product (Variant): MYR 59.80".
fn item_line(item: &Value, checkout: &Map<String, Value>) -> String {
    let quantity = item["quantity"].as_f64().unwrap_or(1.0);
    let product = item["product"]["name"].as_str().unwrap_or("item");
    // " (Variant)" only when the item has a non-empty name.
    let variant = match item["name"].as_str() {
        Some(name) if !name.is_empty() => format!(" ({name})"),
        _ => String::new(),
    };
    let currency = (item["currency"].as_str())
        .or(checkout.get("currency").and_then(Value::as_str))
        .unwrap_or("");
    let subtotal = (item["subtotal"].as_f64())
        .or(item["price"].as_f64().map(|price| price * quantity))
        .unwrap_or(0.0);
    format!("• {quantity} × {product}{variant}: {currency} {subtotal:.2}")
}

/// The message text: a heading, one line per item, the total; and the item count.
fn content(kind: &str, checkout: &Map<String, Value>) -> (String, usize) {
    let field = |key: &str| checkout.get(key).unwrap_or(&Value::Null);
    // The id as JSON prints it (7), but a string without its quotes (A-1).
    let id = match field("id") {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let items = field("items")
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let currency = field("currency").as_str().unwrap_or("");
    let total = field("total").as_f64().unwrap_or(0.0);

    let mut lines = vec![format!("**{kind}** · order {id}")];
    lines.extend(items.iter().map(|item| item_line(item, checkout)));
    lines.push(format!("Total: {currency} {total:.2}"));
    (lines.join("\n"), items.len())
}

/// The body Discord expects; a struct keeps the keys in this order.
#[derive(serde::Serialize)]
struct Message<'a> {
    username: &'a str,
    content: &'a str,
}

/// Turns one event into the webhook request.
pub fn transform(event: &Event, config: &str) -> Result<Action, PluginError> {
    let config = parse_config(config)?;
    let payload: Value = serde_json::from_str(&event.payload).unwrap_or_default();
    let Some(checkout) = payload.get("checkout").and_then(Value::as_object) else {
        return Err(PluginError::InvalidEvent("payload has no checkout".into()));
    };
    let (content, n) = content(&event.kind, checkout);
    // Lines logged here appear in the delivery's log in Kait.
    kait_pdk::log::info(&format!("formatted {n} items for {}", event.kind));
    let message = Message {
        username: &config.username,
        content: &content,
    };
    Ok(Action::Send(vec![OutgoingRequest {
        method: "POST".into(),
        url: config.url,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(&message).map_err(|e| PluginError::Failed(e.to_string()))?,
        auth: None, // the host can attach credentials; Discord URLs carry their own token
    }]))
}

kait_pdk::export_plugin!(info, validate_config, transform);

#[cfg(test)]
mod tests;
