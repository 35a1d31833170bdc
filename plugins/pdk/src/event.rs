//! Reading an event's payload: the `data` object, its `checkout`, and the typed
//! model, with [`PluginError::InvalidEvent`] saying what is missing or malformed.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::model::{Envelope, EventData};
use crate::{Event, PluginError};

/// The parsed `data` of an event (a JSON object, key order kept), shared so
/// templates can read it without copying.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// Always a `Value::Object`.
    data: Arc<Value>,
}

impl Payload {
    /// Parses `event.payload`, which must be a JSON object.
    pub fn parse(event: &Event) -> Result<Payload, PluginError> {
        match serde_json::from_str::<Value>(&event.payload) {
            Ok(data @ Value::Object(_)) => Ok(Payload {
                data: Arc::new(data),
            }),
            Ok(other) => Err(invalid(format!(
                "payload must be a JSON object, got {}",
                kind_of(&other)
            ))),
            Err(err) => Err(invalid(format!("payload is not valid JSON: {err}"))),
        }
    }

    /// The whole `data` object.
    pub fn data(&self) -> &Map<String, Value> {
        match &*self.data {
            Value::Object(map) => map,
            _ => unreachable!("a payload is always an object"),
        }
    }

    /// The whole document, shared.
    pub(crate) fn shared(&self) -> &Arc<Value> {
        &self.data
    }

    /// `data.checkout`, which must be present and an object.
    pub fn checkout(&self) -> Result<&Map<String, Value>, PluginError> {
        match self.data().get("checkout") {
            Some(Value::Object(checkout)) => Ok(checkout),
            Some(other) => Err(invalid(format!(
                "payload.checkout must be an object, got {}",
                kind_of(other)
            ))),
            None => Err(invalid("payload has no `checkout` object".to_owned())),
        }
    }

    /// The payload as the typed model, naming the first field of the wrong type.
    pub fn typed(&self) -> Result<EventData, PluginError> {
        self.checkout()?;
        serde_path_to_error::deserialize(&*self.data)
            .map_err(|err| invalid(format!("payload.{}: {}", err.path(), err.inner())))
    }

    /// Consumes the payload, returning the `data` object.
    pub fn into_data(self) -> Map<String, Value> {
        match Arc::unwrap_or_clone(self.data) {
            Value::Object(map) => map,
            _ => unreachable!("a payload is always an object"),
        }
    }
}

/// The event in the event format (`{"id", "type", "shop", "occurred_at", "data"}`)
/// as JSON text, with `data` copied verbatim from the payload.
pub fn to_json(event: &Event) -> Result<String, PluginError> {
    let envelope = Envelope::from_event(event)
        .map_err(|err| invalid(format!("payload is not valid JSON: {err}")))?;
    serde_json::to_string(&envelope).map_err(|err| PluginError::Failed(err.to_string()))
}

fn invalid(message: String) -> PluginError {
    PluginError::InvalidEvent(message)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Id;

    fn event(payload: &str) -> Event {
        Event {
            id: "evt_1".into(),
            kind: "order.paid".into(),
            shop: "mirfaith".into(),
            occurred_at: "2021-03-03T22:58:32+08:00".into(),
            payload: payload.into(),
        }
    }

    fn reason(result: Result<impl std::fmt::Debug, PluginError>) -> String {
        match result {
            Err(PluginError::InvalidEvent(m)) => m,
            other => panic!("expected InvalidEvent, got {other:?}"),
        }
    }

    #[test]
    fn missing_or_wrong_checkout_is_an_invalid_event() {
        let no_checkout = Payload::parse(&event(r#"{"order": {}}"#)).unwrap();
        assert_eq!(
            reason(no_checkout.checkout()),
            "payload has no `checkout` object"
        );
        let wrong = Payload::parse(&event(r#"{"checkout": [1]}"#)).unwrap();
        assert_eq!(
            reason(wrong.checkout()),
            "payload.checkout must be an object, got an array"
        );
        assert!(reason(Payload::parse(&event("{"))).starts_with("payload is not valid JSON"));
        assert_eq!(
            reason(Payload::parse(&event("[]"))),
            "payload must be a JSON object, got an array"
        );
    }

    #[test]
    fn typed_model_keeps_numbers_ids_and_unknown_fields() {
        let payload = Payload::parse(&event(
            r#"{"checkout": {"id": 1262140, "total": 10.50, "note": "x",
                "items": [{"product": {"name": "Test", "sku": "123456"}, "quantity": 2}]},
                "extra": true}"#,
        ))
        .unwrap();
        let data = payload.typed().unwrap();
        assert_eq!(data.checkout.id, Some(Id::Number(1262140.into())));
        assert_eq!(data.checkout.total.as_ref().unwrap().as_f64(), Some(10.5));
        assert_eq!(data.checkout.extra["note"], "x");
        assert_eq!(data.extra["extra"], true);
        let item = &data.checkout.items.as_ref().unwrap()[0];
        assert_eq!(
            item.product.as_ref().unwrap().sku,
            Some(Id::Text("123456".into()))
        );
        assert_eq!(item.quantity, Some(2.into()));
    }

    #[test]
    fn typed_model_names_a_wrong_field() {
        let payload =
            Payload::parse(&event(r#"{"checkout": {"items": [{"price": "ten"}]}}"#)).unwrap();
        let message = reason(payload.typed());
        assert!(
            message.starts_with("payload.checkout.items[0].price: "),
            "{message}"
        );
    }

    #[test]
    fn envelope_copies_data_verbatim() {
        let payload = r#"{"checkout": {"total": 10.50, "zz": 1, "aa": 2}}"#;
        let json = to_json(&event(payload)).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"id":"evt_1","type":"order.paid","shop":"mirfaith","occurred_at":"2021-03-03T22:58:32+08:00","data":{payload}}}"#
            )
        );
        let back = Envelope::parse(&json).unwrap().to_event();
        assert_eq!(back, event(payload));
    }
}
