//! The store contract, run against a backend: leases that run out, late answers
//! that are ignored, webhooks disabled after five days of failures, a fan-out's
//! progress, signing-secret rotation, and the abandonment timers. Time is moved
//! by hand.

mod fanout;
mod lifecycle;
mod portal;
mod rotation;
mod timers;

use std::time::Duration;

use serde_json::json;

use super::{SharedStore, StoreError};
use crate::clock::{Clock, ManualClock, Millis};
use crate::domain::{
    AttemptRecord, Attempted, Claimed, DeliveryStatus, DisableRule, ErrorKind, EventTypes,
    NewEvent, NewShop, Next, Outcome, Plan, PluginRef, ShopId, ShopName, Webhook, WebhookEffect,
    WebhookName, WebhookStatus, json_text,
};

const DAY: Duration = Duration::from_secs(24 * 3600);
const LEASE: Millis = 60_000;

/// Where a test's store lives: a SQLite file in a fresh folder, or, when
/// `KAIT_TEST_POSTGRES` names a PostgreSQL server, a fresh database on it.
struct Place {
    dir: tempfile::TempDir,
    scratch: Option<super::postgres::scratch::Scratch>,
}

impl Place {
    async fn new() -> Self {
        let scratch = match std::env::var("KAIT_TEST_POSTGRES") {
            Ok(server) => Some(
                super::postgres::scratch::Scratch::create(&server)
                    .await
                    .expect("a scratch database on KAIT_TEST_POSTGRES"),
            ),
            Err(_) => None,
        };
        Self {
            dir: tempfile::tempdir().unwrap(),
            scratch,
        }
    }

    fn data(&self) -> String {
        match &self.scratch {
            Some(scratch) => scratch.url.clone(),
            None => self.dir.path().join("kait.db").display().to_string(),
        }
    }

    /// The store, opened as `kait serve` would with `key`.
    async fn open_with(&self, key: &[u8; 32]) -> Result<SharedStore, StoreError> {
        Ok(super::open(&self.data(), key).await?.store)
    }

    /// The store, opened as `kait serve` would.
    async fn open(&self) -> SharedStore {
        self.open_with(&[7; 32]).await.unwrap()
    }

    /// Marks the database as migrated further than this Kait knows.
    async fn migrate_as_a_newer_kait(&self) {
        match &self.scratch {
            Some(scratch) => scratch
                .execute("UPDATE kait_schema SET version = version + 1")
                .await
                .unwrap(),
            None => super::sqlite::schema::set_version(&self.dir.path().join("kait.db"), 99),
        }
    }

    /// Everything the backend keeps of the webhooks, as text.
    async fn raw_webhooks(&self) -> String {
        match &self.scratch {
            Some(scratch) => scratch.text_of("webhooks").await.unwrap(),
            None => {
                let file = std::fs::read(self.dir.path().join("kait.db")).unwrap();
                String::from_utf8_lossy(&file).into_owned()
            }
        }
    }
}

/// Shop `s` on Premium with webhook `wh_1` subscribed to `events`.
async fn shop_with_webhook(store: &SharedStore, now: Millis, events: &[&str]) {
    store
        .create_shop(NewShop {
            id: ShopId::parse("s").unwrap(),
            name: ShopName::parse("S").unwrap(),
            plan: Plan::Premium,
            key_hash: "hash".into(),
            created_at: now,
        })
        .await
        .unwrap()
        .unwrap();
    store
        .create_webhook(Webhook {
            id: "wh_1".into(),
            shop_id: "s".into(),
            name: WebhookName::parse("w").unwrap(),
            status: WebhookStatus::Active,
            disabled_reason: None,
            events: EventTypes::parse(Some(events.iter().map(|e| e.to_string()).collect()))
                .unwrap(),
            plugin: PluginRef::parse("http").unwrap(),
            config: json!({"url": "https://example.com/hook"}).to_string(),
            signing_secret: "whsec_x".into(),
            previous_secret: None,
            failing_since: None,
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
}

async fn store_with_one_delivery(place: &Place, clock: &ManualClock) -> (SharedStore, String) {
    let store = place.open().await;
    let now = clock.now();
    shop_with_webhook(&store, now, &["order.paid"]).await;
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
        attempted: Attempted {
            at,
            duration_ms: 5,
            outcome: Outcome::Failed,
            error_kind: Some(ErrorKind::HttpStatus),
            error: Some("HTTP 500".into()),
            plugin: "http@sha256:x".into(),
            logs: json_text("[]".into()),
            requests: json_text("[]".into()),
        },
        done_requests: Vec::new(),
        next,
        webhook: WebhookEffect::Failed(DisableRule { after: 5 * DAY }),
    }
}

#[tokio::test]
async fn a_lease_that_runs_out_returns_the_delivery_and_voids_the_late_answer() {
    let place = Place::new().await;
    let clock = ManualClock::new(1_700_000_000_000);
    let (store, id) = store_with_one_delivery(&place, &clock).await;
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
    let log = delivery.attempt_log.unwrap();
    assert_eq!(
        (log[0].attempted.outcome, log[0].attempted.error_kind),
        (Outcome::Failed, Some(ErrorKind::HttpStatus))
    );
}

#[tokio::test]
async fn five_days_of_failures_disable_the_webhook() {
    let place = Place::new().await;
    let clock = ManualClock::new(1_700_000_000_000);
    let (store, id) = store_with_one_delivery(&place, &clock).await;
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

#[tokio::test]
async fn a_webhook_reads_back_as_written_and_its_secrets_stay_sealed_on_disk() {
    let place = Place::new().await;
    let store = place.open().await;
    shop_with_webhook(&store, 1, &["order.paid", "order.packed"]).await;
    let webhook = store.webhook("s", "wh_1").await.unwrap().unwrap();
    assert_eq!(webhook.events.as_slice(), ["order.paid", "order.packed"]);
    assert_eq!(webhook.plugin.to_string(), "http");
    assert_eq!(webhook.signing_secret, "whsec_x");
    assert!(webhook.config.contains("example.com/hook"));
    store.close().await;
    let text = place.raw_webhooks().await;
    assert!(!text.contains("whsec_x") && !text.contains("example.com/hook"));
    let reopened = place.open().await;
    let again = reopened.webhook("s", "wh_1").await.unwrap().unwrap();
    assert_eq!(again, webhook);
}

#[tokio::test]
async fn a_setting_is_kept_once_by_insert_and_replaced_by_replace() {
    let place = Place::new().await;
    let store = place.open().await;
    assert_eq!(store.meta("admin_key_sha256").await.unwrap(), None);
    assert_eq!(
        store
            .meta_insert("admin_key_sha256", "a".into())
            .await
            .unwrap(),
        "a"
    );
    assert_eq!(
        store
            .meta_insert("admin_key_sha256", "b".into())
            .await
            .unwrap(),
        "a"
    );
    store
        .meta_replace("admin_key_sha256", "c".into())
        .await
        .unwrap();
    assert_eq!(
        store.meta("admin_key_sha256").await.unwrap().as_deref(),
        Some("c")
    );
    store.close().await;
    let store = place.open().await;
    assert_eq!(
        store.meta("admin_key_sha256").await.unwrap().as_deref(),
        Some("c")
    );
}

#[tokio::test]
async fn the_wrong_key_is_refused_at_open() {
    let place = Place::new().await;
    let store = place.open().await;
    shop_with_webhook(&store, 1, &["order.paid"]).await;
    store.close().await;
    assert!(matches!(
        place.open_with(&[8; 32]).await.map(drop),
        Err(StoreError::Key(_))
    ));
    let store = place.open().await;
    assert_eq!(
        store
            .webhook("s", "wh_1")
            .await
            .unwrap()
            .unwrap()
            .signing_secret,
        "whsec_x"
    );
}

#[tokio::test]
async fn a_database_migrate_as_a_newer_kait_is_refused_with_the_reason() {
    let place = Place::new().await;
    place.open().await.close().await;
    place.migrate_as_a_newer_kait().await;
    let refused = place.open_with(&[7; 32]).await.map(drop);
    let Err(error @ StoreError::NewerSchema { .. }) = refused else {
        panic!("opened a newer Kait's database: {refused:?}");
    };
    assert!(error.to_string().contains("newer Kait"), "{error}");
}
