//! Hot-swap under load: 1,000 events through one webhook while its plugin version
//! is swapped 10 times. Each swap changes the version and, with it, a tag in the
//! configuration's body template, so every request says which (version, config)
//! pair produced it. Passes when every request was produced whole by one version
//! (its tag and its attempt's recorded version agree), no event is lost, and
//! after the last swap only the last version is used.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait, Receiver, Reply, event, guests, variant};

const EVENTS: usize = 1_000;
const SWAPS: usize = 10;
const AFTER: usize = 20;

fn config(url: &str, tag: usize) -> Value {
    json!({
        "url": url,
        "body_template": format!("{{\"tag\": {tag}, \"id\": \"{{{{ event.id }}}}\"}}"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_events_through_ten_swaps() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let run = std::process::id();
    let mut versions = Vec::new();
    for n in 0..=SWAPS {
        let bytes = variant(guests::KAIT_HTTP, &format!("swap-{run}-{n}"));
        let (status, uploaded) = kait.upload("acme", &key, "tagged", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        versions.push(uploaded["version"].as_str().unwrap().to_string());
    }
    let url = format!("{}/swap", receiver.url);
    let hook = kait
        .webhook(
            "acme",
            &key,
            json!({"name": "swapped", "plugin": format!("tagged@{}", versions[0]), "config": config(&url, 0)}),
        )
        .await;
    let path = format!("/v1/shops/acme/webhooks/{}", hook["id"].as_str().unwrap());

    // Producers and the swapper run together.
    let producers = async {
        let endpoint = format!("{}/v1/shops/acme/events", kait.base);
        for batch in (0..EVENTS).collect::<Vec<_>>().chunks(8) {
            let mut posts = tokio::task::JoinSet::new();
            for n in batch {
                let request = kait.client.post(&endpoint).bearer_auth(&key).json(&event(
                    "order.paid",
                    "acme",
                    &format!("e{n}"),
                ));
                posts.spawn(async move { request.send().await.map(|r| r.status()) });
            }
            while let Some(posted) = posts.join_next().await {
                assert_eq!(posted.unwrap().unwrap(), StatusCode::ACCEPTED);
            }
        }
    };
    let swapper = async {
        for (n, version) in versions.iter().enumerate().skip(1) {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let body = json!({"plugin": format!("tagged@{version}"), "config": config(&url, n)});
            let (status, swapped) = kait.patch(&path, &key, body).await;
            assert_eq!(status, StatusCode::OK, "{swapped}");
        }
    };
    tokio::join!(producers, swapper);
    for n in 0..AFTER {
        let (status, body) = kait
            .event(
                "acme",
                &key,
                &event("order.paid", "acme", &format!("after{n}")),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }

    // Every event arrives; each request is whole, from one (version, config) pair.
    let mut got: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut tags = BTreeSet::new();
    while got.len() < EVENTS + AFTER {
        let request = receiver.next().await;
        let body = request.json();
        let tag = body["tag"].as_u64().expect("a whole body with its tag") as usize;
        let id = body["id"]
            .as_str()
            .expect("a whole body with its id")
            .to_string();
        tags.insert(tag);
        got.insert(id, (tag, request.header("webhook-id").to_string()));
    }
    let wanted: BTreeSet<String> = (0..EVENTS)
        .map(|n| format!("e{n}"))
        .chain((0..AFTER).map(|n| format!("after{n}")))
        .collect();
    assert_eq!(
        got.keys().cloned().collect::<BTreeSet<_>>(),
        wanted,
        "no event lost"
    );
    assert!(
        tags.len() > 2,
        "the swaps happened during the run: tags {tags:?}"
    );

    // The attempt that sent each request recorded the version its tag belongs to.
    for (id, (tag, delivery)) in &got {
        let (status, shown) = kait
            .get(&format!("/v1/shops/acme/deliveries/{delivery}"), &key)
            .await;
        assert_eq!(status, StatusCode::OK, "{shown}");
        let attempts = shown["attempt_log"].as_array().unwrap();
        let sent = attempts
            .iter()
            .find(|a| a["outcome"] == "succeeded")
            .unwrap();
        assert_eq!(
            sent["plugin"],
            format!("tagged@{}", versions[*tag]),
            "event {id}: the request's tag and the recorded version disagree"
        );
        if id.starts_with("after") {
            assert_eq!(
                *tag, SWAPS,
                "after the last swap only the last version runs"
            );
        }
    }
}

/// An attempt already running when the webhook is swapped finishes on its version;
/// the retry of that delivery uses the new one, and each attempt records its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_attempts_keep_their_version_and_retries_take_the_new_one() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let run = std::process::id();
    let mut versions = Vec::new();
    for n in 0..2 {
        let bytes = variant(guests::KAIT_HTTP, &format!("flight-{run}-{n}"));
        let (status, uploaded) = kait.upload("acme", &key, "tagged", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        versions.push(uploaded["version"].as_str().unwrap().to_string());
    }
    let url = format!("{}/flight", receiver.url);
    let hook = kait
        .webhook(
            "acme",
            &key,
            json!({"name": "flight", "plugin": format!("tagged@{}", versions[0]), "config": config(&url, 0)}),
        )
        .await;
    let path = format!("/v1/shops/acme/webhooks/{}", hook["id"].as_str().unwrap());
    // The first request is held for a second, then fails; the retry succeeds.
    receiver.answer([Reply::status(500).delay(Duration::from_secs(1))]);
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "in-flight"))
        .await;
    assert_eq!(receiver.next().await.json()["tag"], 0);
    // The attempt is in flight now: swap.
    let body = json!({"plugin": format!("tagged@{}", versions[1]), "config": config(&url, 1)});
    let (status, swapped) = kait.patch(&path, &key, body).await;
    assert_eq!(status, StatusCode::OK, "{swapped}");
    assert_eq!(
        receiver.next().await.json()["tag"],
        1,
        "the retry ran the new version"
    );

    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = kait
        .delivery_until("acme", &key, id, |d| d["status"] == "succeeded")
        .await;
    let attempts = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{delivery}");
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["plugin"], format!("tagged@{}", versions[0]));
    assert_eq!(attempts[1]["plugin"], format!("tagged@{}", versions[1]));
}
