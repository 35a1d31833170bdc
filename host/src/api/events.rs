//! Ingest: `POST /v1/shops/{shop}/events`. A 202 means the event and all its
//! deliveries are committed to disk; anything refused is refused whole.
//! `GET /v1/shops/{shop}/events/{id}` gives one back as stored.

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::event_types::Event;
use super::extract::{Json, Path};
use crate::domain;

/// One delivery created by ingest.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The delivery's id, also its `webhook-id` header.
    id: String,
    /// The webhook it goes to.
    webhook_id: String,
}

/// What ingest did with an event.
#[derive(Serialize, ToSchema)]
pub struct Ingested {
    /// The event's id.
    id: String,
    /// The event's type.
    #[serde(rename = "type")]
    kind: String,
    /// True when this id had been received before; nothing new was created.
    duplicate: bool,
    /// The deliveries the event created (the first time it was received).
    deliveries: Vec<Created>,
}

impl From<domain::Ingested> for Ingested {
    fn from(i: domain::Ingested) -> Self {
        Self {
            id: i.id,
            kind: i.kind,
            duplicate: i.duplicate,
            deliveries: i
                .deliveries
                .into_iter()
                .map(|d| Created {
                    id: d.id,
                    webhook_id: d.webhook_id,
                })
                .collect(),
        }
    }
}

/// Accepts an event for the shop. The same `id` twice answers with the first
/// result (`duplicate: true`) and creates nothing. A missing `id` is derived from
/// the event's content, so an identical retry is also recognised.
#[utoipa::path(post, path = "/v1/shops/{shop}/events", operation_id = "ingest_event", tag = "events",
    params(("shop" = String, Path, description = "The shop's id")),
    request_body(content = Event, description = "An event: {id?, type, shop, occurred_at, data: {checkout}}; \
        any content type (the body is read as JSON). The checkout's fields: GET /v1/event-types/schema"),
    responses(
        (status = 202, body = Ingested, description = "Stored, with its deliveries"),
        (status = 400, body = ErrorBody, description = "Not JSON, not UTF-8, or not the event's shape"),
        (status = 413, body = ErrorBody, description = "Larger than 256 KiB"),
        (status = 422, body = ErrorBody, description = "Not a valid event: `unknown_event_type`, `missing_checkout`, \
            `invalid_occurred_at`, `invalid_event_id`, `shop_mismatch` (the event names another shop)")))]
pub async fn ingest(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
    body: Body,
) -> Result<(StatusCode, Json<Ingested>), ApiError> {
    caller.reach(&shop)?;
    let limit = state.service.config.max_event_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the event is larger than {limit} bytes"),
        )
    })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_request("the body is not UTF-8 text"))?;
    let ingested = state.service.ingest(&shop, text).await?;
    Ok((StatusCode::ACCEPTED, Json(ingested.into())))
}

/// One stored event, as received, in the event format, with its `id` written in
/// (also when it was derived from the event's content): the input its
/// deliveries' plugins got, for replaying one (`kait plugin run --delivery`).
#[utoipa::path(get, path = "/v1/shops/{shop}/events/{id}", operation_id = "get_event", tag = "events",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, body = Event, description = "The event as stored"),
        (status = 404, body = ErrorBody, description = "No such shop, not the caller's, or no such event in it")))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    caller.reach(&shop)?;
    let text = state.service.event(&shop, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text))
}
