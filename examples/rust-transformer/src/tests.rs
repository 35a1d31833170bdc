//! Native unit tests: `cargo test` in this folder (no WebAssembly needed).

use super::*;

const URL: &str = r#"{"url":"https://discord.example/api/webhooks/1/x"}"#;

fn event(payload: &str) -> Event {
    Event {
        id: "evt_1".into(),
        kind: "order.paid".into(),
        shop: "demo".into(),
        occurred_at: "2024-03-08T21:14:05+08:00".into(),
        payload: payload.into(),
    }
}

/// The body's JSON, from the single request the plugin sends.
fn body(action: Action) -> Value {
    let Action::Send(requests) = action else {
        panic!("expected send")
    };
    serde_json::from_slice(&requests[0].body).unwrap()
}

#[test]
fn lists_items_and_total() {
    let payload = r#"{"checkout":{"id":7,"currency":"MYR","total":89,"items":[
        {"product":{"name":"Jubah"},"name":"M","quantity":2,"subtotal":59.8},
        {"product":{},"name":"","price":10}]}}"#;
    let body = body(transform(&event(payload), URL).unwrap());
    assert_eq!(body["username"], "Kait");
    assert_eq!(
        body["content"],
        "**order.paid** · order 7\n• 2 × Jubah (M): MYR 59.80\n• 1 × item: MYR 10.00\nTotal: MYR 89.00"
    );
    let logged = kait_pdk::log::take_native();
    assert_eq!(logged[0].1, "formatted 2 items for order.paid");
}

#[test]
fn no_items_and_no_checkout() {
    let payload = r#"{"checkout":{"id":"A-1","currency":"MYR","total":0}}"#;
    let body = body(transform(&event(payload), URL).unwrap());
    assert_eq!(
        body["content"],
        "**order.paid** · order A-1\nTotal: MYR 0.00"
    );
    let err = transform(&event(r#"{"order":{}}"#), URL).unwrap_err();
    assert_eq!(
        err,
        PluginError::InvalidEvent("payload has no checkout".into())
    );
}

#[test]
fn config_errors_name_the_field() {
    let message = |config: &str| validate_config(config).unwrap_err().message().to_owned();
    assert_eq!(message("[1]"), "config must be a JSON object");
    assert_eq!(message("{}"), "url: required, a string");
    assert_eq!(
        message(r#"{"url":"ftp://x"}"#),
        "url: must start with https:// or http://"
    );
    assert_eq!(
        message(r#"{"url":"http://x","username":5}"#),
        "username: must be a string"
    );
    assert_eq!(
        message(r#"{"url":"http://x","color":1}"#),
        "color: unknown field; expected url, username"
    );
    assert!(validate_config(r#"{"url":"http://x","username":"Shop"}"#).is_ok());
}
