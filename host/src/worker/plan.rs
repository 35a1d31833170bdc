//! Stage one of an attempt, shared with the dry run: resolve the plugin version,
//! run its transform on the event and the configuration, and check the action it
//! returns. Nothing is sent here.

use std::sync::Arc;
use std::time::Duration;

use crate::delivery::checks::{self, ActionLimits};
use crate::domain::{Claimed, ErrorKind};
use crate::events;
use crate::registry::{Entry, Registry};
use crate::runtime::{Action, CallError, Event, LogLine, OutgoingRequest, Runtime};

/// What the plugin's action comes to.
#[derive(Debug)]
pub enum Verdict {
    /// Send these requests (checked).
    Send(Vec<OutgoingRequest>),
    /// Send nothing, for this reason.
    Skip(String),
    /// No usable action. `action` is what the plugin returned, when it returned
    /// one that the checks refused.
    Failed {
        /// What kind of failure.
        kind: ErrorKind,
        /// The failure, in words.
        error: String,
        /// The refused action, if there was one.
        action: Option<Action>,
    },
}

/// The plan stage's result: the verdict, and what the plugin said on the way.
#[derive(Debug)]
pub struct Planned {
    /// What to do.
    pub verdict: Verdict,
    /// The plugin's `host.log` lines.
    pub logs: Vec<LogLine>,
    /// What it printed to stdout and stderr.
    pub output: String,
    /// Time of the transform call, instantiation included.
    pub duration: Duration,
    /// Whether the plugin was called (a plan can fail before it is).
    pub ran: bool,
}

impl Planned {
    /// A plan that failed before the plugin ran.
    fn failed(kind: ErrorKind, error: String) -> Self {
        Self {
            verdict: Verdict::Failed {
                kind,
                error,
                action: None,
            },
            logs: Vec::new(),
            output: String::new(),
            duration: Duration::ZERO,
            ran: false,
        }
    }
}

/// The `error_kind` of a failed plugin call.
pub fn call_error_kind(error: &CallError) -> ErrorKind {
    match error {
        CallError::InvalidConfig(_) => ErrorKind::InvalidConfig,
        CallError::InvalidEvent(_) => ErrorKind::InvalidEvent,
        CallError::Failed(_) => ErrorKind::PluginFailed,
        CallError::Limit { .. } => ErrorKind::PluginLimit,
        CallError::Trap(_) => ErrorKind::PluginTrap,
        CallError::Instantiate(_) => ErrorKind::PluginInstantiate,
    }
}

/// Runs `entry`'s transform on `event` with `config` (JSON text), off the async
/// threads, and checks the action against `limits`.
pub async fn transform(
    runtime: &Runtime,
    limits: ActionLimits,
    entry: &Arc<Entry>,
    event: Event,
    config: String,
) -> Planned {
    let (runtime, entry) = (runtime.clone(), entry.clone());
    let called =
        tokio::task::spawn_blocking(move || runtime.transform(&entry.plugin, &event, &config))
            .await;
    let called = match called {
        Ok(called) => called,
        Err(error) => {
            let error = format!("the plugin call was lost: {error}");
            return Planned::failed(ErrorKind::PluginTrap, error);
        }
    };
    let verdict = match called.result {
        Ok(Action::Send(requests)) => match checks::check(&requests, limits) {
            Ok(()) => Verdict::Send(requests),
            Err(error) => Verdict::Failed {
                kind: ErrorKind::InvalidRequest,
                error: format!("the plugin's action was refused: {error}"),
                action: Some(Action::Send(requests)),
            },
        },
        Ok(Action::Skip(reason)) => Verdict::Skip(reason),
        Err(error) => Verdict::Failed {
            kind: call_error_kind(&error),
            error: error.to_string(),
            action: None,
        },
    };
    Planned {
        verdict,
        logs: called.logs,
        output: called.output,
        duration: called.duration,
        ran: true,
    }
}

/// The plan for one claimed delivery: the webhook's plugin resolved now (a retry
/// uses the version the webhook points at today), the stored event parsed, then
/// [`transform`]. Returns the version that ran, when one resolved.
#[tracing::instrument(name = "plan", skip_all)]
pub async fn plan(
    registry: &Registry,
    runtime: &Runtime,
    limits: ActionLimits,
    claimed: &Claimed,
) -> (Option<Arc<Entry>>, Planned) {
    let webhook = &claimed.webhook;
    let entry = match registry.resolve(&webhook.shop_id, &webhook.plugin).await {
        Ok(entry) => entry,
        Err(error) => {
            return (
                None,
                Planned::failed(ErrorKind::PluginMissing, error.to_string()),
            );
        }
    };
    let planned = match events::parse(&claimed.event.body) {
        Ok(event) => transform(runtime, limits, &entry, event, webhook.config.clone()).await,
        Err(error) => Planned::failed(
            ErrorKind::InvalidEvent,
            format!("the stored event no longer parses: {error}"),
        ),
    };
    (Some(entry), planned)
}
