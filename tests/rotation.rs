//! Signing-secret rotation with an overlap: for `rotation_overlap` (24 h by
//! default) after a rotation every request carries both signatures, so a
//! receiver still on the old secret and one already on the new both accept it;
//! after that only the new one signs. Time is moved by hand: the service runs
//! in-process on a manual clock, and a webhook test delivers at once.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use kait::clock::{ManualClock, rfc3339};
use kait::signing::{SignatureError, verify};

use crate::server::{ApiCalls as _, App, Receiver, receiver::Got};

const START: i64 = 1_750_000_000_000;
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Whether `secret` verifies the request as a receiver would.
fn check(secret: &str, got: &Got) -> Result<(), SignatureError> {
    let timestamp: i64 = got.header("webhook-timestamp").parse().unwrap();
    let id = got.header("webhook-id");
    let signature = got.header("webhook-signature");
    verify(secret, id, timestamp, &got.body, signature, timestamp, 0)
}

async fn test_delivery(kait: &App, key: &str, hook: &str, receiver: &mut Receiver) -> Got {
    let path = format!("/v1/shops/mirfaith/webhooks/{hook}/test");
    let (status, tested) = kait.post(&path, key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{tested}");
    assert_eq!(tested["status"], "succeeded", "{tested:#}");
    receiver.next().await
}

#[tokio::test]
async fn both_secrets_sign_during_the_overlap_and_only_the_new_one_after() {
    let clock = ManualClock::new(START);
    let kait = App::start_with_clock(Arc::new(clock.clone())).await;
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let created = kait.http_webhook("mirfaith", &key, &receiver.url).await;
    let hook = created["id"].as_str().unwrap();
    let old = created["signing_secret"].as_str().unwrap().to_string();

    let got = test_delivery(&kait, &key, hook, &mut receiver).await;
    assert_eq!(got.header("webhook-signature").split(' ').count(), 1);
    check(&old, &got).unwrap();

    let path = format!("/v1/shops/mirfaith/webhooks/{hook}/rotate-secret");
    let (status, rotated) = kait.post(&path, &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["signing_secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let until = START + DAY.as_millis() as i64;
    assert_eq!(rotated["previous_secret_expires_at"], rfc3339(until));

    // Inside the overlap, to its last second: `v1,<new> v1,<old>`.
    for advance in [Duration::ZERO, DAY - Duration::from_secs(1)] {
        clock.advance(advance);
        let got = test_delivery(&kait, &key, hook, &mut receiver).await;
        let signatures: Vec<&str> = got.header("webhook-signature").split(' ').collect();
        assert_eq!(signatures.len(), 2, "{signatures:?}");
        check(&new, &got).expect("a receiver on the new secret accepts");
        check(&old, &got).expect("a receiver still on the old secret accepts");
        let timestamp: i64 = got.header("webhook-timestamp").parse().unwrap();
        let id = got.header("webhook-id");
        let first = kait::signing::sign(&new, id, timestamp, &got.body).unwrap();
        assert_eq!(
            signatures[0], first,
            "the new secret's signature comes first"
        );
    }

    // After it: the new secret only.
    clock.advance(Duration::from_secs(1));
    let got = test_delivery(&kait, &key, hook, &mut receiver).await;
    assert_eq!(got.header("webhook-signature").split(' ').count(), 1);
    check(&new, &got).unwrap();
    assert_eq!(check(&old, &got), Err(SignatureError::Mismatch));

    let (_, shown) = kait
        .get(&format!("/v1/shops/mirfaith/webhooks/{hook}"), &key)
        .await;
    let text = shown.to_string();
    assert!(!text.contains(&old) && !text.contains(&new), "{shown}");
}
