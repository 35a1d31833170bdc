//! The delivery log: a webhook's deliveries, one delivery with every attempt,
//! retrying one now, and testing a webhook with a sample event.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::{AppState, Page};
use crate::events::{self, TYPES};
use crate::store::{Delivery, DeliveryFilter, NewEvent, new_id};
use crate::worker;

/// Which sample event to test a webhook with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestWebhook {
    /// The event type; default `order.paid`.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// A webhook's deliveries, newest first.
#[utoipa::path(get, path = "/v1/shops/{shop}/webhooks/{id}/deliveries", tag = "deliveries",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id"), DeliveryFilter),
    responses((status = 200, body = Page<Delivery>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
    Query(filter): Query<DeliveryFilter>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    caller.reach(&shop)?;
    if state.service.store.webhook(&shop, &id).await?.is_none() {
        return Err(ApiError::not_found(format!("webhook {id}")));
    }
    let (data, next_cursor) = state.service.store.deliveries(&id, filter).await?;
    Ok(Json(Page { data, next_cursor }))
}

/// One delivery with all its attempts.
#[utoipa::path(get, path = "/v1/shops/{shop}/deliveries/{id}", tag = "deliveries",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The delivery's id")),
    responses((status = 200, body = Delivery), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Delivery>, ApiError> {
    caller.reach(&shop)?;
    state
        .service
        .store
        .delivery(&shop, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("delivery {id}")))
}

/// Makes a delivery due now, whatever its state (a dead one is replayed).
#[utoipa::path(post, path = "/v1/shops/{shop}/deliveries/{id}/retry", tag = "deliveries",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The delivery's id")),
    responses((status = 202, body = Delivery), (status = 404, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Delivery>), ApiError> {
    caller.reach(&shop)?;
    let now = state.service.clock.now();
    let delivery = state
        .service
        .store
        .retry(&shop, &id, now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("delivery {id}")))?;
    state.service.wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// Runs the webhook's plugin on a sample event of the chosen type, delivers it
/// now, and answers with the delivery and its attempt. Failed tests are retried
/// like any delivery.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/test", tag = "deliveries", request_body = TestWebhook,
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Delivery), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
    Json(body): Json<TestWebhook>,
) -> Result<Json<Delivery>, ApiError> {
    caller.reach(&shop)?;
    let webhook = state
        .service
        .store
        .webhook(&shop, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))?;
    let kind = body.kind.unwrap_or_else(|| "order.paid".to_string());
    let sample = events::sample(&kind).ok_or_else(|| {
        ApiError::unprocessable(
            "unknown_event_type",
            format!(
                "unknown event type {kind:?}; expected one of: {}",
                TYPES.join(", ")
            ),
        )
    })?;
    let mut event: serde_json::Value = serde_json::from_str(sample).map_err(ApiError::internal)?;
    let event_id = new_id("evt_test");
    event["id"] = event_id.clone().into();
    event["shop"] = shop.clone().into();
    let service = &state.service;
    let now = service.clock.now();
    let new = NewEvent {
        shop: shop.clone(),
        id: event_id,
        kind,
        body: event.to_string(),
        timer: None,
    };
    let lease = service.config.lease.as_millis() as i64;
    let claimed = service.store.claim_single(new, webhook, now, lease).await?;
    let delivery_id = claimed.id.clone();
    worker::process(service, claimed).await;
    service
        .store
        .delivery(&shop, &delivery_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("delivery {delivery_id}")))
}
