//! The abandonment timers' runner: fires each checkout's timer as it falls due
//! (the rule itself is [`crate::domain::abandonment`]).
//!
//! Timers live in the store with their due times indexed: waiting costs nothing,
//! and [`run`] sleeps until the next one is due (or is woken: an earlier one was
//! started). Timers that fell due while Kait was down fire at start-up.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::domain::abandonment::ABANDONED;
use crate::metrics::Metrics;
use crate::signals::Wake;
use crate::store::{SharedStore, StoreError};

/// Most timers fired in one transaction.
const FIRE_BATCH: usize = 1000;

/// What the timers need.
#[derive(Clone)]
pub struct Timers {
    /// Where timers are kept.
    pub store: SharedStore,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Rung when a timer is started.
    pub started: Arc<dyn Wake>,
    /// Rung when fired timers created deliveries.
    pub deliveries: Arc<dyn Wake>,
    /// Counts the events emitted.
    pub metrics: Arc<Metrics>,
}

impl Timers {
    /// Fires every timer due now; returns how many fired.
    pub async fn fire_due(&self) -> Result<usize, StoreError> {
        let mut fired = 0;
        loop {
            let batch = self.store.fire_timers(self.clock.now(), FIRE_BATCH).await?;
            fired += batch.fired;
            if batch.deliveries > 0 {
                self.deliveries.notify();
            }
            for _ in 0..batch.fired {
                self.metrics.event_accepted(ABANDONED);
            }
            if batch.fired < FIRE_BATCH {
                return Ok(fired);
            }
        }
    }

    /// Fires timers as they fall due until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        // A clock jump or a missed wake-up costs at most this long.
        let most = Duration::from_secs(60);
        while !*stop.borrow() {
            if let Err(error) = self.fire_due().await {
                tracing::error!("firing abandonment timers failed: {error}");
            }
            let wait = match self.store.next_timer().await {
                Ok(Some(due)) => {
                    let wait = (due - self.clock.now()).max(1) as u64;
                    Duration::from_millis(wait).min(most)
                }
                Ok(None) => most,
                Err(error) => {
                    tracing::error!("reading abandonment timers failed: {error}");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = self.started.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
