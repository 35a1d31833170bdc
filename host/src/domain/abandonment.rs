//! Checkout abandonment, the seed's 60-minute rule: which events start and cancel
//! a checkout's timer, the windows a shop may choose, and the `checkout.abandoned`
//! event a timer emits.
//!
//! `checkout.started` starts a timer for its checkout, due at the checkout's
//! `created_at` plus the shop's window. A later `checkout.started` for the same
//! checkout updates the data, not the deadline. `checkout.completed` or
//! `order.paid` before the deadline cancels it; so does a `checkout.abandoned` the
//! platform sends itself, so there are never two. When the deadline passes, Kait
//! emits `checkout.abandoned` exactly once with the latest data. A payment after
//! that does not retract it.

use std::time::Duration;

use serde_json::{Value, json};

use super::{NewEvent, Refused};
use crate::clock::{Millis, rfc3339};
use crate::runtime::Event;

/// The default window: the seed's 60 minutes.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60 * 60);
/// The shortest window a shop may set.
pub const MIN_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The longest window a shop may set.
pub const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The event type a timer emits.
pub const ABANDONED: &str = "checkout.abandoned";

/// Checks a window given in minutes (`invalid_window`).
pub fn window(minutes: u64) -> Result<Duration, Refused> {
    let window = Duration::from_secs(minutes.saturating_mul(60));
    if (MIN_WINDOW..=MAX_WINDOW).contains(&window) {
        Ok(window)
    } else {
        Err(Refused::invalid(
            "invalid_window",
            "abandonment_window_minutes must be from 5 to 10080 (7 days)",
        ))
    }
}

/// What an incoming event does to its checkout's timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerEffect {
    /// Start the timer (or update its data): the checkout was created at this time.
    Start {
        /// The checkout's id.
        checkout: String,
        /// When the checkout was created.
        created_at: Millis,
    },
    /// Cancel the timer if it has not fired; `before_deadline_only` limits that to
    /// arrivals before the deadline (a payment after it does not cancel).
    Cancel {
        /// The checkout's id.
        checkout: String,
        /// Only if it arrives before the deadline.
        before_deadline_only: bool,
    },
}

/// The longest checkout id that gets a timer (its `checkout.abandoned` id,
/// `evt_abandoned_<id>`, must fit an event id).
pub const MAX_CHECKOUT_ID_CHARS: usize = 200;

/// The timer effect of `event`, if it has one. A checkout id that is empty,
/// longer than [`MAX_CHECKOUT_ID_CHARS`] or holds control characters gets none:
/// the event is delivered as usual, without a timer.
pub fn effect(event: &Event) -> Option<TimerEffect> {
    // Most events touch no timer: decide by type before parsing the payload again.
    const TIMED: [&str; 4] = [
        "checkout.started",
        "checkout.completed",
        "order.paid",
        ABANDONED,
    ];
    if !TIMED.contains(&event.kind.as_str()) {
        return None;
    }
    let data: Value = serde_json::from_str(&event.payload).ok()?;
    let checkout = &data["checkout"];
    let id = match &checkout["id"] {
        Value::String(id)
            if !id.is_empty()
                && id.chars().count() <= MAX_CHECKOUT_ID_CHARS
                && !id.contains(char::is_control) =>
        {
            id.clone()
        }
        Value::Number(id) => id.to_string(),
        _ => return None,
    };
    match event.kind.as_str() {
        "checkout.started" => {
            let created = checkout["created_at"]
                .as_str()
                .unwrap_or(&event.occurred_at);
            let created_at = chrono::DateTime::parse_from_rfc3339(created)
                .or_else(|_| chrono::DateTime::parse_from_rfc3339(&event.occurred_at))
                .ok()?
                .timestamp_millis();
            Some(TimerEffect::Start {
                checkout: id,
                created_at,
            })
        }
        "checkout.completed" | "order.paid" => Some(TimerEffect::Cancel {
            checkout: id,
            before_deadline_only: true,
        }),
        ABANDONED => Some(TimerEffect::Cancel {
            checkout: id,
            before_deadline_only: false,
        }),
        _ => None,
    }
}

/// The `checkout.abandoned` event a timer due at `due` emits, carrying the latest
/// checkout data Kait has (`started`, the last `checkout.started` received).
/// Its `occurred_at` is in the shop's offset, as the platform's own events are.
pub fn abandoned_event(shop: &str, checkout: &str, due: Millis, started: &str) -> NewEvent {
    let started: Value = serde_json::from_str(started).unwrap_or_default();
    let id = format!("evt_abandoned_{checkout}");
    let event = json!({
        "id": id,
        "type": ABANDONED,
        "shop": shop,
        "occurred_at": in_shop_offset(due, &started),
        "data": started["data"],
    });
    NewEvent {
        shop: shop.to_string(),
        id,
        kind: ABANDONED.to_string(),
        body: event.to_string(),
        timer: None,
    }
}

/// `at` in the offset of the checkout's `created_at` (else of the started
/// event's `occurred_at`, else UTC), to the second like the platform's events.
fn in_shop_offset(at: Millis, started: &Value) -> String {
    let offset = [
        &started["data"]["checkout"]["created_at"],
        &started["occurred_at"],
    ]
    .into_iter()
    .filter_map(Value::as_str)
    .find_map(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
    .map(|t| *t.offset());
    match (offset, chrono::DateTime::from_timestamp_millis(at)) {
        (Some(offset), Some(utc)) => utc
            .with_timezone(&offset)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        _ => rfc3339(at),
    }
}

/// What one round of firing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    /// Timers fired (each emitted one `checkout.abandoned`).
    pub fired: usize,
    /// Deliveries those events created.
    pub deliveries: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_five_minutes_to_seven_days() {
        assert_eq!(window(5).unwrap(), MIN_WINDOW);
        assert_eq!(window(10080).unwrap(), MAX_WINDOW);
        for bad in [0, 4, 10081, u64::MAX] {
            assert_eq!(window(bad).unwrap_err().code, "invalid_window");
        }
    }

    #[test]
    fn the_abandoned_event_carries_the_latest_data() {
        let started = r#"{"type":"checkout.started","data":{"checkout":{"id":42,"note":"b"}}}"#;
        let event = abandoned_event("s", "42", 0, started);
        assert_eq!(event.id, "evt_abandoned_42");
        let body: Value = serde_json::from_str(&event.body).unwrap();
        assert_eq!(body["data"]["checkout"]["note"], "b");
        assert_eq!(body["type"], ABANDONED);
        assert!(crate::events::parse(&event.body).is_ok());
    }

    #[test]
    fn the_abandoned_event_is_in_the_shops_offset() {
        let due = 1_700_000_000_000; // 2023-11-14T22:13:20Z
        let started = r#"{"occurred_at":"2023-11-14T20:00:00Z","data":{"checkout":{"id":1,"created_at":"2023-11-15T05:13:20+08:00"}}}"#;
        let body: Value =
            serde_json::from_str(&abandoned_event("s", "1", due, started).body).unwrap();
        assert_eq!(body["occurred_at"], "2023-11-15T06:13:20+08:00");

        let no_created_at =
            r#"{"occurred_at":"2023-11-14T20:00:00-05:00","data":{"checkout":{"id":1}}}"#;
        let body: Value =
            serde_json::from_str(&abandoned_event("s", "1", due, no_created_at).body).unwrap();
        assert_eq!(body["occurred_at"], "2023-11-14T17:13:20-05:00");

        let body: Value = serde_json::from_str(&abandoned_event("s", "1", due, "{}").body).unwrap();
        assert_eq!(body["occurred_at"], "2023-11-14T22:13:20.000Z");
    }
}
