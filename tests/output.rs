//! What a failing plugin printed reaches the delivery log: a JavaScript or Python
//! component prints its exception and traps (`unreachable`), and without its
//! output the merchant would see only `wasm trap`. The hostile test guest's
//! `throw` mode does exactly that.

use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait, event, guests};

#[tokio::test]
async fn an_exception_the_plugin_printed_shows_in_the_attempt() {
    let plugins = format!(r#"{{ "hostile" = "{}" }}"#, guests::KAIT_TEST_HOSTILE);
    let kait = Kait::start(&[("KAIT_PLUGINS", &plugins)]);
    let key = kait.shop("mirfaith", "premium").await;
    kait.webhook(
        "mirfaith",
        &key,
        json!({"name": "throws", "plugin": "hostile", "events": ["order.paid"],
               "config": {"mode": "throw"}}),
    )
    .await;
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-throw"),
        )
        .await;
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = kait
        .delivery_until("mirfaith", &key, id, |d: &Value| d["attempts"] == 1)
        .await;
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(attempt["error_kind"], "plugin_trap", "{attempt:#}");
    let error = attempt["error"].as_str().unwrap();
    assert!(
        error.contains("the plugin printed: Error: the order has no items"),
        "{error}"
    );
    assert!(error.contains("app.js:12:9"), "{error}");
}
