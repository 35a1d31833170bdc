//! The delivery log: a webhook's deliveries, one delivery with every attempt,
//! retrying one now, and testing a webhook with a sample event.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, OptionalJson, Path, Query};
use super::schema::EventType;
use super::{AppState, Page, page_limit};
use crate::clock::rfc3339;
use crate::domain::{self, DeliveryPage, DeliveryStatus, ErrorKind, JsonText, Outcome};

/// One attempt at a delivery, as the delivery log shows it.
#[derive(Serialize, ToSchema)]
pub struct Attempt {
    /// 1 for the first attempt.
    n: u32,
    /// When it started (RFC 3339).
    at: String,
    /// How long it took, plugin and requests together.
    duration_ms: u64,
    /// What it came to.
    outcome: Outcome,
    /// What kind of failure.
    error_kind: Option<ErrorKind>,
    /// The failure, in words.
    error: Option<String>,
    /// The plugin version that produced the requests (`name@<version>`).
    plugin: String,
    /// The plugin's log lines.
    #[schema(value_type = Vec<Object>)]
    logs: JsonText,
    /// Each request as sent (secrets redacted) with its response.
    #[schema(value_type = Vec<Object>)]
    requests: JsonText,
}

/// A delivery of one event to one webhook.
#[derive(Serialize, ToSchema)]
pub struct Delivery {
    /// `msg_…`, also the `webhook-id` header, stable across retries.
    id: String,
    /// The webhook.
    webhook_id: String,
    /// The event.
    event_id: String,
    /// The event's type.
    event_type: String,
    /// Where it stands.
    status: DeliveryStatus,
    /// Attempts made.
    attempts: u32,
    /// When the next attempt is due, if one is (RFC 3339).
    next_attempt_at: Option<String>,
    /// The last attempt's error.
    last_error: Option<String>,
    /// Created at (RFC 3339).
    created_at: String,
    /// Last changed at (RFC 3339).
    updated_at: String,
    /// Every attempt, oldest first (only when one delivery is fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt_log: Option<Vec<Attempt>>,
}

impl From<domain::Attempt> for Attempt {
    fn from(attempt: domain::Attempt) -> Self {
        let a = attempt.attempted;
        Self {
            n: attempt.n,
            at: rfc3339(a.at),
            duration_ms: a.duration_ms,
            outcome: a.outcome,
            error_kind: a.error_kind,
            error: a.error,
            plugin: a.plugin,
            logs: a.logs,
            requests: a.requests,
        }
    }
}

impl From<domain::Delivery> for Delivery {
    fn from(d: domain::Delivery) -> Self {
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(rfc3339),
            last_error: d.last_error,
            created_at: rfc3339(d.created_at),
            updated_at: rfc3339(d.updated_at),
            attempt_log: d
                .attempt_log
                .map(|log| log.into_iter().map(Attempt::from).collect()),
        }
    }
}

/// Which deliveries to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this status.
    status: Option<DeliveryStatus>,
    /// At most this many (default 50; 1 to 250).
    #[param(minimum = 1, maximum = 250)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Which sample event to test a webhook with; the body may be left out.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TestWebhook {
    /// The event type; default `order.paid`.
    #[serde(rename = "type")]
    #[schema(value_type = Option<EventType>)]
    kind: Option<String>,
}

/// A webhook's deliveries, newest first.
#[utoipa::path(get, path = "/v1/shops/{shop}/webhooks/{id}/deliveries", operation_id = "list_deliveries", tag = "deliveries",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id"), DeliveryFilter),
    responses((status = 200, body = Page<Delivery>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
    Query(filter): Query<DeliveryFilter>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    caller.reach(&shop)?;
    let page = DeliveryPage {
        status: filter.status,
        limit: page_limit(filter.limit)?,
        cursor: filter.cursor,
    };
    let (data, next_cursor) = state.service.deliveries(&shop, &id, page).await?;
    Ok(Json(Page {
        data: data.into_iter().map(Delivery::from).collect(),
        next_cursor,
    }))
}

/// One delivery with all its attempts.
#[utoipa::path(get, path = "/v1/shops/{shop}/deliveries/{id}", operation_id = "get_delivery", tag = "deliveries",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The delivery's id")),
    responses((status = 200, body = Delivery), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Delivery>, ApiError> {
    caller.reach(&shop)?;
    Ok(Json(state.service.delivery(&shop, &id).await?.into()))
}

/// Makes a delivery due now, whatever its state (a dead one is replayed).
#[utoipa::path(post, path = "/v1/shops/{shop}/deliveries/{id}/retry", operation_id = "retry_delivery", tag = "deliveries",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The delivery's id")),
    responses((status = 202, body = Delivery), (status = 404, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Delivery>), ApiError> {
    caller.reach(&shop)?;
    let delivery = state.service.retry_delivery(&shop, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery.into())))
}

/// Runs the webhook's plugin on a sample event of the chosen type, delivers it
/// now, and answers with the delivery and its attempt. Failed tests are retried
/// like any delivery. The body may be left out (no content type needed then).
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/test", operation_id = "test_webhook", tag = "deliveries",
    request_body(content = Option<TestWebhook>, description = "Optional: which sample", content_type = "application/json"),
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Delivery), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<TestWebhook>,
) -> Result<Json<Delivery>, ApiError> {
    caller.reach(&shop)?;
    let delivery = state.service.test_webhook(&shop, &id, body.kind).await?;
    Ok(Json(delivery.into()))
}
