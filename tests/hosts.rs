//! Several `kait serve` hosts on one PostgreSQL database (the suite's
//! `KAIT_TEST_POSTGRES`, else the local server at 127.0.0.1:5432): the work is
//! shared, a host killed with `kill -9` loses nothing, timers fire once across
//! hosts, a swap made through one host is used by another, and a rolling
//! restart keeps ingest answering. Each test runs on a scratch database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{
    ApiCalls as _, Kait, Place, Receiver, event, guests, postgres_server, variant,
};

/// Short enough that the killed host's claims are taken over within the test.
const HOST_SETTINGS: &[(&str, &str)] = &[("KAIT_LEASE", "3s")];

fn several_hosts(n: usize) -> Vec<Kait> {
    let server = postgres_server().unwrap_or_else(|| "postgres://127.0.0.1:5432/test".into());
    let place = Arc::new(Place::on(Some(&server)));
    (0..n)
        .map(|_| Kait::start_on(place.clone(), HOST_SETTINGS))
        .collect()
}

/// Every request the receiver gets, counted by event id, until `expected`
/// distinct ids arrived or nothing arrived for `PATIENCE`.
async fn collect(mut receiver: Receiver, expected: usize) -> HashMap<String, usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    while seen.len() < expected {
        let Some(got) = receiver.next_within(crate::server::PATIENCE).await else {
            break;
        };
        *seen
            .entry(got.json()["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    // Late duplicates, if any, arrive within a lease.
    while let Some(got) = receiver.next_within(Duration::from_secs(4)).await {
        *seen
            .entry(got.json()["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    seen
}

/// Posts `body` to the first host (from `first`, round robin) that accepts it.
async fn post_to_any(
    client: &reqwest::Client,
    bases: &[String],
    first: usize,
    key: &str,
    body: &Value,
) -> Option<usize> {
    for step in 0..bases.len() {
        let host = (first + step) % bases.len();
        let sent = client
            .post(format!("{}/v1/shops/acme/events", bases[host]))
            .bearer_auth(key)
            .json(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if let Ok(response) = sent
            && response.status() == StatusCode::ACCEPTED
        {
            return Some(host);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_hosts_deliver_everything_through_a_kill_9() {
    const EVENTS: usize = 10_000;
    const CHECKOUTS: usize = 30;
    let mut hosts = several_hosts(3);
    let receiver = Receiver::start().await;
    let key = hosts[0].shop("acme", "premium").await;
    hosts[0]
        .http_webhook("acme", &key, &format!("{}/orders", receiver.url))
        .await;
    let bases: Vec<String> = hosts.iter().map(|h| h.base.clone()).collect();
    let client = reqwest::Client::new();

    // Checkouts abandoned an hour ago, started through every host: each timer
    // is due at once and must fire exactly once.
    for n in 0..CHECKOUTS {
        let created = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let started = json!({
            "id": format!("start-{n}"), "type": "checkout.started", "shop": "acme",
            "occurred_at": created,
            "data": {"checkout": {"id": n, "created_at": created, "total_price": "5.00"}},
        });
        assert_eq!(
            post_to_any(&client, &bases, n % 3, &key, &started).await,
            Some(n % 3)
        );
    }

    let collecting = tokio::spawn(collect(receiver, EVENTS + CHECKOUTS));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut killed_at = None;
    for chunk in (0..EVENTS).collect::<Vec<_>>().chunks(32) {
        if killed_at.is_none() && chunk[0] >= EVENTS / 2 {
            hosts[1].kill9();
            killed_at = Some(chrono::Utc::now().timestamp_millis());
        }
        let mut posts = tokio::task::JoinSet::new();
        for &n in chunk {
            let (client, bases, key, accepted) =
                (client.clone(), bases.clone(), key.clone(), accepted.clone());
            posts.spawn(async move {
                let body = event("order.paid", "acme", &format!("e{n}"));
                if post_to_any(&client, &bases, n % 3, &key, &body)
                    .await
                    .is_some()
                {
                    accepted.lock().unwrap().push(format!("e{n}"));
                }
            });
        }
        posts.join_all().await;
    }
    let accepted = accepted.lock().unwrap().clone();
    assert_eq!(
        accepted.len(),
        EVENTS,
        "the live hosts accepted every event"
    );

    let seen = collecting.await.unwrap();
    let elapsed = started.elapsed();
    let lost: Vec<&String> = accepted
        .iter()
        .filter(|id| !seen.contains_key(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} accepted events never arrived: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    for n in 0..CHECKOUTS {
        assert!(
            seen.contains_key(&format!("evt_abandoned_{n}")),
            "checkout {n} was not abandoned"
        );
    }
    let fired = hosts[0]
        .place
        .count("events WHERE type = 'checkout.abandoned'");
    let abandoned = hosts[0]
        .place
        .count("deliveries WHERE event_type = 'checkout.abandoned'");
    assert_eq!(
        (fired, abandoned),
        (CHECKOUTS as u64, CHECKOUTS as u64),
        "each timer fired once"
    );
    // Only the killed host's in-flight attempts may arrive twice: at most its
    // workers' worth.
    assert!(duplicates <= 64, "{duplicates} duplicates");
    // A delivery claimed twice is one the killed host held (every attempt
    // succeeds, so nothing else claims one again).
    let place = &hosts[0].place;
    let taken_over = place.count("deliveries WHERE lease > 1");
    let done_at = place.number("SELECT max(updated_at) FROM deliveries WHERE lease > 1");
    let takeover = (done_at - killed_at.unwrap()) as f64 / 1e3;
    println!(
        "several hosts: {EVENTS} events + {CHECKOUTS} abandoned checkouts on 3 hosts, one killed \
         with kill -9 half-way: all delivered in {elapsed:.1?}; the {taken_over} deliveries it \
         held were delivered by the others {takeover:.1} s after the kill (lease 3 s); \
         {duplicates} arrived twice (its in-flight attempts)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_through_one_host_is_used_by_another() {
    let mut hosts = several_hosts(2);
    let mut receiver = Receiver::start().await;
    let key = hosts[0].shop("acme", "premium").await;
    let hook = hosts[0]
        .http_webhook("acme", &key, &format!("{}/orders", receiver.url))
        .await;
    let bytes = variant(guests::KAIT_HTTP, &format!("hosts-{}", std::process::id()));
    let (status, uploaded) = hosts[0].upload("acme", &key, "mine", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    let pinned = format!("mine@{}", uploaded["version"].as_str().unwrap());
    let (status, swapped) = hosts[0]
        .patch(
            &format!("/v1/shops/acme/webhooks/{}", hook["id"].as_str().unwrap()),
            &key,
            json!({"plugin": pinned}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{swapped}");
    // Host A stops, so only host B can deliver what follows.
    assert!(hosts[0].terminate().success());
    let (status, accepted) = hosts[1]
        .event("acme", &key, &event("order.paid", "acme", "after-swap"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    assert_eq!(receiver.next().await.json()["id"], "after-swap");
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = hosts[1]
        .delivery_until("acme", &key, id, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(delivery["attempt_log"][0]["plugin"], pinned, "{delivery:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_keeps_ingest_answering_and_loses_nothing() {
    const EVENTS: usize = 1_500;
    let mut hosts = several_hosts(3);
    let receiver = Receiver::start().await;
    let key = hosts[0].shop("acme", "premium").await;
    hosts[0]
        .http_webhook("acme", &key, &format!("{}/orders", receiver.url))
        .await;
    let bases = Arc::new(Mutex::new(
        hosts.iter().map(|h| h.base.clone()).collect::<Vec<_>>(),
    ));
    let collecting = tokio::spawn(collect(receiver, EVENTS));
    let producer = {
        let (bases, key) = (bases.clone(), key.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut accepted, mut refused) = (Vec::new(), 0);
            for n in 0..EVENTS {
                let now = bases.lock().unwrap().clone();
                let body = event("order.paid", "acme", &format!("r{n}"));
                match post_to_any(&client, &now, n % 3, &key, &body).await {
                    Some(_) => accepted.push(format!("r{n}")),
                    None => refused += 1,
                }
                tokio::time::sleep(Duration::from_millis(4)).await;
            }
            (accepted, refused)
        })
    };
    for (n, host) in hosts.iter_mut().enumerate() {
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(host.terminate().success(), "host {n} stopped cleanly");
        host.restart();
        bases.lock().unwrap()[n] = host.base.clone();
    }
    let (accepted, refused) = producer.await.unwrap();
    assert_eq!(refused, 0, "every event found a host that answered");
    let seen = collecting.await.unwrap();
    let lost: Vec<&String> = accepted
        .iter()
        .filter(|id| !seen.contains_key(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} accepted events never arrived",
        lost.len()
    );
    for host in &mut hosts {
        assert!(host.running());
    }
}
