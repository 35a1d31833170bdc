//! The abandonment rules through the store, with a hand-moved clock: no event
//! when the checkout completes in time, exactly one at the deadline otherwise,
//! across a restart, with duplicate starts, platform-sent abandonments and
//! per-shop windows.

use std::time::Duration;

use serde_json::json;

use super::{Place, SharedStore, shop_with_webhook};
use crate::clock::{Clock, ManualClock, Millis, rfc3339};
use crate::domain::NewEvent;
use crate::domain::abandonment::{ABANDONED, effect};
use crate::events;

const T0: Millis = 1_700_000_000_000;

/// `at` as the abandoned event carries it: in the checkout's offset (UTC here,
/// as the test's checkouts are), to the second.
fn in_checkout_offset(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
const MINUTE: Duration = Duration::from_secs(60);

struct Shop {
    store: SharedStore,
    clock: ManualClock,
    place: Place,
}

impl Shop {
    async fn open() -> Self {
        let place = Place::new().await;
        let clock = ManualClock::new(T0);
        let store = place.open().await;
        shop_with_webhook(&store, T0, &[ABANDONED]).await;
        Self {
            store,
            clock,
            place,
        }
    }

    /// Posts an event of `kind` for checkout 42, created at `created`.
    async fn post(&self, kind: &str, id: &str, created: Millis, note: &str) -> usize {
        let text = json!({
            "id": id, "type": kind, "shop": "s", "occurred_at": rfc3339(self.clock.now()),
            "data": {"checkout": {"id": 42, "created_at": rfc3339(created), "note": note}},
        })
        .to_string();
        let event = events::parse(&text).unwrap();
        let new = NewEvent {
            timer: effect(&event),
            shop: "s".into(),
            id: event.id,
            kind: event.kind,
            body: text,
        };
        self.store
            .ingest(new, self.clock.now())
            .await
            .unwrap()
            .deliveries
            .len()
    }

    async fn fire(&self) -> usize {
        self.store
            .fire_timers(self.clock.now(), 1000)
            .await
            .unwrap()
            .fired
    }

    /// Kait's own `checkout.abandoned` for checkout 42, as (occurred_at, note).
    async fn abandoned(&self) -> Option<(String, String)> {
        let stored = self.store.event("s", "evt_abandoned_42").await.unwrap()?;
        assert_eq!(stored.kind, ABANDONED);
        let event: serde_json::Value = serde_json::from_str(&stored.body).unwrap();
        let note = event["data"]["checkout"]["note"]
            .as_str()
            .unwrap_or_default();
        Some((
            event["occurred_at"].as_str().unwrap().to_string(),
            note.to_string(),
        ))
    }
}

#[tokio::test]
async fn a_checkout_paid_in_time_is_never_called_abandoned() {
    for payment in ["checkout.completed", "order.paid"] {
        let shop = Shop::open().await;
        shop.post("checkout.started", "e1", T0, "").await;
        shop.clock.advance(59 * MINUTE);
        shop.post(payment, "e2", T0, "").await;
        shop.clock.advance(24 * 60 * MINUTE);
        assert_eq!(shop.fire().await, 0, "{payment}");
        assert_eq!(shop.abandoned().await, None, "{payment}");
    }
}

#[tokio::test]
async fn an_unpaid_checkout_is_abandoned_once_at_sixty_minutes() {
    let shop = Shop::open().await;
    shop.post("checkout.started", "e1", T0, "cart").await;
    assert_eq!(shop.store.next_timer().await.unwrap(), Some(T0 + 3_600_000));
    shop.clock.advance(60 * MINUTE - Duration::from_millis(1));
    assert_eq!(shop.fire().await, 0);
    shop.clock.advance(Duration::from_millis(1));
    assert_eq!(shop.fire().await, 1);
    assert_eq!(shop.fire().await, 0);
    shop.clock.advance(24 * 60 * MINUTE);
    assert_eq!(shop.fire().await, 0);
    let expected = Some((in_checkout_offset(T0 + 3_600_000), "cart".to_string()));
    assert_eq!(shop.abandoned().await, expected);
    // A payment after the abandonment does not retract it.
    shop.post("order.paid", "e2", T0, "").await;
    assert_eq!(shop.abandoned().await, expected);
    assert_eq!(shop.store.next_timer().await.unwrap(), None);
}

#[tokio::test]
async fn a_deadline_that_passes_while_kait_is_down_fires_at_start() {
    let shop = Shop::open().await;
    shop.post("checkout.started", "e1", T0, "cart").await;
    shop.store.close().await;
    shop.clock.advance(3 * 60 * MINUTE);
    let store = shop.place.open().await;
    let now = shop.clock.now();
    assert_eq!(store.fire_timers(now, 1000).await.unwrap().fired, 1);
    assert_eq!(store.fire_timers(now, 1000).await.unwrap().fired, 0);
}

#[tokio::test]
async fn a_second_start_updates_the_data_but_not_the_deadline() {
    let shop = Shop::open().await;
    shop.post("checkout.started", "e1", T0, "first").await;
    shop.clock.advance(30 * MINUTE);
    shop.post("checkout.started", "e2", T0 + 30 * 60_000, "second")
        .await;
    shop.clock.advance(30 * MINUTE);
    assert_eq!(shop.fire().await, 1);
    assert_eq!(
        shop.abandoned().await,
        Some((in_checkout_offset(T0 + 3_600_000), "second".to_string()))
    );
}

#[tokio::test]
async fn an_abandonment_the_platform_sends_replaces_kaits_own() {
    let shop = Shop::open().await;
    shop.post("checkout.started", "e1", T0, "").await;
    shop.clock.advance(10 * MINUTE);
    assert_eq!(
        shop.post(ABANDONED, "platform", T0, "theirs").await,
        1,
        "delivered as usual"
    );
    shop.clock.advance(24 * 60 * MINUTE);
    assert_eq!(shop.fire().await, 0);
    assert_eq!(shop.abandoned().await, None, "Kait emits none of its own");
}

#[tokio::test]
async fn each_shop_has_its_own_window() {
    let shop = Shop::open().await;
    shop.store
        .set_abandonment_window("s", 10 * MINUTE)
        .await
        .unwrap();
    shop.post("checkout.started", "e1", T0, "").await;
    shop.clock.advance(10 * MINUTE - Duration::from_millis(1));
    assert_eq!(shop.fire().await, 0);
    shop.clock.advance(Duration::from_millis(1));
    assert_eq!(shop.fire().await, 1);
}

#[tokio::test]
async fn a_checkout_started_long_ago_is_due_at_once_and_goes_to_subscribers() {
    let shop = Shop::open().await;
    shop.post("checkout.started", "e1", T0 - 2 * 3_600_000, "")
        .await;
    let fired = shop
        .store
        .fire_timers(shop.clock.now(), 1000)
        .await
        .unwrap();
    assert_eq!((fired.fired, fired.deliveries), (1, 1));
}
