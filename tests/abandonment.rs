//! Checkout abandonment through the real service: `checkout.started` is input-only,
//! the shop's window is set over the API, and a timer that is due is fired by the
//! running service and delivered like any event.

use reqwest::StatusCode;
use serde_json::json;

use crate::server::{ADMIN_KEY, ApiCalls as _, Kait, Receiver};

fn started(checkout: u64, created_at: &str) -> serde_json::Value {
    json!({
        "id": format!("start-{checkout}"), "type": "checkout.started", "shop": "mirfaith",
        "occurred_at": created_at,
        "data": {"checkout": {"id": checkout, "created_at": created_at, "total_price": "55.00"}},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_checkouts_are_detected_and_delivered() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;

    let (status, body) = kait
        .post("/v1/shops/mirfaith/webhooks", &key, json!({"name": "x", "plugin": "http", "events": ["checkout.started"], "config": {"url": receiver.url}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("input-only"),
        "{body}"
    );

    for minutes in [4, 10_081] {
        let (status, body) = kait
            .patch(
                "/v1/shops/mirfaith",
                &key,
                json!({"abandonment_window_minutes": minutes}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{minutes}: {body}"
        );
    }
    let (status, shop) = kait
        .patch(
            "/v1/shops/mirfaith",
            &key,
            json!({"abandonment_window_minutes": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    assert_eq!(shop["shop"]["abandonment_window_minutes"], 30);

    kait.webhook("mirfaith", &key, json!({"name": "carts", "plugin": "http", "events": ["checkout.abandoned"], "config": {"url": receiver.url}}))
        .await;
    // Started an hour ago with a 30-minute window: overdue, so it fires now.
    let malaysia = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .with_timezone(&malaysia)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, accepted) = kait
        .event("mirfaith", &key, &started(77, &an_hour_ago))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    assert_eq!(
        accepted["deliveries"],
        json!([]),
        "nobody receives checkout.started"
    );
    // Started just now: pending for 30 minutes.
    let now = chrono::Utc::now().to_rfc3339();
    kait.event("mirfaith", ADMIN_KEY, &started(78, &now)).await;

    let got = receiver.next().await.json();
    assert_eq!(got["type"], "checkout.abandoned");
    assert_eq!(got["id"], "evt_abandoned_77");
    assert_eq!(got["data"]["checkout"]["total_price"], "55.00");
    let occurred_at = got["occurred_at"].as_str().unwrap();
    assert!(
        occurred_at.ends_with("+08:00"),
        "in the shop's offset, as the checkout's created_at: {occurred_at}"
    );
    let occurred_at = chrono::DateTime::parse_from_rfc3339(occurred_at).unwrap();
    let created_at = chrono::DateTime::parse_from_rfc3339(&an_hour_ago).unwrap();
    assert_eq!(occurred_at - created_at, chrono::Duration::minutes(30));
    assert!(
        receiver
            .nothing_within(std::time::Duration::from_millis(500))
            .await
    );
}
