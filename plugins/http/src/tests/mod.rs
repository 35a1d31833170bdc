//! The request a merchant's callback URL receives.

use kait_pdk::OutgoingRequest;
use kait_pdk::testing::{self, event, example, only_request, with_members};
use serde_json::{Value, json};

use super::*;

mod templated;

fn config(extra: Value) -> String {
    with_members(json!({"url": "https://hooks.example.com/kait"}), extra)
}

fn send(event: &Event, config: &str) -> OutgoingRequest {
    only_request(transform(event, config))
}

fn config_error(config: &str) -> String {
    testing::config_error(validate_config(config))
}

#[test]
fn default_body_is_the_event_with_data_verbatim() {
    let payload = r#"{"checkout":{"id":"ck_1","total":10.50,"zz_unknown":{"nested":[1,2.0]},"aa":null},"order":{"tracking":"X"}}"#;
    let event = Event {
        payload: payload.to_owned(),
        ..event("order.shipped", json!({}))
    };
    let request = send(
        &event,
        // Raw text: the members' written order must survive into the request.
        r#"{"url": "https://hooks.example.com/kait", "headers": {"X-Shop-Token": "demo", "Authorization": "Bearer abc"}}"#,
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://hooks.example.com/kait");
    assert_eq!(
        request.headers,
        vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("X-Shop-Token".to_owned(), "demo".to_owned()),
            ("Authorization".to_owned(), "Bearer abc".to_owned()),
        ]
    );
    assert!(request.auth.is_none());
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        format!(
            r#"{{"id":"evt_test","type":"order.shipped","shop":"mirfaith","occurred_at":"2021-03-03T22:58:32+08:00","data":{payload}}}"#
        )
    );
}

#[test]
fn default_body_of_a_sample_event_round_trips() {
    let event = example("order.paid");
    let body: Value = serde_json::from_slice(&send(&event, &config(json!({}))).body).unwrap();
    assert_eq!(body["id"], event.id);
    assert_eq!(body["type"], "order.paid");
    assert_eq!(
        body["data"],
        serde_json::from_str::<Value>(&event.payload).unwrap()
    );
}

#[test]
fn body_template_renders_json_safely() {
    let event = event(
        "order.paid",
        json!({"checkout": {"id": 1262140, "total": 10.5, "customer": {"first_name": "Abu \"The\" Ali\n\\"}}}),
    );
    let config = config(json!({
        "method": "PUT",
        "body_template": "{\"order\": {{ checkout.id }}, \"customer\": \"{{ checkout.customer.first_name }}\", \"total\": {{ checkout.total }}}",
    }));
    let request = send(&event, &config);
    assert_eq!(request.method, "PUT");
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({"order": 1262140, "customer": "Abu \"The\" Ali\n\\", "total": 10.5})
    );
}

#[test]
fn body_template_with_another_content_type_is_not_escaped() {
    let config = config(json!({
        "content_type": "text/plain; charset=utf-8",
        "body_template": "New order {{ checkout.id }} from {{ checkout.customer.first_name }} \"&\"",
    }));
    let request = send(&example("order.paid"), &config);
    assert_eq!(
        request.headers[0],
        (
            "content-type".to_owned(),
            "text/plain; charset=utf-8".to_owned()
        )
    );
    let body = String::from_utf8(request.body).unwrap();
    assert!(
        body.starts_with("New order ") && body.ends_with(" \"&\""),
        "{body}"
    );
}

#[test]
fn a_body_that_is_not_json_is_refused() {
    let config = config(json!({"body_template": "{\"total\": {{ checkout.nothing }}}"}));
    let err = transform(&example("order.paid"), &config).unwrap_err();
    assert!(
        err.message()
            .starts_with("body_template: the rendered body is not JSON"),
        "{err:?}"
    );
    assert!(
        err.message()
            .ends_with("use |tojson for objects and lists, and quotes around text placeholders")
    );
}

#[test]
fn config_errors_name_the_field() {
    let url = |url: &str| config_error(&json!({"url": url}).to_string());
    assert!(url("hooks.example.com/x").starts_with("config.url: not a valid URL"));
    assert_eq!(
        url("ftp://example.com/x"),
        "config.url: must start with https:// or http://"
    );
    assert!(
        url("https://user:pw@example.com/")
            .starts_with("config.url: must not contain a user name or password")
    );
    assert_eq!(
        config_error(&config(json!({"method": "TRACE"}))),
        "config.method: \"TRACE\" is not one of POST, PUT, PATCH, GET, DELETE"
    );
    let header =
        |name: &str, value: Value| config_error(&config(json!({"headers": {name: value}})));
    assert_eq!(
        header("X-Evil", json!("a\r\nHost: x")),
        "config.headers.X-Evil: must not contain line breaks or control characters"
    );
    assert!(
        header("X Evil", json!("a")).starts_with("config.headers.X Evil: not a valid header name")
    );
    assert!(header("Bad\nName", json!("a")).contains("not a valid header name"));
    for reserved in [
        "Host",
        "content-length",
        "Connection",
        "Transfer-Encoding",
        "Upgrade",
        "TE",
        "Keep-Alive",
    ] {
        assert!(
            header(reserved, json!("x")).ends_with("cannot be configured"),
            "{reserved}"
        );
    }
    assert_eq!(
        header("Content-Type", json!("x")),
        "config.headers.Content-Type: set content_type instead"
    );
    assert_eq!(
        header("X-Number", json!(5)),
        "config.headers.X-Number: must be a string"
    );
    assert_eq!(
        config_error(&config(json!({"content_type": "text/plain"}))),
        "config.content_type: the default body is the event as JSON; set body_template to send another format"
    );
    assert!(
        config_error(&config(json!({"content_type": "json"})))
            .starts_with("config.content_type: \"json\" is not a media type")
    );
    assert!(
        config_error(&config(json!({"body_template": "{{ x"})))
            .starts_with("body_template: syntax error at line 1")
    );
    assert_eq!(config_error("{}"), "config: missing field `url`");
    assert!(config_error(&config(json!({"timeout": 5}))).contains("unknown field `timeout`"));
}

#[test]
fn info_describes_the_config_schema() {
    let info = info();
    assert_eq!(info.name, "http");
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["required"], json!(["url"]));
    for (name, property) in schema["properties"].as_object().unwrap() {
        assert!(property["description"].is_string(), "{name}");
    }
}

#[test]
fn example_configs_are_valid() {
    for name in ["http.json", "http-template.json"] {
        testing::check_example_config(name, (info, validate_config, transform));
    }
}

#[test]
fn schema_and_validation_agree() {
    let schema = info().config_schema;
    let cases = [
        (json!({}), true),
        (
            json!({"method": "PATCH", "headers": {"X-Api-Key": "k"}}),
            true,
        ),
        (
            json!({"content_type": "text/plain", "body_template": "{{ checkout.id }}"}),
            true,
        ),
        (json!({"url": "ftp://example.com/"}), false),
        (json!({"method": "GET"}), true),
        (json!({"method": "DELETE"}), true),
        (json!({"method": "TRACE"}), false),
        (json!({"method": "GET", "body_template": "x"}), false),
        (json!({"method": "GET", "form": {"a": "b"}}), false),
        (
            json!({"method": "GET", "content_type": "text/plain"}),
            false,
        ),
        (
            json!({"method": "DELETE", "content_type": "text/plain"}),
            false,
        ),
        (
            json!({"method": "DELETE", "content_type": "text/plain", "body_template": "x"}),
            true,
        ),
        (json!({"form": {"order": "{{ checkout.id }}"}}), true),
        (json!({"form": {}}), false),
        (json!({"form": {"a": 1}}), false),
        (json!({"form": {"a": "b"}, "body_template": "{}"}), false),
        (
            json!({"url": "https://hooks.example.com/o/{{ checkout.id }}?n=a b"}),
            true,
        ),
        (json!({"url": "https://{{ checkout.domain }}/x"}), false),
        (json!({"url": "https://hooks.example.com:{{ x }}/x"}), false),
        (json!({"headers": {"X-Number": 5}}), false),
        (json!({"headers": {"X-Evil": "a\r\nb"}}), false),
        (json!({"headers": {"X Evil": "a"}}), false),
        (json!({"timeout": 5}), false),
    ];
    kait_pdk::testing::assert_schema_and_plugin_agree(
        &schema,
        validate_config,
        cases
            .into_iter()
            .map(|(extra, valid)| (config(extra), valid)),
    );
    assert!(kait_pdk::testing::schema_verdict(&schema, &json!({})).is_err());
}
