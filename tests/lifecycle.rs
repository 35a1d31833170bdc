//! A shop's plugin versions moved in and out of `@latest` by hand. Promoting a
//! version makes `name@latest` run it from the next delivery; withdrawing one
//! makes the previous one the latest, while webhooks pinned to it keep it and are
//! listed. Each attempt's `plugin` field (the delivery log) shows which version
//! ran. Refusals change nothing, and an attempt already running keeps its version.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait, Receiver, Reply, event, guests, variant};

/// Uploads `n` variants of the http guest as versions of `acme`'s `tagged`.
async fn two_versions(kait: &Kait, key: &str, label: &str) -> Vec<String> {
    let run = std::process::id();
    let mut versions = Vec::new();
    for n in 0..2 {
        let bytes = variant(guests::KAIT_HTTP, &format!("{label}-{run}-{n}"));
        let (status, uploaded) = kait.upload("acme", key, "tagged", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        versions.push(uploaded["version"].as_str().unwrap().to_string());
    }
    versions
}

fn moved(name_version: &str, verb: &str) -> String {
    format!("/v1/shops/acme/plugins/tagged/versions/{name_version}/{verb}")
}

async fn listing(kait: &Kait, key: &str) -> Value {
    let (status, listed) = kait
        .get("/v1/shops/acme/plugins/tagged/versions", key)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    listed
}

/// The listing's version with id `version`.
fn entry<'a>(listed: &'a Value, version: &str) -> &'a Value {
    listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version)
        .unwrap_or_else(|| panic!("{version} is listed: {listed:#}"))
}

/// Posts an event and says which version ran for each webhook, by webhook id.
async fn ran(kait: &Kait, key: &str, id: &str) -> BTreeMap<String, String> {
    let (status, accepted) = kait
        .event("acme", key, &event("order.paid", "acme", id))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let mut ran = BTreeMap::new();
    for delivery in accepted["deliveries"].as_array().unwrap() {
        let shown = kait
            .delivery_until("acme", key, delivery["id"].as_str().unwrap(), |d| {
                d["status"] == "succeeded"
            })
            .await;
        let plugin = shown["attempt_log"][0]["plugin"].as_str().unwrap();
        ran.insert(
            delivery["webhook_id"].as_str().unwrap().to_string(),
            plugin.to_string(),
        );
    }
    ran
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_and_withdraw_move_latest_and_pinned_webhooks_keep_their_version() {
    let kait = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let v = two_versions(&kait, &key, "move").await;
    let url = format!("{}/hook", receiver.url);
    let follows = kait
        .webhook(
            "acme",
            &key,
            json!({"name": "follows", "plugin": "tagged@latest", "config": {"url": url}}),
        )
        .await;
    let pinned = kait
        .webhook(
            "acme",
            &key,
            json!({"name": "pinned", "plugin": format!("tagged@{}", v[1]), "config": {"url": url}}),
        )
        .await;
    let (follows, pinned) = (
        follows["id"].as_str().unwrap().to_string(),
        pinned["id"].as_str().unwrap().to_string(),
    );
    let listed = listing(&kait, &key).await;
    assert_eq!(entry(&listed, &v[1])["latest"], true);
    assert_eq!(entry(&listed, &v[0])["promoted_at"], Value::Null);
    assert_eq!(entry(&listed, &v[0])["withdrawn_at"], Value::Null);

    // Promoting the older version: @latest runs it; the pinned webhook does not move.
    let (status, promoted) = kait.post(&moved(&v[0], "promote"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    assert_eq!(promoted["latest"], true);
    assert!(promoted["promoted_at"].is_string(), "{promoted}");
    let (_, summary) = kait.get("/v1/shops/acme/plugins", &key).await;
    let tagged = summary["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tagged");
    assert_eq!(tagged.unwrap()["latest"], v[0].as_str(), "{summary}");
    let after_promotion = ran(&kait, &key, "e-promoted").await;
    assert_eq!(after_promotion[&follows], format!("tagged@{}", v[0]));
    assert_eq!(after_promotion[&pinned], format!("tagged@{}", v[1]));

    // Back to the newer one, then it is withdrawn: the older is the latest again,
    // the pinned webhook is named and keeps running the withdrawn version.
    let (status, _) = kait.post(&moved(&v[1], "promote"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ran(&kait, &key, "e-back").await[&follows],
        format!("tagged@{}", v[1])
    );
    let (status, withdrawn) = kait.post(&moved(&v[1], "withdraw"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["latest"], false);
    assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
    assert_eq!(
        withdrawn["pinned_webhooks"],
        json!([{"id": pinned, "name": "pinned"}])
    );
    let after_withdrawal = ran(&kait, &key, "e-withdrawn").await;
    assert_eq!(after_withdrawal[&follows], format!("tagged@{}", v[0]));
    assert_eq!(after_withdrawal[&pinned], format!("tagged@{}", v[1]));
    let listed = listing(&kait, &key).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2, "still listed");
    assert_eq!(entry(&listed, &v[0])["latest"], true);
    assert!(entry(&listed, &v[1])["withdrawn_at"].is_string());

    // The same bytes again do not put it back; a promotion does.
    let bytes = variant(guests::KAIT_HTTP, &format!("move-{}-1", std::process::id()));
    let (status, again) = kait.upload("acme", &key, "tagged", bytes).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        (again["latest"].clone(), again["withdrawn_at"].is_string()),
        (json!(false), true)
    );
    let (status, back) = kait.post(&moved(&v[1], "promote"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(
        (back["latest"].clone(), back["withdrawn_at"].clone()),
        (json!(true), Value::Null)
    );
    assert_eq!(
        ran(&kait, &key, "e-restored").await[&follows],
        format!("tagged@{}", v[1])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_the_reason_and_change_nothing() {
    let kait = Kait::start(&[]);
    let key = kait.shop("acme", "premium").await;
    let v = two_versions(&kait, &key, "refuse").await;
    let (status, _) = kait.post(&moved(&v[1], "withdraw"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let before = listing(&kait, &key).await;

    let refusals = [
        (
            moved("0123456789ab", "promote"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            moved("0123456789ab", "withdraw"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            moved(&v[0], "withdraw"),
            StatusCode::CONFLICT,
            "last_version",
        ),
        (
            "/v1/shops/acme/plugins/http/versions/latest/promote".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "builtin_plugin",
        ),
        (
            "/v1/shops/acme/plugins/http/versions/latest/withdraw".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "builtin_plugin",
        ),
    ];
    for (path, wanted, code) in refusals {
        let (status, refused) = kait.post(&path, &key, json!({})).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (wanted, Some(code)),
            "{path}: {refused}"
        );
    }
    let (_, last) = kait.post(&moved(&v[0], "withdraw"), &key, json!({})).await;
    let message = last["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("promote another version"),
        "says what to do: {message}"
    );
    assert_eq!(listing(&kait, &key).await, before, "nothing changed");
    let (_, builtin) = kait.get("/v1/shops/acme/plugins/http/versions", &key).await;
    assert_eq!(builtin["data"][0]["latest"], true);
}

/// An attempt running when a promotion happens finishes on the version it
/// started with; the retry of that delivery runs the new latest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_in_flight_keeps_its_version_through_a_promotion() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let v = two_versions(&kait, &key, "flight").await;
    let url = format!("{}/slow", receiver.url);
    kait.webhook(
        "acme",
        &key,
        json!({"name": "follows", "plugin": "tagged@latest", "config": {"url": url}}),
    )
    .await;
    // The first request is held for a second, then fails; the retry succeeds.
    receiver.answer([Reply::status(500).delay(Duration::from_secs(1))]);
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "in-flight"))
        .await;
    receiver.next().await;
    // The attempt is in flight now: promote the older version.
    let (status, promoted) = kait.post(&moved(&v[0], "promote"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    receiver.next().await;
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = kait
        .delivery_until("acme", &key, id, |d| d["status"] == "succeeded")
        .await;
    let attempts = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{delivery}");
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(
        attempts[0]["plugin"],
        format!("tagged@{}", v[1]),
        "the running attempt kept its version"
    );
    assert_eq!(
        attempts[1]["plugin"],
        format!("tagged@{}", v[0]),
        "the retry ran the new latest"
    );
}
