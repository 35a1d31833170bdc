//! Fixtures for plugin tests (feature `testing`, native target).
//!
//! [`example`] is one of the repository's sample events
//! (`examples/events/<type>.json`, built into the kit as [`crate::samples`]), or
//! the help page's example checkout for a type without a sample.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::{Action, Event, OutgoingRequest, PluginError, PluginInfo};

/// An event of type `kind` whose `data` is `data`.
pub fn event(kind: &str, data: Value) -> Event {
    Event {
        id: "evt_test".to_owned(),
        kind: kind.to_owned(),
        shop: "mirfaith".to_owned(),
        occurred_at: "2021-03-03T22:58:32+08:00".to_owned(),
        payload: data.to_string(),
    }
}

/// The sample event of type `kind` (e.g. `order.paid`).
pub fn example(kind: &str) -> Event {
    crate::samples::get(kind)
        .unwrap_or_else(|| event(kind, json!({ "checkout": help_page_checkout() })))
}

/// The directory of the repository's sample events.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/events")
}

/// The example values of the help page's table, as one checkout.
pub fn help_page_checkout() -> Value {
    json!({
        "id": 1262140,
        "domain": "mirfaith.myshoppegram.com",
        "url": "https://mirfaith.myshoppegram.com",
        "currency": "MYR",
        "total": 10,
        "shipping": 0,
        "rate": "FREE SHIPPING COD",
        "completed_at": "2021-03-03T22:58:32+08:00",
        "created_at": "2021-03-03T22:58:17+08:00",
        "items": [{
            "product": {"name": "Test", "sku": "123456"},
            "name": "2 Unit/ Hitam",
            "currency": "MYR",
            "price": 10,
            "quantity": 1,
            "subtotal": 10
        }],
        "customer": {
            "first_name": "Abu", "last_name": "Ali",
            "phone": "60123456789", "email": "abuali@gmail.com"
        },
        "shipping_address": {
            "first_name": "Nur", "last_name": "Aishah", "phone": "601122334455",
            "email": "nuraishah@gmail.com", "address1": "Persiaran Permata Perdana",
            "address2": "-", "zip": "63000", "city": "Cyberjaya", "state": "Selangor"
        }
    })
}

/// Checks that `schema` is a valid JSON Schema (draft 2020-12), then returns
/// whether `config` satisfies it, with the schema's complaints.
pub fn schema_verdict(schema: &str, config: &Value) -> Result<(), Vec<String>> {
    let schema: Value = serde_json::from_str(schema).expect("the schema is JSON");
    jsonschema::draft202012::meta::validate(&schema)
        .unwrap_or_else(|err| panic!("not a valid draft 2020-12 schema: {err}"));
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(config)
        .map(|e| e.to_string())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// For each `(config, valid)`: the JSON Schema and the plugin's own
/// `validate-config` both accept the configuration, or both refuse it.
pub fn assert_schema_and_plugin_agree<E>(
    schema: &str,
    validate: impl Fn(&str) -> Result<(), E>,
    cases: impl IntoIterator<Item = (String, bool)>,
) {
    for (config, valid) in cases {
        let by_schema = schema_verdict(schema, &serde_json::from_str(&config).unwrap());
        assert_eq!(
            by_schema.is_ok(),
            valid,
            "schema on {config}: {by_schema:?}"
        );
        assert_eq!(validate(&config).is_ok(), valid, "plugin on {config}");
    }
}

/// `base` with the members of `extra` added or replaced, as configuration text.
pub fn with_members(mut base: Value, extra: Value) -> String {
    let extra = extra
        .as_object()
        .expect("extra members must be an object")
        .clone();
    base.as_object_mut()
        .expect("base must be an object")
        .extend(extra);
    base.to_string()
}

/// The single request of a transform's result; panics on anything else.
pub fn only_request(result: Result<Action, PluginError>) -> OutgoingRequest {
    match result {
        Ok(Action::Send(mut requests)) if requests.len() == 1 => requests.remove(0),
        other => panic!("expected one request, got {other:?}"),
    }
}

/// The message of an `InvalidConfig` refusal; panics on anything else.
pub fn config_error(result: Result<(), PluginError>) -> String {
    match result {
        Err(PluginError::InvalidConfig(message)) => message,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

/// The plugin's three functions, as the example-config check calls them.
pub type Functions = (
    fn() -> PluginInfo,
    fn(&str) -> Result<(), PluginError>,
    fn(&Event, &str) -> Result<Action, PluginError>,
);

/// Checks `examples/configs/<name>`: it exists, `validate_config` and the schema
/// both accept it, and it turns the `order.paid` sample into requests.
pub fn check_example_config(name: &str, (info, validate, transform): Functions) {
    let path = examples_dir().join("../configs").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    validate(&text).unwrap_or_else(|err| panic!("{name}: {err:?}"));
    let config: Value = serde_json::from_str(&text).unwrap();
    schema_verdict(&info().config_schema, &config).unwrap_or_else(|err| panic!("{name}: {err:?}"));
    assert!(
        matches!(
            transform(&example("order.paid"), &text),
            Ok(Action::Send(_))
        ),
        "{name} sends nothing for order.paid"
    );
}
