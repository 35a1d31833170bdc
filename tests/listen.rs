//! `kait listen` as an integrator uses it: the real `kait serve` delivers to it,
//! and it prints the request with its signature checked against the webhook's
//! secret, the bearer token masked, and answers the chosen status.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::listener::Listener;
use crate::server::{ApiCalls as _, Kait, event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_prints_what_kait_delivered_with_its_signature_checked() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"name": "local", "events": ["order.paid"],
                   "callback_url": "http://127.0.0.1:9/not-yet",
                   "config": {"headers": {"authorization": "Bearer sk_live_typed_by_the_merchant"}}}),
        )
        .await;
    let secret = hook["signing_secret"].as_str().unwrap();
    let listener = Listener::start(&["--secret", secret, "--status", "202"]);
    let id = hook["id"].as_str().unwrap();
    let (status, _) = kait
        .patch(
            &format!("/v1/shops/mirfaith/webhooks/{id}"),
            &key,
            json!({"callback_url": format!("{}/hook", listener.url)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-listen"),
        )
        .await;
    let printed = listener.until("signature:");
    let text = printed.join("\n");
    assert!(text.contains("── POST /hook"), "{text}");
    assert!(text.contains("signature: valid"), "{text}");
    assert!(text.contains("authorization: Bearer ••••"), "{text}");
    assert!(!text.contains("sk_live_typed_by_the_merchant"), "{text}");
    let body = listener.until("}").join("\n");
    assert!(
        body.contains("\"id\": \"evt-listen\""),
        "pretty JSON: {body}"
    );

    let delivery = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = kait
        .delivery_until("mirfaith", &key, delivery, |d: &Value| {
            d["status"] == "succeeded"
        })
        .await;
    let response = &delivery["attempt_log"][0]["requests"][0]["response"];
    assert_eq!(response["status"], 202, "the chosen status: {delivery:#}");
}

#[tokio::test]
async fn listen_says_when_a_signature_does_not_match() {
    let listener = Listener::start(&["--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);
    let now = chrono::Utc::now().timestamp().to_string();
    let answer = reqwest::Client::new()
        .post(format!("{}/x", listener.url))
        .header("webhook-id", "msg_1")
        .header("webhook-timestamp", now)
        .header("webhook-signature", "v1,bm90IHRoZSBzaWduYXR1cmU=")
        .body("plain text")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let printed = listener.until("signature:").join("\n");
    assert!(
        printed.contains("signature: INVALID (no signature matches)"),
        "{printed}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(["listen", "--secret", "not-a-secret"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("whsec_"));
}
