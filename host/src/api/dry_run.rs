//! Dry run: a plugin version transforms an event with a configuration, exactly as a
//! delivery would (same runtime, limits and request checks), and nothing is sent.
//! An integrator checks a new version this way before pointing a webhook at it.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use super::webhooks::checked;
use crate::delivery::checks::{self, ActionLimits};
use crate::events;
use crate::redact::scrub;
use crate::runtime::Action;

/// What to run the plugin on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRun {
    /// An event in the event format; its `shop` is taken to be this shop.
    #[schema(value_type = Option<Object>)]
    event: Option<Value>,
    /// Or a sample event of this type (default `order.paid`).
    sample: Option<String>,
    /// The webhook configuration to run with.
    #[schema(value_type = Object)]
    config: Value,
}

/// What the plugin did.
#[derive(Serialize, ToSchema)]
pub struct DryRunResult {
    /// `name@version` that ran.
    plugin: String,
    /// `send`, `skip` or `error`.
    outcome: &'static str,
    /// The action: `{"send": [requests]}` or `{"skip": reason}`; secrets masked.
    #[schema(value_type = Option<Object>)]
    action: Option<Value>,
    /// Why there is no usable action: `{code, message}`.
    #[schema(value_type = Option<Object>)]
    error: Option<Value>,
    /// The plugin's `host.log` lines.
    #[schema(value_type = Vec<Object>)]
    logs: Vec<Value>,
    /// What it printed to stdout and stderr.
    output: String,
    /// Time of the transform call, instantiation included.
    duration_ms: f64,
}

fn event_text(shop: &str, body: &DryRun) -> Result<String, ApiError> {
    let mut event: Value = match (&body.event, &body.sample) {
        (Some(_), Some(_)) => {
            return Err(ApiError::unprocessable(
                "invalid_request",
                "give an event or a sample, not both",
            ));
        }
        (Some(event), None) => event.clone(),
        (None, sample) => {
            let kind = sample.as_deref().unwrap_or("order.paid");
            let text = events::sample(kind).ok_or_else(|| {
                ApiError::unprocessable(
                    "unknown_event_type",
                    format!(
                        "no sample {kind:?}; expected one of: {}",
                        events::TYPES.join(", ")
                    ),
                )
            })?;
            serde_json::from_str(text).map_err(ApiError::internal)?
        }
    };
    if let Some(object) = event.as_object_mut() {
        object.insert("shop".into(), shop.into());
    }
    Ok(event.to_string())
}

/// Runs a version on an event and a configuration; delivers nothing.
#[utoipa::path(post, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}/dry-run", tag = "plugins",
    request_body = DryRun,
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name"),
        ("version" = String, Path, description = "A version id, or `latest`")),
    responses((status = 200, body = DryRunResult), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The event or the configuration is refused")))]
pub async fn dry_run(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name, version)): Path<(String, String, String)>,
    Json(body): Json<DryRun>,
) -> Result<Json<DryRunResult>, ApiError> {
    caller.reach(&shop)?;
    let found = super::plugins::one_version(&state, &shop, &name, &version)?;
    let service = &state.service;
    let reference = format!("{name}@{}", found.version);
    let entry = service
        .registry
        .resolve(&shop, &reference)
        .await
        .map_err(|e| ApiError::unprocessable("plugin_unavailable", e.to_string()))?;
    let event = events::parse(&event_text(&shop, &body)?)
        .map_err(|e| ApiError::unprocessable("invalid_event", e.to_string()))?;
    checked(&state, &shop, &entry, &body.config).await?;
    let runtime = service.runtime.clone();
    let (running, config) = (entry.clone(), body.config.to_string());
    let called =
        tokio::task::spawn_blocking(move || runtime.transform(&running.plugin, &event, &config))
            .await
            .map_err(ApiError::internal)?;
    let secrets = entry.secrets.values(&body.config);
    let limits = ActionLimits {
        max_requests: service.config.max_requests_per_event,
        max_body_bytes: service.config.max_request_body_bytes,
    };
    let failed = |code: &str, message: String| {
        Some(json!({"code": code, "message": scrub(&message, &secrets)}))
    };
    let (outcome, action, error) = match &called.result {
        Ok(action @ Action::Send(requests)) => match checks::check(requests, limits) {
            Ok(()) => ("send", Some(crate::render::action(action)), None),
            Err(e) => (
                "error",
                Some(crate::render::action(action)),
                failed(
                    "invalid_request",
                    format!("the action would be refused: {e}"),
                ),
            ),
        },
        Ok(action @ Action::Skip(_)) => ("skip", Some(crate::render::action(action)), None),
        Err(e) => ("error", None, failed(e.code(), e.to_string())),
    };
    let action =
        action.map(|a| serde_json::from_str(&scrub(&a.to_string(), &secrets)).unwrap_or(a));
    Ok(Json(DryRunResult {
        plugin: entry.label(),
        outcome,
        action,
        error,
        logs: called
            .logs
            .iter()
            .map(|l| json!({"level": l.level, "message": scrub(&l.message, &secrets)}))
            .collect(),
        output: scrub(&called.output, &secrets),
        duration_ms: (called.duration.as_secs_f64() * 1e6).round() / 1e3,
    }))
}
