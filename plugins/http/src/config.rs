//! The callback plugin's configuration: its schema and its checks.

use kait_pdk::PluginError;
use kait_pdk::config::{self, field_error};
use kait_pdk::template::{Escape, Template};
use serde::Deserialize;
use serde_json::{Value, json};

/// The content type of the default body.
pub const JSON: &str = "application/json";

const MAX_HEADERS: usize = 50;

/// Header names the host or the HTTP connection owns.
const RESERVED_HEADERS: [&str; 14] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// A webhook's callback settings, checked.
#[derive(Debug)]
pub struct Config {
    /// Where the request goes.
    pub url: String,
    /// `POST`, `PUT` or `PATCH`.
    pub method: String,
    /// Extra request headers, in configuration order.
    pub headers: Vec<(String, String)>,
    /// The body's template; without one the body is the event itself.
    pub body_template: Option<Template>,
    /// The body's content type.
    pub content_type: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    headers: config::Ordered<Value>,
    #[serde(default)]
    body_template: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
}

impl Config {
    /// Parses and checks `config`; every error names the field at fault.
    pub fn parse(config: &str) -> Result<Config, PluginError> {
        let raw: Raw = config::parse(config)?;
        check_url(&raw.url)?;
        let method = raw.method.unwrap_or_else(|| "POST".to_owned());
        if !matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            return Err(field_error(
                "method",
                format!("{method:?} is not one of POST, PUT, PATCH"),
            ));
        }
        let headers = check_headers(raw.headers)?;
        let content_type = raw.content_type.unwrap_or_else(|| JSON.to_owned());
        check_content_type(&content_type)?;
        let json = is_json(&content_type);
        let body_template = match raw.body_template {
            Some(text) => {
                let escape = if json { Escape::Json } else { Escape::None };
                Some(Template::compile("body_template", &text, escape)?)
            }
            None if !json => {
                return Err(field_error(
                    "content_type",
                    "the default body is the event as JSON; set body_template to send another format",
                ));
            }
            None => None,
        };
        Ok(Config {
            url: raw.url,
            method,
            headers,
            body_template,
            content_type,
        })
    }

    /// Whether the body is JSON.
    pub fn is_json(&self) -> bool {
        is_json(&self.content_type)
    }
}

/// `application/json`, or any `+json` type such as `application/cloudevents+json`.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == JSON || essence.ends_with("+json")
}

fn check_url(text: &str) -> Result<(), PluginError> {
    let url = url::Url::parse(text)
        .map_err(|err| field_error("url", format!("not a valid URL: {err}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(field_error("url", "must start with https:// or http://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(field_error("url", "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(field_error(
            "url",
            "must not contain a user name or password; send credentials in headers",
        ));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(field_error(
            "url",
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

fn check_headers(headers: config::Ordered<Value>) -> Result<Vec<(String, String)>, PluginError> {
    let headers = headers.0;
    if headers.len() > MAX_HEADERS {
        return Err(field_error(
            "headers",
            format!("at most {MAX_HEADERS} headers"),
        ));
    }
    let mut checked: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let field = format!("headers.{name}");
        let Value::String(value) = value else {
            return Err(field_error(&field, "must be a string"));
        };
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            let reason = "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only, no spaces or line breaks)";
            return Err(field_error(&field, reason));
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(field_error(
                &field,
                "is set by Kait or the connection and cannot be configured",
            ));
        }
        if lower == "content-type" {
            return Err(field_error(&field, "set content_type instead"));
        }
        if checked
            .iter()
            .any(|(seen, _)| seen.eq_ignore_ascii_case(&name))
        {
            return Err(field_error(
                &field,
                "given twice (header names ignore case)",
            ));
        }
        if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(field_error(
                &field,
                "must not contain line breaks or control characters",
            ));
        }
        checked.push((name, value));
    }
    Ok(checked)
}

fn check_content_type(content_type: &str) -> Result<(), PluginError> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let valid = essence
        .split_once('/')
        .is_some_and(|(kind, sub)| !kind.is_empty() && !sub.is_empty())
        && !content_type.chars().any(char::is_control);
    if valid {
        Ok(())
    } else {
        Err(field_error(
            "content_type",
            format!("{content_type:?} is not a media type like \"application/json\""),
        ))
    }
}

/// The configuration's JSON Schema (draft 2020-12).
pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Callback URL",
        "description": "Sends each event to a URL: the event itself as JSON, or a body rendered from a template.",
        "type": "object",
        "properties": {
            "url": {
                "type": "string",
                "format": "uri",
                "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://",
                "description": "The callback URL (http or https, without user name or password).",
            },
            "method": {
                "enum": ["POST", "PUT", "PATCH"],
                "default": "POST",
                "description": "The HTTP method.",
            },
            "headers": {
                "type": "object",
                "description": "Extra request headers (e.g. an API key). Host, Content-Length, Content-Type, hop-by-hop and webhook-* headers cannot be set.",
                "propertyNames": {"pattern": "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"},
                "additionalProperties": {"type": "string", "pattern": "^[^\\r\\n]*$"},
                "maxProperties": MAX_HEADERS,
                "writeOnly": true,
            },
            "body_template": {
                "type": "string",
                "description": "The request body, with {{ checkout.… }} placeholders (escaped as JSON string contents when the content type is JSON). Left out: the event itself, {\"id\", \"type\", \"shop\", \"occurred_at\", \"data\"}.",
            },
            "content_type": {
                "type": "string",
                "default": JSON,
                "description": "The body's Content-Type; anything but JSON needs a body_template.",
            },
        },
        "required": ["url"],
        "additionalProperties": false,
    })
}
