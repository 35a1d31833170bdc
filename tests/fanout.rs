//! A plugin action with several requests (a fan-out): a retry sends only the
//! requests that have not yet had a 2xx, in order, and each request carries the
//! delivery's id plus its 1-based position as `webhook-id`, signed over that id.

use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait, Receiver, Reply, event, guests};

#[tokio::test]
async fn a_retry_resends_only_the_request_that_failed() {
    let plugins = format!(r#"{{ "hostile" = "{}" }}"#, guests::KAIT_TEST_HOSTILE);
    let kait = Kait::start(&[("KAIT_PLUGINS", &plugins)]);
    let mut first = Receiver::start().await;
    let mut second = Receiver::start().await;
    let mut third = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let requests: Vec<Value> = [&first, &second, &third]
        .iter()
        .map(|r| json!({"url": format!("{}/hook", r.url), "body": "{\"n\":1}"}))
        .collect();
    let hook = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"name": "fan", "plugin": "hostile", "events": ["order.paid"],
                   "config": {"mode": "fan-out", "requests": requests}}),
        )
        .await;
    let secret = hook["signing_secret"].as_str().unwrap();
    second.answer([Reply::status(500).body("not now")]);

    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-fan"),
        )
        .await;
    let id = accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got_first = first.next().await;
    let got_second = [second.next().await, second.next().await];
    let got_third = third.next().await;
    let delivery = kait
        .delivery_until("mirfaith", &key, &id, |d| d["status"] == "succeeded")
        .await;
    let quiet = Duration::from_millis(500);
    assert!(
        first.nothing_within(quiet).await,
        "the first got a duplicate"
    );
    assert!(second.nothing_within(quiet).await);
    assert!(third.nothing_within(quiet).await);

    for (got, n) in [
        (&got_first, 1),
        (&got_second[0], 2),
        (&got_second[1], 2),
        (&got_third, 3),
    ] {
        let message = format!("{id}.{n}");
        assert_eq!(got.header("webhook-id"), message);
        let timestamp: i64 = got.header("webhook-timestamp").parse().unwrap();
        let signature = got.header("webhook-signature");
        kait::signing::verify(
            secret, &message, timestamp, &got.body, signature, timestamp, 0,
        )
        .unwrap_or_else(|e| panic!("request {n}: {e}"));
    }

    let log = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(log.len(), 2, "{delivery:#}");
    let indexes = |n: usize| -> Vec<Value> {
        let requests = log[n]["requests"].as_array().unwrap();
        requests.iter().map(|r| r["index"].clone()).collect()
    };
    assert_eq!(indexes(0), [json!(0), json!(1)], "stops at the failure");
    assert_eq!(log[0]["requests"][1]["response"]["status"], 500);
    assert_eq!(indexes(1), [json!(0), json!(1), json!(2)]);
    assert_eq!(
        log[1]["requests"][0],
        json!({"index": 0, "already_sent": true})
    );
    assert_eq!(log[1]["requests"][1]["response"]["status"], 200);
    assert_eq!(log[1]["requests"][2]["response"]["status"], 200);
}

#[tokio::test]
async fn a_single_request_keeps_the_delivery_id() {
    let plugins = format!(r#"{{ "hostile" = "{}" }}"#, guests::KAIT_TEST_HOSTILE);
    let kait = Kait::start(&[("KAIT_PLUGINS", &plugins)]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let one = json!([{"url": receiver.url}]);
    kait.webhook(
        "mirfaith",
        &key,
        json!({"name": "one", "plugin": "hostile", "config": {"mode": "fan-out", "requests": one}}),
    )
    .await;
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-one"),
        )
        .await;
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    assert_eq!(receiver.next().await.header("webhook-id"), id);
}
