//! Dry run: a plugin version transforms an event with a configuration through the
//! delivery's own plan stage (same runtime, limits and request checks), and
//! nothing is sent. Each request is then checked by the delivery's destination
//! guard (the same rules, and the same resolver for host names), so a request a
//! delivery would refuse is reported refused, not sendable. The API and the
//! merchant's page both run it here.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Error, Service};
use crate::domain::{ErrorKind, PluginName, PluginRef, Refused};
use crate::events;
use crate::redact::scrub;
use crate::registry::Entry;
use crate::runtime::{Action, OutgoingRequest};
use crate::worker::{Verdict, action_limits, plan};

/// What to run a dry run on.
pub struct DryRunInput {
    /// An event in the event format; its `shop` is taken to be this shop.
    pub event: Option<Value>,
    /// Or a sample event of this type (default `order.paid`).
    pub sample: Option<String>,
    /// The webhook configuration to run with.
    pub config: Value,
}

/// What a dry run did, secrets masked.
pub struct DryRun {
    /// `name@version` that ran.
    pub plugin: String,
    /// `send`, `skip` or `error` (also when the destination guard refuses a
    /// request: `error.code` is `destination_refused`).
    pub outcome: &'static str,
    /// The action: `{"send": [requests]}` or `{"skip": reason}`. A request the
    /// destination guard refuses carries `refused`: why.
    pub action: Option<Value>,
    /// Why there is no usable action: `{code, message}`.
    pub error: Option<Value>,
    /// The plugin's `host.log` lines.
    pub logs: Vec<Value>,
    /// What it printed to stdout and stderr.
    pub output: String,
    /// Time of the transform call, instantiation included.
    pub duration_ms: f64,
}

impl Service {
    /// Runs a version on an event and a configuration exactly as a delivery would
    /// (the same plan stage: runtime, limits and request checks); sends nothing.
    pub async fn dry_run(
        &self,
        shop: &str,
        name: &str,
        version: &str,
        input: DryRunInput,
    ) -> Result<DryRun, Error> {
        let found = self.plugin_version(shop, name, version).await?;
        let reference = PluginRef::exact(PluginName::parse(name)?, &found.version);
        let entry = self
            .registry
            .resolve(shop, &reference)
            .await
            .map_err(|e| Refused::invalid("plugin_unavailable", e.to_string()))?;
        let event = events::parse(&dry_run_event(shop, &input)?)
            .map_err(|e| Refused::invalid("invalid_event", e.to_string()))?;
        self.check_config(shop, &entry, &input.config).await?;
        let limits = action_limits(&self.config);
        let planned = plan::transform(
            &self.runtime,
            limits,
            &entry,
            event,
            input.config.to_string(),
        )
        .await;
        let refusals = match &planned.verdict {
            Verdict::Send(requests) => self.refusals(requests).await,
            _ => Vec::new(),
        };
        let mut ran = report(&entry, &input.config, planned);
        mark_refused(&mut ran, refusals);
        Ok(ran)
    }

    /// For each request, why the destination guard would refuse it, if it would.
    async fn refusals(&self, requests: &[OutgoingRequest]) -> Vec<Option<String>> {
        let mut refusals = Vec::with_capacity(requests.len());
        for request in requests {
            let refused = self.pipeline.refusal(&request.url).await;
            refusals.push(refused.map(|r| r.to_string()));
        }
        refusals
    }
}

/// The dry run's event as text: the one given, or a sample; its shop is `shop`.
fn dry_run_event(shop: &str, input: &DryRunInput) -> Result<String, Error> {
    let mut event: Value = match (&input.event, &input.sample) {
        (Some(_), Some(_)) => {
            return Err(
                Refused::invalid("invalid_request", "give an event or a sample, not both").into(),
            );
        }
        (Some(event), None) => event.clone(),
        (None, sample) => {
            let kind = sample.as_deref().unwrap_or(events::DEFAULT_SAMPLE);
            let text = events::sample(kind).ok_or_else(|| {
                Refused::invalid(
                    "unknown_event_type",
                    format!(
                        "no sample {kind:?}; expected one of: {}",
                        events::TYPES.join(", ")
                    ),
                )
            })?;
            serde_json::from_str(text).map_err(|e| Error::Internal(e.to_string()))?
        }
    };
    if let Some(object) = event.as_object_mut() {
        object.insert("shop".into(), shop.into());
    }
    Ok(event.to_string())
}

/// The dry run's report of a plan, every secret of `config` scrubbed.
fn report(entry: &Arc<Entry>, config: &Value, planned: plan::Planned) -> DryRun {
    let secrets = entry.secrets.values(config);
    let failed = |code: &str, message: &str| {
        Some(json!({"code": code, "message": scrub(message, &secrets)}))
    };
    let shown = |action: &Action| {
        let rendered = crate::render::action(action);
        serde_json::from_str(&scrub(&rendered.to_string(), &secrets)).unwrap_or(rendered)
    };
    let plan::Planned {
        verdict,
        logs,
        output,
        duration,
        ..
    } = planned;
    let (outcome, action, error) = match verdict {
        Verdict::Send(requests) => ("send", Some(shown(&Action::Send(requests))), None),
        Verdict::Skip(reason) => ("skip", Some(shown(&Action::Skip(reason))), None),
        Verdict::Failed {
            kind,
            error,
            action,
        } => (
            "error",
            action.as_ref().map(shown),
            failed(kind.as_str(), &error),
        ),
    };
    DryRun {
        plugin: entry.label(),
        outcome,
        action,
        error,
        logs: logs
            .iter()
            .map(|l| json!({"level": l.level, "message": scrub(&l.message, &secrets)}))
            .collect(),
        output: scrub(&output, &secrets),
        duration_ms: (duration.as_secs_f64() * 1e6).round() / 1e3,
    }
}

/// Marks each refused request of a `send`, and makes the outcome an error naming
/// the first (`destination_refused`).
fn mark_refused(ran: &mut DryRun, refusals: Vec<Option<String>>) {
    let Some(requests) = ran
        .action
        .as_mut()
        .and_then(|a| a.get_mut("send"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let mut first = None;
    for (n, (request, refused)) in requests.iter_mut().zip(refusals).enumerate() {
        if let Some(refused) = refused {
            first.get_or_insert_with(|| format!("request {}: {refused}", n + 1));
            request["refused"] = refused.into();
        }
    }
    if let Some(message) = first {
        ran.outcome = "error";
        let code = ErrorKind::DestinationRefused.as_str();
        ran.error = Some(json!({"code": code, "message": message}));
    }
}
