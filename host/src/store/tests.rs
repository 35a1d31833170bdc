//! The store's timing rules with a hand-moved clock: leases that run out, late
//! answers that are ignored, and webhooks disabled after five days of failures.

use std::time::Duration;

use super::*;
use crate::clock::{Clock, ManualClock, Millis};

const DAY: Duration = Duration::from_secs(24 * 3600);
const LEASE: Millis = 60_000;

async fn store_with_one_delivery(dir: &tempfile::TempDir, clock: &ManualClock) -> (Store, String) {
    let store = Store::open(&dir.path().join("kait.db"), &[7; 32]).unwrap();
    let now = clock.now();
    store
        .create_shop("s".into(), "S".into(), Plan::Premium, "hash".into(), now)
        .await
        .unwrap()
        .unwrap();
    store
        .create_webhook(WebhookRow {
            id: "wh_1".into(),
            shop_id: "s".into(),
            name: "w".into(),
            status: WebhookStatus::Active,
            disabled_reason: None,
            events: vec!["order.paid".into()],
            plugin: "http".into(),
            config: "{}".into(),
            signing_secret: "whsec_x".into(),
            failing_since: None,
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    let event = NewEvent {
        shop: "s".into(),
        id: "e1".into(),
        kind: "order.paid".into(),
        body: "{}".into(),
        timer: None,
    };
    let ingested = store.ingest(event, now).await.unwrap();
    (store, ingested.deliveries[0].id.clone())
}

fn failure(claimed: &Claimed, at: Millis, next: Next) -> AttemptRecord {
    AttemptRecord {
        delivery: claimed.id.clone(),
        lease: claimed.lease,
        at,
        duration_ms: 5,
        outcome: "failed",
        error_kind: Some("http_status".into()),
        error: Some("HTTP 500".into()),
        plugin: "http@sha256:x".into(),
        logs: "[]".into(),
        requests: "[]".into(),
        next,
        webhook: WebhookEffect::Failed {
            disable_after: (5 * DAY).as_millis() as Millis,
        },
    }
}

#[tokio::test]
async fn a_lease_that_runs_out_returns_the_delivery_and_voids_the_late_answer() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let (store, id) = store_with_one_delivery(&dir, &clock).await;
    let first = store.claim(clock.now(), LEASE, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    clock.advance(Duration::from_millis(LEASE as u64 - 1));
    assert!(
        store
            .claim(clock.now(), LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(Duration::from_millis(2));
    let second = store.claim(clock.now(), LEASE, 10).await.unwrap();
    assert_eq!((second.len(), second[0].id.as_str()), (1, id.as_str()));
    assert!(second[0].lease > first[0].lease);
    let late = failure(&first[0], clock.now(), Next::RetryAt(clock.now()));
    assert!(
        !store.record(late).await.unwrap(),
        "the first worker's answer is void"
    );
    let current = failure(&second[0], clock.now(), Next::RetryAt(clock.now() + 1000));
    assert!(store.record(current).await.unwrap());
    let delivery = store.delivery("s", &id).await.unwrap().unwrap();
    assert_eq!(
        (delivery.attempts, delivery.status),
        (1, DeliveryStatus::Pending)
    );
}

#[tokio::test]
async fn five_days_of_failures_disable_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let (store, id) = store_with_one_delivery(&dir, &clock).await;
    for day in 0..=5 {
        let claimed = store.claim(clock.now(), LEASE, 1).await.unwrap();
        assert_eq!(claimed.len(), 1, "day {day}");
        let next = Next::RetryAt(clock.now() + DAY.as_millis() as Millis);
        assert!(
            store
                .record(failure(&claimed[0], clock.now(), next))
                .await
                .unwrap()
        );
        let webhook = store.webhook("s", "wh_1").await.unwrap().unwrap();
        let expected = if day < 5 {
            WebhookStatus::Active
        } else {
            WebhookStatus::Disabled
        };
        assert_eq!(webhook.status, expected, "day {day}");
        clock.advance(DAY);
    }
    let webhook = store.webhook("s", "wh_1").await.unwrap().unwrap();
    assert!(
        webhook
            .disabled_reason
            .unwrap()
            .contains("every attempt has failed since")
    );
    let delivery = store.delivery("s", &id).await.unwrap().unwrap();
    assert_eq!(
        delivery.status,
        DeliveryStatus::Held,
        "waits for the webhook to be resumed"
    );
}

#[test]
fn a_database_that_is_not_in_wal_mode_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("plain.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    assert!(matches!(
        check_durable(&conn),
        Err(StoreError::NotDurable(_))
    ));
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    assert!(matches!(
        check_durable(&conn),
        Err(StoreError::NotDurable(_))
    ));
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    check_durable(&conn).unwrap();
}
