//! Redirects are read by their meaning, never followed: a fake Google Apps Script
//! web app (a POST appends a row and answers 302 to a result page) gets exactly
//! one row per event and the delivery succeeds at once; a receiver that has moved
//! (301, 307, 308) fails the delivery with its new address, retried like any
//! failure.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::server::{ApiCalls as _, Kait, Receiver, Reply, event};

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |d: &Value| d["status"] == status
}

#[tokio::test]
async fn an_apps_script_302_is_one_row_and_one_success() {
    let kait = Kait::start(&[]);
    let mut script = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let exec = format!("{}/macros/s/AKfycbx-test/exec", script.url);
    let page = format!(
        "{}/macros/echo?user_content_key=Zx9fUs3rC0nt3ntK3yExample&lib=MxYz",
        script.url
    );
    // Every POST is a row; the answer points at the result page, which serves
    // the page to whoever follows (nobody should).
    script.answer_always(
        Reply::status(302)
            .header("location", &page)
            .body("<HTML><A HREF=\"moved\">here</A></HTML>"),
    );
    kait.http_webhook("mirfaith", &key, &exec).await;
    let (status, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-row"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();

    let row = script.next().await;
    assert_eq!(row.path, "/macros/s/AKfycbx-test/exec");
    assert_eq!(row.json()["id"], "evt-row");
    let delivery = kait
        .delivery_until("mirfaith", &key, id, status_is("succeeded"))
        .await;
    assert_eq!(delivery["attempts"], 1, "{delivery:#}");
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(attempt["outcome"], "succeeded");
    assert_eq!(attempt["error_kind"], Value::Null);
    let exchange = &attempt["requests"][0];
    assert_eq!(exchange["response"]["status"], 302);
    assert_eq!(
        exchange["redirected_to"],
        page.replace("Zx9fUs3rC0nt3ntK3yExample", "••••mple"),
        "where it points, its own key masked: {exchange:#}"
    );
    assert!(
        script.nothing_within(Duration::from_millis(800)).await,
        "one row: no second POST, and the result page is not fetched"
    );
}

#[tokio::test]
async fn a_moved_receiver_fails_with_its_new_address_and_is_retried() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    kait.http_webhook("mirfaith", &key, &format!("{}/old", receiver.url))
        .await;
    receiver.answer([
        Reply::status(308).header("location", "https://hooks.example.com/new"),
        Reply::status(301).header("location", "/newer"),
        Reply::status(307),
    ]);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-moved"),
        )
        .await;
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    for _ in 0..4 {
        assert_eq!(receiver.next().await.path, "/old", "sent where configured");
    }
    let delivery = kait
        .delivery_until("mirfaith", &key, id, status_is("succeeded"))
        .await;
    let log = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(log.len(), 4, "{delivery:#}");
    let moved = [
        (
            308,
            "moved to https://hooks.example.com/new; update the Callback URL",
        ),
        (
            301,
            &format!("moved to {}/newer; update the Callback URL", receiver.url),
        ),
        (
            307,
            "moved to an address it did not give; update the Callback URL",
        ),
    ];
    for (attempt, (status, message)) in log.iter().zip(moved) {
        assert_eq!(attempt["outcome"], "failed");
        assert_eq!(attempt["error_kind"], "http_status");
        assert_eq!(attempt["requests"][0]["response"]["status"], status);
        let error = attempt["error"].as_str().unwrap();
        assert!(error.contains(message), "{status}: {error}");
    }
    assert_eq!(log[3]["outcome"], "succeeded");
}
