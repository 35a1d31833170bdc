//! The callback plugin's configuration schema, which the merchant page renders as
//! a form and the API publishes.

use serde_json::{Value, json};

use crate::body::FORM;
use crate::config::{JSON, MAX_HEADERS, METHODS};

/// The configuration's JSON Schema (draft 2020-12).
pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Callback URL",
        "description": "Sends each event to a URL: the event itself as JSON, a body rendered from a template, or form fields.",
        "type": "object",
        "properties": {
            "url": {
                "type": "string",
                "format": "uri",
                "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#{}\\s]+([/?#].*)?$",
                "description": "The callback URL (http or https, without user name or password). {{ checkout.… }} placeholders work in the path and query: each value is percent-encoded where it stands, and spaces in the text are encoded too. The scheme and host must be written out. Tried on every sample event before it is saved.",
            },
            "method": {
                "enum": METHODS,
                "default": "POST",
                "description": "The HTTP method. GET sends no body; DELETE sends none unless body_template or form is set.",
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
                "description": "The request body, with {{ checkout.… }} placeholders (escaped as JSON string contents when the content type is JSON: use |tojson for objects and lists). Tried on every sample event before it is saved; a JSON body must render as JSON. Left out: the event itself, {\"id\", \"type\", \"shop\", \"occurred_at\", \"data\"}.",
            },
            "form": {
                "type": "object",
                "description": format!("Form fields sent as {FORM}, in the order written: each name's value is a template, e.g. {{\"order\": \"{{{{ checkout.id }}}}\"}}. Instead of body_template, not with it."),
                "additionalProperties": {"type": "string"},
                "minProperties": 1,
            },
            "content_type": {
                "type": "string",
                "default": JSON,
                "description": "The body's Content-Type; anything but JSON needs a body_template. Not used with GET, a DELETE without a body, or form.",
            },
        },
        "required": ["url"],
        "allOf": [
            {"not": {"required": ["body_template", "form"]}},
            {
                "if": {"properties": {"method": {"const": "GET"}}, "required": ["method"]},
                "then": {"not": {"anyOf": [
                    {"required": ["body_template"]}, {"required": ["form"]}, {"required": ["content_type"]},
                ]}},
            },
            {
                "if": {
                    "properties": {"method": {"const": "DELETE"}},
                    "required": ["method"],
                    "not": {"anyOf": [{"required": ["body_template"]}, {"required": ["form"]}]},
                },
                "then": {"not": {"required": ["content_type"]}},
            },
        ],
        "additionalProperties": false,
    })
}
