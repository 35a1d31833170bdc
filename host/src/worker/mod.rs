//! The workers: claim due deliveries with a lease, attempt each, record the result.
//!
//! One dispatcher claims as many due deliveries as there are free worker slots and
//! runs each attempt as its own task. When nothing is due it sleeps until ingest
//! wakes it, the next delivery falls due, or a second passes. On shutdown it stops
//! claiming and gives attempts in flight a grace period to finish; anything still
//! running then is claimed again after its lease by the next start.

mod attempt;
pub mod retry;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::service::Service;
use crate::store::Claimed;

pub use attempt::run as attempt;

/// Most deliveries claimed in one go.
const CLAIM_BATCH: usize = 256;

/// Runs the workers until `stop` turns true, then drains in-flight attempts for up
/// to the configured grace period.
pub async fn run(service: Arc<Service>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(service.config.workers));
    let mut tasks = JoinSet::new();
    let lease = service.config.lease.as_millis() as i64;
    while !*stop.borrow() {
        while tasks.try_join_next().is_some() {}
        let free = slots.available_permits();
        if free == 0 {
            tokio::select! {
                _ = tasks.join_next() => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let now = service.clock.now();
        let claimed = match service.store.claim(now, lease, free.min(CLAIM_BATCH)).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::error!("claiming deliveries failed: {error}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let drained = claimed.len() < free.min(CLAIM_BATCH);
        for job in claimed {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            let service = service.clone();
            tasks.spawn(async move {
                process(&service, job).await;
                drop(permit);
            });
        }
        if drained {
            let wait = until_next_due(&service).await;
            tokio::select! {
                _ = service.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
    let grace = service.config.shutdown_grace;
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            "{} deliveries still in flight after {grace:?}; they will be retried after their lease",
            tasks.len()
        );
    }
}

/// Attempts one claimed delivery and records the attempt.
pub async fn process(service: &Service, job: Claimed) {
    let record = attempt(service, &job).await;
    match service.store.record(record).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(delivery = %job.id, "lease lost; the attempt was not recorded"),
        Err(error) => tracing::error!(delivery = %job.id, "recording an attempt failed: {error}"),
    }
}

async fn until_next_due(service: &Service) -> Duration {
    let most = Duration::from_secs(1);
    match service.store.next_due().await {
        Ok(Some(due)) => {
            let wait = due - service.clock.now();
            Duration::from_millis(wait.clamp(1, most.as_millis() as i64) as u64)
        }
        _ => most,
    }
}
