//! Checkout abandonment: Kait keeps the seed's 60-minute rule itself.
//!
//! `checkout.started` starts a timer for its checkout, due at the checkout's
//! `created_at` plus the shop's window (60 minutes unless the shop set 5 minutes to
//! 7 days). A later `checkout.started` for the same checkout updates the data, not
//! the deadline. `checkout.completed` or `order.paid` before the deadline cancels
//! it; so does a `checkout.abandoned` the platform sends itself, so there are never
//! two. When the deadline passes, Kait emits `checkout.abandoned` exactly once with
//! the latest data, through the normal pipeline. A payment after that does not
//! retract it.
//!
//! Timers live in the store with their due times indexed: waiting costs nothing,
//! and [`run`] sleeps until the next one is due (or ingest says an earlier one was
//! made). Timers that fell due while Kait was down fire at start-up.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Millis;
use crate::runtime::Event;
use crate::service::Service;

/// The default window: the seed's 60 minutes.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60 * 60);
/// The shortest window a shop may set.
pub const MIN_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The longest window a shop may set.
pub const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Most timers fired in one transaction.
const FIRE_BATCH: usize = 1000;

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

/// The timer effect of `event`, if it has one.
pub fn effect(event: &Event) -> Option<TimerEffect> {
    // Most events touch no timer: decide by type before parsing the payload again.
    const TIMED: [&str; 4] = [
        "checkout.started",
        "checkout.completed",
        "order.paid",
        "checkout.abandoned",
    ];
    if !TIMED.contains(&event.kind.as_str()) {
        return None;
    }
    let data: serde_json::Value = serde_json::from_str(&event.payload).ok()?;
    let checkout = &data["checkout"];
    let id = match &checkout["id"] {
        serde_json::Value::String(id) if !id.is_empty() => id.clone(),
        serde_json::Value::Number(id) => id.to_string(),
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
        "checkout.abandoned" => Some(TimerEffect::Cancel {
            checkout: id,
            before_deadline_only: false,
        }),
        _ => None,
    }
}

/// Fires every timer due now; returns how many fired.
pub async fn fire_due(service: &Service) -> Result<usize, crate::store::StoreError> {
    let mut fired = 0;
    loop {
        let now = service.clock.now();
        let batch = service.store.fire_timers(now, FIRE_BATCH).await?;
        fired += batch.fired;
        if batch.deliveries > 0 {
            service.wake.notify_one();
        }
        for _ in 0..batch.fired {
            service.metrics.event_accepted("checkout.abandoned");
        }
        if batch.fired < FIRE_BATCH {
            return Ok(fired);
        }
    }
}

/// Fires timers as they fall due until `stop` turns true.
pub async fn run(service: Arc<Service>, mut stop: watch::Receiver<bool>) {
    // A clock jump or a missed notification costs at most this long.
    let most = Duration::from_secs(60);
    while !*stop.borrow() {
        if let Err(error) = fire_due(&service).await {
            tracing::error!("firing abandonment timers failed: {error}");
        }
        let wait = match service.store.next_timer().await {
            Ok(Some(due)) => {
                let wait = (due - service.clock.now()).max(1) as u64;
                Duration::from_millis(wait).min(most)
            }
            Ok(None) => most,
            Err(error) => {
                tracing::error!("reading abandonment timers failed: {error}");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = service.timers_changed.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests;
