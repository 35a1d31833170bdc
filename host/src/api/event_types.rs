//! The event types and the event format, for integrators outside Rust:
//! `GET /v1/event-types` lists the ten types with the seed's title and
//! description in English and Malay (from the one catalogue), and a JSON Schema
//! (draft 2020-12) of the event that ingest accepts and deliveries carry, also
//! served alone at `GET /v1/event-types/schema`. Both are public, like the
//! OpenAPI document: they hold nothing about any shop.

use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::extract::Json;
use super::schema::SHOP_ID_PATTERN;
use crate::catalogue::{self, Lang};
use crate::events::{INPUT_TYPES, MAX_DEPTH, MAX_ID_CHARS, TYPES};

/// Text in both of the seed's languages.
#[derive(Serialize, ToSchema)]
pub struct Both {
    /// English.
    en: &'static str,
    /// Bahasa Melayu.
    ms: &'static str,
}

/// One event type, as the platform's help page names it.
#[derive(Serialize, ToSchema)]
pub struct EventTypeInfo {
    /// The type, as events and subscriptions spell it.
    #[serde(rename = "type")]
    #[schema(value_type = super::schema::EventType)]
    kind: &'static str,
    /// The seed's title, e.g. "Order Status Processing".
    title: Both,
    /// When it is sent, as the seed says.
    description: Both,
}

/// The ten event types and the event format.
#[derive(Serialize, ToSchema)]
pub struct EventTypes {
    /// The ten types, in the order of the platform's help page.
    data: Vec<EventTypeInfo>,
    /// The event format as a JSON Schema (draft 2020-12); also at
    /// `/v1/event-types/schema`.
    #[schema(value_type = Object)]
    schema: Value,
}

/// The ten types with the seed's titles and descriptions, in English and Malay.
pub fn catalogue() -> Vec<EventTypeInfo> {
    TYPES
        .iter()
        .map(|&kind| {
            let (title_en, when_en) = catalogue::event(kind, Lang::En).unwrap_or_default();
            let (title_ms, when_ms) = catalogue::event(kind, Lang::Ms).unwrap_or_default();
            EventTypeInfo {
                kind,
                title: Both {
                    en: title_en,
                    ms: title_ms,
                },
                description: Both {
                    en: when_en,
                    ms: when_ms,
                },
            }
        })
        .collect()
}

/// A string or nothing (`null`), as the platform leaves a field empty.
fn nullable(kind: &str, description: &str) -> Value {
    json!({"type": [kind, "null"], "description": description})
}

fn typed(kind: &str, description: &str) -> Value {
    json!({"type": kind, "description": description})
}

/// A person's contact fields (customer and shipping address share them).
fn person(extra: &[(&str, &str)]) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("first_name".into(), typed("string", "First name"));
    fields.insert("last_name".into(), typed("string", "Last name"));
    fields.insert(
        "phone".into(),
        typed("string", "Digits with the country code, e.g. 60123456789"),
    );
    fields.insert("email".into(), typed("string", "Email"));
    for (name, description) in extra {
        fields.insert(name.to_string(), nullable("string", description));
    }
    fields
}

/// The seed's checkout fields, typed as the platform sends them. Kait itself
/// checks only that `checkout` is an object and passes every field through
/// (extra ones too), so these types are the platform's promise, not Kait's check.
fn checkout() -> Value {
    let amount = |d: &str| typed("number", d);
    let time = |d: &str| json!({"type": "string", "format": "date-time", "description": d});
    let item = json!({
        "type": "object",
        "description": "One item (variant) of the checkout",
        "properties": {
            "product": {"type": "object", "description": "The product", "properties": {
                "name": typed("string", "Product name"),
                "sku": typed("string", "SKU of the product variant"),
            }},
            "name": typed("string", "Variant name, e.g. 2 Unit/ Hitam"),
            "currency": typed("string", "Currency, e.g. MYR"),
            "price": amount("Variant price"),
            "quantity": typed("integer", "Quantity checked out"),
            "subtotal": amount("Line total"),
        },
    });
    let address = person(&[
        ("address1", "Address line 1"),
        ("address2", "Address line 2 (if any)"),
        ("zip", "Postcode"),
        ("city", "City"),
        ("state", "State"),
    ]);
    json!({
        "type": "object",
        "description": "The checkout, with the fields of the platform's help page; any other fields pass through",
        "properties": {
            "id": {"type": ["integer", "string"], "description": "Checkout id, e.g. 1262140"},
            "domain": typed("string", "The shop's domain, e.g. mirfaith.myshoppegram.com"),
            "url": typed("string", "The shop's link"),
            "currency": typed("string", "The shop's currency, e.g. MYR"),
            "total": amount("Total charged, a plain number in the shop's currency"),
            "shipping": amount("Shipping price"),
            "rate": typed("string", "Name of the shipping rate chosen"),
            "completed_at": {
                "type": ["string", "null"], "format": "date-time",
                "description": "When the customer paid (RFC 3339, the shop's offset); null until then",
            },
            "created_at": time("When the customer started paying (RFC 3339, the shop's offset)"),
            "items": {"type": "array", "items": item, "description": "Items of the checkout"},
            "customer": {"type": "object", "properties": person(&[]), "description": "The customer"},
            "shipping_address": {
                "type": "object", "properties": address,
                "description": "Shipping details entered at checkout",
            },
        },
    })
}

/// The event envelope, with `checkout` as given: exactly what ingest checks.
fn envelope(checkout: Value) -> Value {
    let mut types: Vec<&str> = TYPES.to_vec();
    types.extend(INPUT_TYPES);
    json!({
        "type": "object",
        "description": format!(
            "A Kait event. Ingest checks the envelope: the fields below and no others, \
             `data.checkout` an object, at most {MAX_DEPTH} levels deep. \
             `checkout.started` is accepted by ingest only (it starts the abandonment \
             timer) and is never delivered."
        ),
        "required": ["type", "shop", "occurred_at", "data"],
        "additionalProperties": false,
        "properties": {
            "id": {
                "type": ["string", "null"], "minLength": 1, "maxLength": MAX_ID_CHARS,
                "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$",
                "description": format!(
                    "The idempotency key: 1-{MAX_ID_CHARS} characters, no control characters. \
                     Absent (or null), it is derived from the event's text. Deliveries always carry it."
                ),
            },
            "type": {"type": "string", "enum": types, "description": "The event type"},
            "shop": {
                "type": "string", "pattern": SHOP_ID_PATTERN,
                "description": "The shop's id; ingest refuses an event for another shop than the URL's",
            },
            "occurred_at": {
                "type": "string", "format": "date-time",
                "description": "When it happened (RFC 3339, the shop's offset)",
            },
            "data": {
                "type": "object", "required": ["checkout"],
                "properties": {"checkout": checkout},
                "description": "The event's data; other fields pass through",
            },
        },
    })
}

/// The event format as ingest checks it: `checkout` only an object. The
/// OpenAPI document uses this for the ingest body.
pub fn ingest_schema() -> Value {
    envelope(json!({
        "type": "object",
        "description": "The checkout (fields: GET /v1/event-types/schema); passed through as given",
    }))
}

/// The event format as ingest checks it, in the OpenAPI document.
pub struct Event;

impl utoipa::PartialSchema for Event {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        serde_json::from_value(ingest_schema()).expect("the event schema is an OpenAPI schema")
    }
}

impl ToSchema for Event {}

/// The event format as a standalone JSON Schema (draft 2020-12), with the seed's
/// checkout fields.
pub fn event_schema() -> Value {
    let mut schema = envelope(checkout());
    let fields = schema.as_object_mut().expect("an object");
    fields.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    fields.insert("title".into(), "Kait event".into());
    schema
}

/// The ten event types, with the seed's titles and descriptions in English and
/// Malay, and the event format as a JSON Schema. Public.
#[utoipa::path(get, path = "/v1/event-types", operation_id = "list_event_types", tag = "events", security(()),
    responses((status = 200, body = EventTypes)))]
pub async fn list() -> Json<EventTypes> {
    Json(EventTypes {
        data: catalogue(),
        schema: event_schema(),
    })
}

/// The event format as a JSON Schema (draft 2020-12), alone. Public.
#[utoipa::path(get, path = "/v1/event-types/schema", operation_id = "get_event_schema", tag = "events", security(()),
    responses((status = 200, description = "The JSON Schema", content_type = "application/schema+json",
        body = Object)))]
pub async fn schema() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/schema+json")],
        event_schema().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator(schema: &Value) -> jsonschema::Validator {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(schema)
            .expect("a valid draft 2020-12 schema")
    }

    #[test]
    fn every_sample_is_valid_and_a_broken_one_is_not() {
        let strict = validator(&event_schema());
        let ingest = validator(&ingest_schema());
        let mut seen = 0;
        for entry in
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/events")).unwrap()
        {
            let path = entry.unwrap().path();
            let sample: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for v in [&strict, &ingest] {
                let errors: Vec<String> = v.iter_errors(&sample).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            }
            seen += 1;
        }
        assert_eq!(seen, TYPES.len());

        let good: Value =
            serde_json::from_str(crate::events::sample("order.paid").unwrap()).unwrap();
        let broken = |change: &dyn Fn(&mut Value)| {
            let mut event = good.clone();
            change(&mut event);
            event
        };
        for (why, event) in [
            (
                "unknown type",
                broken(&|e| e["type"] = "order.eaten".into()),
            ),
            ("no checkout", broken(&|e| e["data"] = json!({}))),
            ("time", broken(&|e| e["occurred_at"] = "yesterday".into())),
            ("extra field", broken(&|e| e["colour"] = "red".into())),
            ("empty id", broken(&|e| e["id"] = "".into())),
            (
                "long id",
                broken(&|e| e["id"] = "x".repeat(MAX_ID_CHARS + 1).into()),
            ),
            ("control in id", broken(&|e| e["id"] = "a\nb".into())),
            ("shop", broken(&|e| e["shop"] = "Not A Shop".into())),
        ] {
            assert!(!strict.is_valid(&event), "{why}");
            assert!(!ingest.is_valid(&event), "{why}");
            let text = event.to_string();
            assert!(
                crate::events::parse(&text).is_err() || why == "shop",
                "{why}"
            );
        }
        let mistyped = broken(&|e| e["data"]["checkout"]["total"] = "a lot".into());
        assert!(!strict.is_valid(&mistyped), "the seed's fields are typed");
        assert!(
            ingest.is_valid(&mistyped),
            "ingest passes the checkout through"
        );
    }

    #[test]
    fn the_document_carries_the_ingest_schema_whole() {
        use utoipa::PartialSchema;
        assert_eq!(
            serde_json::to_value(Event::schema()).unwrap(),
            ingest_schema()
        );
    }

    #[test]
    fn every_type_has_both_languages() {
        let types = catalogue();
        assert_eq!(types.len(), 10);
        let processing = types.iter().find(|t| t.kind == "order.processing").unwrap();
        assert_eq!(processing.title.en, "Order Status Processing");
        assert!(
            types
                .iter()
                .all(|t| !t.title.ms.is_empty() && !t.description.ms.is_empty())
        );
    }
}
