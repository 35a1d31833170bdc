//! Reading an event's payload: the `data` object, its `checkout`, and the typed
//! model, with [`PluginError::InvalidEvent`] saying what is missing or malformed.

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::document::{Document, Tree};

use crate::model::{Envelope, EventData};
use crate::{Event, PluginError};

/// The parsed `data` of an event (a JSON object), shared so templates read it
/// without copying. The `serde_json` view ([`Payload::data`]) is built only when
/// asked for.
#[derive(Debug, Clone)]
pub struct Payload {
    /// Its root is always an object.
    doc: Arc<Document>,
    json: Arc<OnceLock<Map<String, Value>>>,
}

impl Payload {
    /// Parses `event.payload`, which must be a JSON object.
    pub fn parse(event: &Event) -> Result<Payload, PluginError> {
        let doc = Document::parse(&event.payload)
            .map_err(|err| invalid(format!("payload is not valid JSON: {err}")))?;
        match doc.root() {
            Tree::Object(_) => Ok(Payload {
                doc: Arc::new(doc),
                json: Arc::default(),
            }),
            other => Err(invalid(format!(
                "payload must be a JSON object, got {}",
                other.kind()
            ))),
        }
    }

    /// The whole `data` object.
    pub fn data(&self) -> &Map<String, Value> {
        self.json.get_or_init(|| {
            serde_json::from_str(self.doc.text()).expect("the text parsed once already")
        })
    }

    /// Checks that `data.checkout` is present and an object.
    pub fn require_checkout(&self) -> Result<(), PluginError> {
        match self.doc.root().get("checkout") {
            Some(Tree::Object(_)) => Ok(()),
            Some(other) => Err(invalid(format!(
                "payload.checkout must be an object, got {}",
                other.kind()
            ))),
            None => Err(invalid("payload has no `checkout` object".to_owned())),
        }
    }

    /// `data.checkout`, which must be present and an object.
    pub fn checkout(&self) -> Result<&Map<String, Value>, PluginError> {
        self.require_checkout()?;
        match self.data().get("checkout") {
            Some(Value::Object(checkout)) => Ok(checkout),
            _ => unreachable!("checked above"),
        }
    }

    /// How many entries `data.checkout.items` has (0 when it is missing or not a list).
    pub fn item_count(&self) -> usize {
        match self.doc.root().get("checkout").and_then(|c| c.get("items")) {
            Some(Tree::Array(items)) => items.len(),
            _ => 0,
        }
    }

    /// The payload as the typed model, naming the first field of the wrong type.
    pub fn typed(&self) -> Result<EventData, PluginError> {
        self.require_checkout()?;
        let mut de = serde_json::Deserializer::from_str(self.doc.text());
        serde_path_to_error::deserialize(&mut de)
            .map_err(|err| invalid(format!("payload.{}: {}", err.path(), err.inner())))
    }

    /// Consumes the payload, returning the `data` object.
    pub fn into_data(self) -> Map<String, Value> {
        self.data().clone()
    }

    /// The parsed document, shared.
    pub(crate) fn shared(&self) -> &Arc<Document> {
        &self.doc
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
