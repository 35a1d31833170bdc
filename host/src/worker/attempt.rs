//! One attempt at one delivery, in stages: run the webhook's plugin, send what it
//! asked for, then decide what happens next (done, retry, dead, disable).

use std::time::Instant;

use serde_json::{Value, json};

use super::retry;
use crate::delivery::checks::{self, ActionLimits};
use crate::delivery::{Exchange, Signer};
use crate::events;
use crate::runtime::{Action, Called, OutgoingRequest};
use crate::service::Service;
use crate::store::{AttemptRecord, Claimed, DeliveryStatus, Next, WebhookEffect};

/// What the plugin stage produced.
enum Planned {
    Send(Vec<OutgoingRequest>),
    Skip(String),
    Failed { kind: &'static str, error: String },
}

/// Runs the attempt and returns what to record. Never fails: every failure is an
/// outcome of the attempt.
#[tracing::instrument(skip_all, fields(delivery = %claimed.id, webhook = %claimed.webhook.id))]
pub async fn run(service: &Service, claimed: &Claimed) -> AttemptRecord {
    let at = service.clock.now();
    let started = Instant::now();
    let webhook = &claimed.webhook;
    // Resolved now, at every attempt: a retry uses the version the webhook points
    // at today, and this attempt keeps the one it started with.
    let entry = service
        .registry
        .resolve(&webhook.shop_id, &webhook.plugin)
        .await;
    let plugin = entry
        .as_ref()
        .map_or_else(|_| webhook.plugin.clone(), |e| e.label());
    let (planned, logs) = match &entry {
        Err(error) => (
            Planned::Failed {
                kind: "plugin_missing",
                error: error.to_string(),
            },
            Value::Array(Vec::new()),
        ),
        Ok(entry) => transform(service, claimed, entry).await,
    };
    let config: Value = serde_json::from_str(&webhook.config).unwrap_or_default();
    let mut secrets = entry
        .as_ref()
        .map(|e| e.secrets.values(&config))
        .unwrap_or_default();
    secrets.push(webhook.signing_secret.clone());

    let mut exchanges: Vec<Exchange> = Vec::new();
    let (outcome, failure) = match planned {
        Planned::Skip(reason) => ("skipped", Some(("skipped", reason))),
        Planned::Failed { kind, error } => ("failed", Some((kind, error))),
        Planned::Send(requests) => {
            let signer = Signer {
                id: &claimed.id,
                secret: &webhook.signing_secret,
                timestamp: service.clock.now() / 1000,
            };
            let mut failure = None;
            for request in &requests {
                let exchange = service.sender.send(request, &signer, &secrets).await;
                if !exchange.succeeded() {
                    failure = Some((
                        exchange.error_kind.unwrap_or("http_status"),
                        exchange.error.clone().unwrap_or_default(),
                    ));
                }
                exchanges.push(exchange);
                if failure.is_some() {
                    break;
                }
            }
            (
                if failure.is_some() {
                    "failed"
                } else {
                    "succeeded"
                },
                failure,
            )
        }
    };
    let duration = started.elapsed();
    let attempts = claimed.attempts + 1;
    let (next, effect) = match outcome {
        "succeeded" => (
            Next::Done(DeliveryStatus::Succeeded),
            WebhookEffect::Succeeded,
        ),
        "skipped" => (Next::Done(DeliveryStatus::Skipped), WebhookEffect::None),
        _ if exchanges.last().is_some_and(Exchange::gone) => (
            Next::Dead,
            WebhookEffect::Disable("the destination answered 410 Gone".to_string()),
        ),
        _ => {
            let config = &service.config;
            let asked = exchanges.last().and_then(|e| e.retry_after);
            let wait = retry::next_wait(
                &config.retry_schedule,
                config.retry_jitter,
                attempts,
                asked,
                &mut rand::rng(),
            );
            let next = match wait {
                Some(wait) => Next::RetryAt(service.clock.now() + wait.as_millis() as i64),
                None => Next::Dead,
            };
            let disable_after = config.disable_after.as_millis() as i64;
            (next, WebhookEffect::Failed { disable_after })
        }
    };
    let metric = if next == Next::Dead && outcome == "failed" {
        "dead"
    } else {
        outcome
    };
    service.metrics.attempt(metric, duration.as_secs_f64());
    let (error_kind, error) = match failure {
        Some((kind, error)) => (
            Some(kind.to_string()),
            Some(crate::redact::scrub(&error, &secrets)),
        ),
        None => (None, None),
    };
    if let Some(error) = &error {
        tracing::info!(
            attempt = attempts,
            kind = error_kind.as_deref(),
            "attempt {outcome}: {error}"
        );
    }
    AttemptRecord {
        delivery: claimed.id.clone(),
        lease: claimed.lease,
        at,
        duration_ms: duration.as_millis() as u64,
        outcome,
        error_kind,
        error,
        plugin,
        logs: logs.to_string(),
        requests: serde_json::to_string(&exchanges).unwrap_or_else(|_| "[]".into()),
        next,
        webhook: effect,
    }
}

async fn transform(
    service: &Service,
    claimed: &Claimed,
    entry: &std::sync::Arc<crate::registry::Entry>,
) -> (Planned, Value) {
    let event = match events::parse(&claimed.event.body) {
        Ok(event) => event,
        Err(error) => {
            let error = format!("the stored event no longer parses: {error}");
            return (
                Planned::Failed {
                    kind: "invalid_event",
                    error,
                },
                json!([]),
            );
        }
    };
    let runtime = service.runtime.clone();
    let (entry, config) = (entry.clone(), claimed.webhook.config.clone());
    let called: Called<Action> = match tokio::task::spawn_blocking(move || {
        runtime.transform(&entry.plugin, &event, &config)
    })
    .await
    {
        Ok(called) => called,
        Err(error) => {
            let error = format!("the plugin call was lost: {error}");
            return (
                Planned::Failed {
                    kind: "plugin_trap",
                    error,
                },
                json!([]),
            );
        }
    };
    service.metrics.plugin_call(called.duration.as_secs_f64());
    let logs = json!(
        called
            .logs
            .iter()
            .map(|line| json!({"level": line.level, "message": line.message}))
            .collect::<Vec<_>>()
    );
    let limits = ActionLimits {
        max_requests: service.config.max_requests_per_event,
        max_body_bytes: service.config.max_request_body_bytes,
    };
    let planned = match called.result {
        Ok(Action::Send(requests)) => match checks::check(&requests, limits) {
            Ok(()) => Planned::Send(requests),
            Err(error) => Planned::Failed {
                kind: "invalid_request",
                error: format!("the plugin's action was refused: {error}"),
            },
        },
        Ok(Action::Skip(reason)) => Planned::Skip(reason),
        Err(error) => Planned::Failed {
            kind: error.code(),
            error: error.to_string(),
        },
    };
    (planned, logs)
}
