//! The callback plugin's configuration: its schema and its checks.

use kait_pdk::PluginError;
use kait_pdk::config::{self, field_error};
use kait_pdk::template::{Escape, Template};
use serde::Deserialize;
use serde_json::Value;

use crate::body::{Body, FORM};
use crate::callback_url::CallbackUrl;

/// The content type of the default body.
pub const JSON: &str = "application/json";

/// Most extra headers a webhook may configure.
pub const MAX_HEADERS: usize = 50;

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

/// The methods a callback may use.
pub const METHODS: [&str; 5] = ["POST", "PUT", "PATCH", "GET", "DELETE"];

/// A webhook's callback settings, checked.
#[derive(Debug)]
pub struct Config {
    /// Where the request goes.
    pub url: CallbackUrl,
    /// One of [`METHODS`].
    pub method: String,
    /// Extra request headers, in configuration order.
    pub headers: Vec<(String, String)>,
    /// What the request carries.
    pub body: Body,
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
    #[serde(default)]
    form: Option<config::Ordered<Value>>,
}

impl Config {
    /// Parses and checks `config`; every error names the field at fault.
    pub fn parse(config: &str) -> Result<Config, PluginError> {
        let mut raw: Raw = config::parse(config)?;
        let url = CallbackUrl::parse(&raw.url)?;
        let method = raw.method.take().unwrap_or_else(|| "POST".to_owned());
        if !METHODS.contains(&method.as_str()) {
            return Err(field_error(
                "method",
                format!("{method:?} is not one of {}", METHODS.join(", ")),
            ));
        }
        let headers = check_headers(std::mem::take(&mut raw.headers))?;
        let body = body(&method, raw)?;
        Ok(Config {
            url,
            method,
            headers,
            body,
        })
    }

    /// Whether rendering needs the event's template context.
    pub fn needs_context(&self) -> bool {
        self.url.is_template() || self.body.is_template()
    }
}

/// The body `raw` describes for `method`.
fn body(method: &str, raw: Raw) -> Result<Body, PluginError> {
    if raw.body_template.is_some() && raw.form.is_some() {
        return Err(field_error(
            "form",
            "give either form or body_template, not both",
        ));
    }
    if let Some(content_type) = &raw.content_type {
        check_content_type(content_type)?;
    }
    let bodiless = match method {
        "GET" => Some("a GET request has no body"),
        "DELETE" if raw.body_template.is_none() && raw.form.is_none() => {
            Some("a DELETE request without body_template or form has no body")
        }
        _ => None,
    };
    if let Some(reason) = bodiless {
        let field = if raw.body_template.is_some() {
            "body_template"
        } else if raw.form.is_some() {
            "form"
        } else if raw.content_type.is_some() {
            "content_type"
        } else {
            return Ok(Body::Empty);
        };
        return Err(field_error(
            field,
            format!(
                "{reason}; put values in the URL's query, where {{{{ … }}}} placeholders work too"
            ),
        ));
    }
    if let Some(form) = raw.form {
        if raw
            .content_type
            .as_deref()
            .is_some_and(|content_type| essence(content_type) != FORM)
        {
            return Err(field_error(
                "content_type",
                format!("a form is sent as {FORM}; leave content_type out"),
            ));
        }
        return form_fields(form).map(Body::Form);
    }
    let content_type = raw.content_type.unwrap_or_else(|| JSON.to_owned());
    let json = is_json(&content_type);
    match raw.body_template {
        Some(text) => {
            let escape = if json { Escape::Json } else { Escape::None };
            Ok(Body::Template {
                template: Template::compile("body_template", &text, escape)?,
                content_type,
                json,
            })
        }
        None if !json => Err(field_error(
            "content_type",
            "the default body is the event as JSON; set body_template to send another format",
        )),
        None => Ok(Body::Event(content_type)),
    }
}

/// The `form` fields, each a template, in the order written.
fn form_fields(form: config::Ordered<Value>) -> Result<Vec<(String, Template)>, PluginError> {
    if form.0.is_empty() {
        return Err(field_error("form", "must have at least one field"));
    }
    let mut fields: Vec<(String, Template)> = Vec::with_capacity(form.0.len());
    for (name, value) in form.0 {
        let field = format!("form.{name}");
        let Value::String(text) = value else {
            return Err(field_error(&field, "must be a string (a template)"));
        };
        if name.trim().is_empty() {
            return Err(field_error("form", "a field name must not be empty"));
        }
        if fields.iter().any(|(seen, _)| *seen == name) {
            return Err(field_error(&field, "given twice"));
        }
        let template = Template::compile(&field, &text, Escape::None)?;
        fields.push((name, template));
    }
    Ok(fields)
}

/// `application/json`, or any `+json` type such as `application/cloudevents+json`.
fn is_json(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence == JSON || essence.ends_with("+json")
}

/// The media type without its parameters, lowercase.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
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
