//! The event format, the same everywhere (CLI, `examples/events/`, the API):
//!
//! ```json
//! {"id": "...", "type": "order.paid", "shop": "mirfaith",
//!  "occurred_at": "2021-03-03T22:58:32+08:00", "data": {"checkout": {...}}}
//! ```
//!
//! `data.checkout` carries the seed's checkout fields; unknown extra fields are kept
//! and passed through to plugins untouched.

use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::runtime::Event;

/// The ten event types, in the order of the platform's help page.
pub const TYPES: [&str; 10] = [
    "order.paid",
    "order.shipped",
    "checkout.abandoned",
    "checkout.completed",
    "checkout.updated",
    "order.processing",
    "order.completed",
    "order.updated",
    "order.ready_for_pickup",
    "order.packed",
];

/// Event types the platform posts that no webhook receives: `checkout.started`
/// starts Kait's abandonment timer for the checkout (see `abandonment`).
pub const INPUT_TYPES: [&str; 1] = ["checkout.started"];

/// Why an event was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON, or not the event shape.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// `type` is not one of the ten.
    #[error("unknown event type {0:?}; expected one of: {types}, checkout.started", types = TYPES.join(", "))]
    UnknownType(String),
    /// `data.checkout` is missing or not an object.
    #[error("the event has no data.checkout object")]
    MissingCheckout,
    /// The event nests deeper than [`MAX_DEPTH`].
    #[error("the event nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// `occurred_at` is not an RFC 3339 date-time.
    #[error("occurred_at {0:?} is not an RFC 3339 date-time")]
    BadTime(String),
    /// `id` is empty, longer than [`MAX_ID_CHARS`], or holds control characters.
    #[error("the event id must be 1-{MAX_ID_CHARS} characters, none of them control characters")]
    BadId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    shop: String,
    occurred_at: String,
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    checkout: Option<&'a RawValue>,
}

/// The deepest nesting of arrays and objects an event may have.
pub const MAX_DEPTH: usize = 64;

/// How deeply `json` (valid JSON text) nests arrays and objects.
fn depth(json: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for byte in json.bytes() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'[' | b'{' if !in_string => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The longest event id, in characters: ids are the idempotency key, kept in an
/// index.
pub const MAX_ID_CHARS: usize = 255;

/// Parses and checks an event in the JSON format above, and turns it into the WIT
/// record plugins receive. A missing `id` is derived from the event's content, so
/// the same text always gets the same id.
pub fn parse(text: &str) -> Result<Event, EventError> {
    // Serde would also take the fields as an array in order; an event is an object.
    if !text.trim_start().starts_with('{') {
        return Err(EventError::Malformed("an event is a JSON object".into()));
    }
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|e| EventError::Malformed(e.to_string()))?;
    // `data` is kept as raw text, which serde_json does not limit in depth.
    if depth(envelope.data.get()) > MAX_DEPTH - 1 {
        return Err(EventError::TooDeep);
    }
    if !envelope.data.get().starts_with('{') {
        return Err(EventError::Malformed("data must be a JSON object".into()));
    }
    let kind = envelope.kind.as_str();
    if !TYPES.contains(&kind) && !INPUT_TYPES.contains(&kind) {
        return Err(EventError::UnknownType(envelope.kind));
    }
    if chrono::DateTime::parse_from_rfc3339(&envelope.occurred_at).is_err() {
        return Err(EventError::BadTime(envelope.occurred_at));
    }
    let data: Data =
        serde_json::from_str(envelope.data.get()).map_err(|_| EventError::MissingCheckout)?;
    if !data.checkout.is_some_and(|c| c.get().starts_with('{')) {
        return Err(EventError::MissingCheckout);
    }
    if let Some(id) = &envelope.id
        && (id.is_empty() || id.chars().count() > MAX_ID_CHARS || id.contains(char::is_control))
    {
        return Err(EventError::BadId);
    }
    let id = envelope
        .id
        .unwrap_or_else(|| format!("evt_{}", &hex::encode(Sha256::digest(text))[..24]));
    Ok(Event {
        id,
        kind: envelope.kind,
        shop: envelope.shop,
        occurred_at: envelope.occurred_at,
        payload: envelope.data.get().to_string(),
    })
}

/// The sample a test or a dry run uses when none is named.
pub const DEFAULT_SAMPLE: &str = "order.paid";

/// The top-level fields in the order the event format lists them.
const FIELD_ORDER: [&str; 5] = ["id", "type", "shop", "occurred_at", "data"];

/// An event's text (as received, so valid) with `id` written in: a derived id is
/// not in the text. The other fields are kept byte for byte, so the result parses
/// to exactly the event the text did.
pub fn with_id(text: &str, id: &str) -> Result<String, EventError> {
    let malformed = |e: serde_json::Error| EventError::Malformed(e.to_string());
    let mut fields: std::collections::BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(text).map_err(malformed)?;
    fields.insert(
        "id".into(),
        serde_json::value::to_raw_value(id).map_err(malformed)?,
    );
    let mut ordered: Vec<(String, Box<RawValue>)> = Vec::with_capacity(fields.len());
    for name in FIELD_ORDER {
        if let Some(value) = fields.remove(name) {
            ordered.push((name.to_string(), value));
        }
    }
    ordered.extend(fields);
    let parts: Vec<String> = ordered
        .iter()
        .map(|(name, value)| format!("{}:{}", serde_json::Value::from(name.as_str()), value.get()))
        .collect();
    Ok(format!("{{{}}}", parts.join(",")))
}

/// The sample event of `kind` from `examples/events/`, as JSON text.
pub fn sample(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "order.paid" => include_str!("../../examples/events/order.paid.json"),
        "order.shipped" => include_str!("../../examples/events/order.shipped.json"),
        "checkout.abandoned" => include_str!("../../examples/events/checkout.abandoned.json"),
        "checkout.completed" => include_str!("../../examples/events/checkout.completed.json"),
        "checkout.updated" => include_str!("../../examples/events/checkout.updated.json"),
        "order.processing" => include_str!("../../examples/events/order.processing.json"),
        "order.completed" => include_str!("../../examples/events/order.completed.json"),
        "order.updated" => include_str!("../../examples/events/order.updated.json"),
        "order.ready_for_pickup" => {
            include_str!("../../examples/events/order.ready_for_pickup.json")
        }
        "order.packed" => include_str!("../../examples/events/order.packed.json"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_with_control_characters_or_none_at_all_is_refused() {
        for id in ["", "a\u{0}b", "line\nbreak", &"x".repeat(MAX_ID_CHARS + 1)] {
            let mut event: serde_json::Value =
                serde_json::from_str(sample("order.paid").unwrap()).unwrap();
            event["id"] = id.into();
            assert!(
                matches!(parse(&event.to_string()), Err(EventError::BadId)),
                "{id:?}"
            );
        }
    }

    #[test]
    fn with_id_writes_a_derived_id_in_and_keeps_the_rest() {
        let text = r#"{"type":"order.paid","shop":"s","occurred_at":"2021-03-03T22:58:32+08:00","data":{"checkout":{"z":1.10,"a":[1e2]}}}"#;
        let parsed = parse(text).unwrap();
        let written = with_id(text, &parsed.id).unwrap();
        assert!(
            written.starts_with(&format!(r#"{{"id":"{}","type""#, parsed.id)),
            "{written}"
        );
        let again = parse(&written).unwrap();
        let fields = |e: &Event| {
            let e = e.clone();
            (e.id, e.kind, e.shop, e.occurred_at, e.payload)
        };
        assert_eq!(fields(&again), fields(&parsed));
        assert!(again.payload.contains("1.10"), "data is kept byte for byte");
        let named = with_id(&written, "evt_other").unwrap();
        assert_eq!(parse(&named).unwrap().id, "evt_other");
        assert!(with_id("[1]", "x").is_err());
    }

    #[test]
    fn every_sample_parses_as_its_own_type() {
        for kind in TYPES {
            let event = parse(sample(kind).unwrap()).unwrap();
            assert_eq!(event.kind, kind);
            assert!(event.payload.contains("\"checkout\""));
        }
    }

    #[test]
    fn refusals_say_why() {
        let ok = r#"{"type":"order.paid","shop":"s","occurred_at":"2021-03-03T22:58:32+08:00","data":{"checkout":{}}}"#;
        assert!(parse(ok).unwrap().id.starts_with("evt_"));
        assert_eq!(parse(ok).unwrap().id, parse(ok).unwrap().id);
        let bad_type = ok.replace("order.paid", "order.eaten");
        assert!(matches!(parse(&bad_type), Err(EventError::UnknownType(_))));
        let no_checkout = ok.replace(r#"{"checkout":{}}"#, "{}");
        assert_eq!(
            parse(&no_checkout).unwrap_err(),
            EventError::MissingCheckout
        );
        let bad_time = ok.replace("2021-03-03T22:58:32+08:00", "yesterday");
        assert!(matches!(parse(&bad_time), Err(EventError::BadTime(_))));
        assert!(matches!(parse("{"), Err(EventError::Malformed(_))));
        let as_array = r#"["e","order.paid","s","2021-03-03T22:58:32+08:00",{"checkout":{}}]"#;
        assert!(matches!(parse(as_array), Err(EventError::Malformed(_))));
        let data_array = ok.replace(r#"{"checkout":{}}"#, r#"[{"checkout":{}}]"#);
        assert!(matches!(parse(&data_array), Err(EventError::Malformed(_))));
        let deep = ok.replace(
            r#"{"checkout":{}}"#,
            &format!(
                r#"{{"checkout":{{"x":{}{}}}}}"#,
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        );
        assert_eq!(parse(&deep).unwrap_err(), EventError::TooDeep);
        let quoted = ok.replace(
            r#"{"checkout":{}}"#,
            &format!(r#"{{"checkout":{{"x":"{}\""}}}}"#, "[".repeat(10_000)),
        );
        assert!(
            parse(&quoted).is_ok(),
            "brackets inside strings do not nest"
        );
    }
}
