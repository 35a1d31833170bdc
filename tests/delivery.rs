//! The delivery pipeline against the real binary and real sockets: every event
//! type to an `http` webhook, signed; retries, dead deliveries and replays;
//! `Retry-After` and 410 Gone; pausing; webhook tests; the delivery log.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::server::{ADMIN_KEY, ApiCalls as _, Kait, Receiver, Reply, event};

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |d: &Value| d["status"] == status
}

fn delivery_id(accepted: &Value) -> String {
    accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn all_ten_event_types_reach_an_http_webhook_signed() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .http_webhook("mirfaith", &key, &format!("{}/hook", receiver.url))
        .await;
    let secret = hook["signing_secret"].as_str().unwrap();
    let mut sent = Vec::new();
    for kind in kait::events::TYPES {
        let (status, accepted) = kait
            .event(
                "mirfaith",
                &key,
                &event(kind, "mirfaith", &format!("evt-{kind}")),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
        sent.push((kind, delivery_id(&accepted)));
    }
    let mut got = Vec::new();
    for _ in 0..10 {
        got.push(receiver.next().await);
    }
    for (kind, delivery) in &sent {
        let request = got
            .iter()
            .find(|r| r.header("webhook-id") == delivery)
            .unwrap_or_else(|| panic!("{kind} was not delivered"));
        assert_eq!(request.path, "/hook");
        assert_eq!(request.json()["type"], *kind);
        let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
        let now = chrono::Utc::now().timestamp();
        kait::signing::verify(
            secret,
            delivery,
            timestamp,
            &request.body,
            request.header("webhook-signature"),
            now,
            300,
        )
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
    let (_, first) = kait
        .get(
            &format!("/v1/shops/mirfaith/deliveries/{}", sent[0].1),
            &key,
        )
        .await;
    let delivery = kait
        .delivery_until("mirfaith", &key, &sent[0].1, status_is("succeeded"))
        .await;
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(attempt["outcome"], "succeeded", "{first}");
    let (status, http) = kait
        .get("/v1/shops/mirfaith/plugins/http/versions/latest", &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{http}");
    let version = http["version"].as_str().unwrap();
    assert_eq!(attempt["plugin"], format!("http@{version}"), "{attempt}");
    let exchange = &attempt["requests"][0];
    assert_eq!(exchange["request"]["url"], format!("{}/hook", receiver.url));
    assert_eq!(exchange["response"]["status"], 200);
    assert_eq!(exchange["response"]["body"], "ok");
    assert!(
        exchange["request"]["headers"]
            .to_string()
            .contains("webhook-signature")
    );
}

#[tokio::test]
async fn failures_are_retried_on_schedule_then_dead_and_replayable() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    kait.http_webhook("mirfaith", &key, &receiver.url).await;

    // Fails twice, then recovers: one delivery, three attempts, one webhook-id.
    receiver.answer([Reply::status(500).body("boom"), Reply::status(503)]);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-flaky"),
        )
        .await;
    let id = delivery_id(&accepted);
    let ids: Vec<String> = [
        receiver.next().await,
        receiver.next().await,
        receiver.next().await,
    ]
    .iter()
    .map(|r| r.header("webhook-id").to_string())
    .collect();
    assert_eq!(ids, [id.clone(), id.clone(), id.clone()]);
    let delivery = kait
        .delivery_until("mirfaith", &key, &id, status_is("succeeded"))
        .await;
    let log = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(log.len(), 3, "{delivery:#}");
    assert_eq!(log[0]["error_kind"], "http_status");
    assert_eq!(log[0]["requests"][0]["response"]["body"], "boom");
    assert_eq!(log[1]["requests"][0]["response"]["status"], 503);

    // Always failing: 1 + 3 retries, then dead; a replay delivers it.
    receiver.answer_always(Reply::status(500));
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-doomed"),
        )
        .await;
    let id = delivery_id(&accepted);
    let dead = kait
        .delivery_until("mirfaith", &key, &id, status_is("dead"))
        .await;
    assert_eq!(dead["attempts"], 4, "{dead:#}");
    receiver.answer_always(Reply::status(200));
    let (status, _) = kait
        .post(
            &format!("/v1/shops/mirfaith/deliveries/{id}/retry"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let replayed = kait
        .delivery_until("mirfaith", &key, &id, status_is("succeeded"))
        .await;
    assert_eq!(replayed["attempts"], 5);
}

#[tokio::test]
async fn retry_after_is_honoured_and_410_disables_the_webhook() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait.http_webhook("mirfaith", &key, &receiver.url).await;

    receiver.answer([Reply::status(429).header("retry-after", "2")]);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-later"),
        )
        .await;
    let id = delivery_id(&accepted);
    let first = receiver.next().await;
    let second = receiver.next().await;
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    let delivery = kait
        .delivery_until("mirfaith", &key, &id, status_is("succeeded"))
        .await;
    let at = |n: usize| {
        chrono::DateTime::parse_from_rfc3339(delivery["attempt_log"][n]["at"].as_str().unwrap())
            .unwrap()
    };
    let waited = at(1) - at(0);
    assert!(
        waited >= chrono::Duration::milliseconds(1900),
        "waited only {waited} (schedule says 200ms, Retry-After 2s)"
    );

    receiver.answer([Reply::status(410)]);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-gone"),
        )
        .await;
    let id = delivery_id(&accepted);
    kait.delivery_until("mirfaith", &key, &id, status_is("dead"))
        .await;
    let (_, hook) = kait
        .get(
            &format!(
                "/v1/shops/mirfaith/webhooks/{}",
                hook["id"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(hook["status"], "disabled");
    assert!(
        hook["disabled_reason"].as_str().unwrap().contains("410"),
        "{hook}"
    );
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-after"),
        )
        .await;
    assert_eq!(accepted["deliveries"], json!([]));
}

#[tokio::test]
async fn paused_webhooks_receive_nothing_and_resume_where_they_left_off() {
    let kait = Kait::start(&[("KAIT_RETRY_SCHEDULE", r#"["1s", "1s"]"#)]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait.http_webhook("mirfaith", &key, &receiver.url).await;
    let path = format!(
        "/v1/shops/mirfaith/webhooks/{}",
        hook["id"].as_str().unwrap()
    );

    // A delivery waiting for its retry is held while paused, and sent on resume.
    receiver.answer([Reply::status(500)]);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-held"),
        )
        .await;
    let held = delivery_id(&accepted);
    receiver.next().await;
    kait.post(&format!("{path}/pause"), &key, json!({})).await;
    kait.delivery_until("mirfaith", &key, &held, status_is("held"))
        .await;
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-paused"),
        )
        .await;
    assert_eq!(
        accepted["deliveries"],
        json!([]),
        "a paused webhook gets no deliveries"
    );
    assert!(receiver.nothing_within(Duration::from_millis(1500)).await);

    kait.post(&format!("{path}/resume"), &key, json!({})).await;
    assert_eq!(receiver.next().await.header("webhook-id"), held);
    kait.delivery_until("mirfaith", &key, &held, status_is("succeeded"))
        .await;

    let (status, _) = kait.call(Method::DELETE, &path, Some(&key), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = kait
        .get(&format!("/v1/shops/mirfaith/deliveries/{held}"), &key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-deleted"),
        )
        .await;
    assert_eq!(accepted["deliveries"], json!([]));
}

#[tokio::test]
async fn a_webhook_test_delivers_a_sample_and_the_log_pages() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait.http_webhook("mirfaith", &key, &receiver.url).await;
    let path = format!(
        "/v1/shops/mirfaith/webhooks/{}",
        hook["id"].as_str().unwrap()
    );

    let (status, tested) = kait
        .post(
            &format!("{path}/test"),
            &key,
            json!({"type": "order.shipped"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tested}");
    assert_eq!(tested["status"], "succeeded");
    assert_eq!(
        tested["attempt_log"][0]["requests"][0]["response"]["status"],
        200
    );
    assert_eq!(receiver.next().await.json()["type"], "order.shipped");
    let (status, body) = kait
        .post(
            &format!("{path}/test"),
            &key,
            json!({"type": "order.eaten"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    for n in 0..5 {
        let sample = event("order.paid", "mirfaith", &format!("evt-{n}"));
        let (_, accepted) = kait.event("mirfaith", &key, &sample).await;
        receiver.next().await;
        let id = delivery_id(&accepted);
        kait.delivery_until("mirfaith", &key, &id, status_is("succeeded"))
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = kait
            .get(
                &format!("{path}/deliveries?limit=2&status=succeeded{cursor}"),
                &key,
            )
            .await;
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|d| d["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "five events and the test, each once");
    let (_, dead) = kait
        .get(&format!("{path}/deliveries?status=dead"), &key)
        .await;
    assert_eq!(dead["data"], json!([]));
    let (status, body) = kait
        .get(&format!("{path}/deliveries?status=lost"), &key)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, metrics) = kait
        .call(Method::GET, "/metrics", Some(ADMIN_KEY), None)
        .await;
    assert!(
        metrics
            .as_str()
            .unwrap()
            .contains("kait_deliveries_total{outcome=\"succeeded\"} 6"),
        "{metrics}"
    );
}

#[tokio::test]
async fn private_destinations_are_refused_unless_allowed() {
    let kait = Kait::start(&[("KAIT_ALLOW_PRIVATE_DESTINATIONS", "false")]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait.http_webhook("mirfaith", &key, &receiver.url).await;
    let path = format!(
        "/v1/shops/mirfaith/webhooks/{}/test",
        hook["id"].as_str().unwrap()
    );
    let (_, tested) = kait.post(&path, &key, json!({})).await;
    let attempt = &tested["attempt_log"][0];
    assert_eq!(attempt["error_kind"], "destination_refused", "{tested:#}");
    assert!(attempt["error"].as_str().unwrap().contains("127.0.0.0/8"));
    assert!(receiver.nothing_within(Duration::from_millis(300)).await);
}
