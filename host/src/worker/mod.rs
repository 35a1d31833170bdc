//! The workers: claim due deliveries with a lease, attempt each, record the result.
//!
//! One attempt runs in typed stages, each with its own tracing span:
//! [`plan`] (resolve the plugin, run it, check the action; shared with the dry
//! run), [`send`](send::send) (only the requests not yet done, signed with the
//! webhook's secrets), [`decide`](decide::decide) (a typed [`Outcome`] into what
//! follows for the delivery and the webhook), and record.
//!
//! One dispatcher claims as many due deliveries as there are free worker slots and
//! runs each attempt as its own task. When nothing is due it sleeps until it is
//! woken (new work), the next delivery falls due, or a second passes. On shutdown
//! it stops claiming and gives attempts in flight a grace period to finish;
//! anything still running then is claimed again after its lease by the next start.

mod decide;
pub mod plan;
pub mod retry;
mod send;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::ServeConfig;
use crate::delivery::Sender;
use crate::delivery::checks::ActionLimits;
use crate::delivery::guard::Refused;
use crate::domain::{
    AttemptRecord, Attempted, Claimed, DisableRule, ErrorKind, JsonText, Next, Outcome, json_text,
};
use crate::metrics::Metrics;
use crate::redact::scrub;
use crate::registry::Registry;
use crate::runtime::Runtime;
use crate::signals::Wake;
use crate::store::SharedStore;

pub use decide::Policy;
pub use plan::{Planned, Verdict};

/// Most deliveries claimed in one go.
const CLAIM_BATCH: usize = 256;

/// What attempting a delivery needs, and nothing more.
pub struct Pipeline {
    store: SharedStore,
    registry: Registry,
    runtime: Runtime,
    sender: Sender,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    limits: ActionLimits,
    policy: Policy,
}

impl Pipeline {
    /// The pipeline over these parts, following the settings' limits and policy.
    pub fn new(
        config: &ServeConfig,
        store: SharedStore,
        registry: Registry,
        runtime: Runtime,
        sender: Sender,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            registry,
            runtime,
            sender,
            clock,
            metrics,
            limits: action_limits(config),
            policy: Policy {
                retry_schedule: config.retry_schedule.clone(),
                retry_jitter: config.retry_jitter,
                disable: DisableRule {
                    after: config.disable_after,
                },
            },
        }
    }

    /// Runs one attempt through plan, send and decide, and returns what to
    /// record. Never fails: every failure is an outcome of the attempt.
    #[tracing::instrument(name = "attempt", skip_all, fields(delivery = %claimed.id, webhook = %claimed.webhook.id))]
    pub async fn attempt(&self, claimed: &Claimed) -> AttemptRecord {
        let at = self.clock.now();
        let started = Instant::now();
        let webhook = &claimed.webhook;
        let (entry, planned) =
            plan::plan(&self.registry, &self.runtime, self.limits, claimed).await;
        if planned.ran {
            self.metrics.plugin_call(planned.duration.as_secs_f64());
        }
        let plugin = entry
            .as_ref()
            .map_or_else(|| webhook.plugin.to_string(), |e| e.label());
        let config: Value = serde_json::from_str(&webhook.config).unwrap_or_default();
        let mut secrets = entry
            .as_ref()
            .map(|e| e.secrets.values(&config))
            .unwrap_or_default();
        let now = self.clock.now();
        let keys = webhook.signing_secrets(now);
        secrets.extend(keys.iter().map(|key| key.to_string()));

        // Nothing sent: what was done before stays done.
        let unsent = || send::Sent {
            done: claimed.done_requests.clone(),
            ..send::Sent::default()
        };
        let (outcome, failure, sent) = match planned.verdict {
            Verdict::Skip(reason) => (
                Outcome::Skipped,
                Some((ErrorKind::Skipped, reason)),
                unsent(),
            ),
            Verdict::Failed { kind, error, .. } => {
                let error = with_output(error, &planned.output);
                (Outcome::Failed, Some((kind, error)), unsent())
            }
            Verdict::Send(requests) => {
                let signing = (keys.as_slice(), now / 1000);
                let done = &claimed.done_requests;
                let mut sent = send::send(
                    &self.sender,
                    &claimed.id,
                    signing,
                    &requests,
                    done,
                    &secrets,
                )
                .await;
                let outcome = match sent.failure {
                    Some(_) => Outcome::Failed,
                    None => Outcome::Succeeded,
                };
                (outcome, sent.failure.take(), sent)
            }
        };
        let attempts = claimed.attempts + 1;
        let (next, effect) = decide::decide(
            outcome,
            sent.last(),
            attempts,
            &self.policy,
            self.clock.now(),
            &mut rand::rng(),
        );
        let duration = started.elapsed();
        let metric = match (outcome, next) {
            (Outcome::Failed, Next::Dead) => "dead",
            (outcome, _) => outcome.as_str(),
        };
        self.metrics.attempt(metric, duration.as_secs_f64());
        let (error_kind, error) = match failure {
            Some((kind, error)) => (Some(kind), Some(scrub(&error, &secrets))),
            None => (None, None),
        };
        if let Some(error) = &error {
            tracing::info!(
                attempt = attempts,
                kind = error_kind.map(ErrorKind::as_str),
                "attempt {outcome}: {error}"
            );
        }
        let logs: Vec<Value> = planned
            .logs
            .iter()
            .map(|line| json!({"level": line.level, "message": line.message}))
            .collect();
        AttemptRecord {
            delivery: claimed.id.clone(),
            lease: claimed.lease,
            attempted: Attempted {
                at,
                duration_ms: duration.as_millis() as u64,
                outcome,
                error_kind,
                error,
                plugin,
                logs: as_json(&logs),
                requests: as_json(&sent.entries),
            },
            done_requests: sent.done,
            next,
            webhook: effect,
        }
    }

    /// Why the guard would refuse a request to `url`, as a delivery would find
    /// it, without sending anything (the dry run).
    pub async fn refusal(&self, url: &str) -> Option<Refused> {
        self.sender.refusal(url).await
    }

    /// Attempts one claimed delivery and records the attempt.
    pub async fn process(&self, job: Claimed) {
        let record = self.attempt(&job).await;
        self.record(&job.id, record).await;
    }

    #[tracing::instrument(name = "record", skip_all)]
    async fn record(&self, delivery: &str, record: AttemptRecord) {
        match self.store.record(record).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(delivery, "lease lost; the attempt was not recorded")
            }
            Err(error) => tracing::error!(delivery, "recording an attempt failed: {error}"),
        }
    }
}

/// `value` as JSON text, written once (`[]` if it cannot be).
fn as_json(value: &impl serde::Serialize) -> JsonText {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| json_text("[]".into()))
}

/// The settings' limits on one plugin action.
pub fn action_limits(config: &ServeConfig) -> ActionLimits {
    ActionLimits {
        max_requests: config.max_requests_per_event,
        max_body_bytes: config.max_request_body_bytes,
    }
}

/// How the dispatcher runs: worker slots, the claim's lease, the shutdown grace.
#[derive(Debug, Clone, Copy)]
pub struct Dispatch {
    /// Attempts in flight at most.
    pub workers: usize,
    /// How long a claim holds a delivery.
    pub lease: Duration,
    /// How long in-flight attempts may finish after a stop.
    pub shutdown_grace: Duration,
}

impl Dispatch {
    /// From the settings.
    pub fn from_config(config: &ServeConfig) -> Self {
        Self {
            workers: config.workers,
            lease: config.lease,
            shutdown_grace: config.shutdown_grace,
        }
    }
}

/// Runs the workers until `stop` turns true, then drains in-flight attempts for
/// up to the grace period.
pub async fn run(
    pipeline: Arc<Pipeline>,
    wake: Arc<dyn Wake>,
    dispatch: Dispatch,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(dispatch.workers));
    let mut tasks = JoinSet::new();
    let lease = dispatch.lease.as_millis() as i64;
    let store = &pipeline.store;
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
        let now = pipeline.clock.now();
        let claimed = match store.claim(now, lease, free.min(CLAIM_BATCH)).await {
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
            let pipeline = pipeline.clone();
            tasks.spawn(async move {
                pipeline.process(job).await;
                drop(permit);
            });
        }
        if drained {
            let wait = until_next_due(&pipeline).await;
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
    let grace = dispatch.shutdown_grace;
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            "{} deliveries still in flight after {grace:?}; they will be retried after their lease",
            tasks.len()
        );
    }
}

async fn until_next_due(pipeline: &Pipeline) -> Duration {
    let most = Duration::from_secs(1);
    match pipeline.store.next_due().await {
        Ok(Some(due)) => {
            let wait = due - pipeline.clock.now();
            Duration::from_millis(wait.clamp(1, most.as_millis() as i64) as u64)
        }
        _ => most,
    }
}

/// Most bytes of what a failing plugin printed that its attempt keeps.
const OUTPUT_EXCERPT: usize = 2048;

/// A plugin failure with the end of what the plugin printed, so an exception a
/// JavaScript or Python component printed before trapping shows in the delivery
/// log (a Rust panic's message is already in the error).
fn with_output(error: String, output: &str) -> String {
    let output = output.trim();
    if output.is_empty() || error.contains(output) {
        return error;
    }
    let mut start = output.len().saturating_sub(OUTPUT_EXCERPT);
    while !output.is_char_boundary(start) {
        start += 1;
    }
    let cut = if start > 0 { "…" } else { "" };
    format!("{error}; the plugin printed: {cut}{}", &output[start..])
}
