//! Dry run: a plugin version transforms an event with a configuration through the
//! delivery's own plan stage (same runtime, limits and request checks), and
//! nothing is sent. An integrator checks a new version this way before pointing a
//! webhook at it. A request the delivery's destination guard would refuse is
//! reported refused, not sendable (see [`crate::service`]'s dry run).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use crate::service::DryRunInput;

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
    /// `send`, `skip` or `error` (also when the destination guard refuses a
    /// request: `error.code` is `destination_refused`).
    outcome: &'static str,
    /// The action: `{"send": [requests]}` or `{"skip": reason}`; secrets masked.
    /// A request the destination guard refuses carries `refused`: why.
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
    let input = DryRunInput {
        event: body.event,
        sample: body.sample,
        config: body.config,
    };
    let ran = state.service.dry_run(&shop, &name, &version, input).await?;
    Ok(Json(DryRunResult {
        plugin: ran.plugin,
        outcome: ran.outcome,
        action: ran.action,
        error: ran.error,
        logs: ran.logs,
        output: ran.output,
        duration_ms: ran.duration_ms,
    }))
}
