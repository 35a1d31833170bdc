//! At least once, for real: `kill -9` while a thousand events are loading, then a
//! restart, delivers every accepted event; SIGTERM finishes what is in flight and
//! exits 0; the database is in WAL mode.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;

use crate::server::{ApiCalls as _, Kait, PATIENCE, Receiver, Reply, event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_loading_loses_no_accepted_event() {
    let mut kait = Kait::start(&[("KAIT_LEASE", "2s")]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    kait.http_webhook("mirfaith", &key, &receiver.url).await;

    let accepted = Arc::new(Mutex::new(HashSet::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut producers = Vec::new();
    for _ in 0..16 {
        let (client, base, key) = (kait.client.clone(), kait.base.clone(), key.clone());
        let (accepted, next) = (accepted.clone(), next.clone());
        producers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n >= 1000 {
                    return;
                }
                let id = format!("evt-{n}");
                let sent = client
                    .post(format!("{base}/v1/shops/mirfaith/events"))
                    .bearer_auth(&key)
                    .json(&event("order.paid", "mirfaith", &id))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::ACCEPTED => {
                        accepted.lock().unwrap().insert(id);
                    }
                    // The server is gone: this producer is done.
                    _ => return,
                }
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while accepted.lock().unwrap().len() < 300 {
        assert!(tokio::time::Instant::now() < deadline, "loading stalled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    kait.kill9();
    for producer in producers {
        producer.await.unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() >= 300 && accepted.len() < 1000,
        "killed mid-load: {}",
        accepted.len()
    );

    kait.restart();
    let mut delivered = HashSet::new();
    while !accepted.is_subset(&delivered) {
        let got = receiver.next().await;
        delivered.insert(got.json()["id"].as_str().unwrap().to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_deliveries_and_exits_0() {
    let mut kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    kait.http_webhook("mirfaith", &key, &receiver.url).await;
    receiver.answer([Reply::status(200).delay(Duration::from_secs(2))]);
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-slow"),
        )
        .await;
    let id = accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    receiver.next().await;

    let status = kait.terminate();
    assert!(status.success(), "exit status {status}");

    kait.restart();
    let (_, delivery) = kait
        .get(&format!("/v1/shops/mirfaith/deliveries/{id}"), &key)
        .await;
    assert_eq!(delivery["status"], "succeeded", "{delivery:#}");
    assert_eq!(delivery["attempts"], 1);
    if let Some(file) = kait.place.sqlite_file() {
        let conn = rusqlite::Connection::open(file).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
