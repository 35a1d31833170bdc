//! Ingest: `POST /v1/shops/{shop}/events`. A 202 means the event and all its
//! deliveries are committed to disk; anything refused is refused whole.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use crate::store::{Ingested, NewEvent};
use crate::{abandonment, events};

/// Accepts an event for the shop. The same `id` twice answers with the first
/// result (`duplicate: true`) and creates nothing. A missing `id` is derived from
/// the event's content, so an identical retry is also recognised.
#[utoipa::path(post, path = "/v1/shops/{shop}/events", tag = "events",
    params(("shop" = String, Path, description = "The shop's id")),
    request_body(content = Object, description = "An event: {id?, type, shop, occurred_at, data: {checkout}}"),
    responses(
        (status = 202, body = Ingested, description = "Stored, with its deliveries"),
        (status = 400, body = ErrorBody, description = "Malformed JSON"),
        (status = 413, body = ErrorBody, description = "Larger than 256 KiB"),
        (status = 422, body = ErrorBody, description = "Not a valid event")))]
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
    let event = events::parse(text).map_err(|error| match error {
        events::EventError::Malformed(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_event",
            error.to_string(),
        ),
        events::EventError::UnknownType(_) => {
            ApiError::unprocessable("unknown_event_type", error.to_string())
        }
        events::EventError::MissingCheckout => {
            ApiError::unprocessable("missing_checkout", error.to_string())
        }
        events::EventError::TooDeep => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_event",
            error.to_string(),
        ),
        events::EventError::BadTime(_) => {
            ApiError::unprocessable("invalid_occurred_at", error.to_string())
        }
    })?;
    if event.shop != shop {
        return Err(ApiError::unprocessable(
            "shop_mismatch",
            format!(
                "the event is for shop {:?} but was posted to shop {shop:?}",
                event.shop
            ),
        ));
    }
    if !state.shop_exists(&shop).await? {
        return Err(ApiError::not_found(format!("shop {shop}")));
    }
    let now = state.service.clock.now();
    let new = NewEvent {
        timer: abandonment::effect(&event),
        shop,
        id: event.id,
        kind: event.kind,
        body: text.to_string(),
    };
    let new_timer = matches!(new.timer, Some(abandonment::TimerEffect::Start { .. }));
    let ingested = state.service.store.ingest(new, now).await?;
    if !ingested.duplicate {
        if new_timer {
            state.service.timers_changed.notify_one();
        }
        state.service.metrics.event_accepted(&ingested.kind);
        if !ingested.deliveries.is_empty() {
            state.service.wake.notify_one();
        }
    }
    Ok((StatusCode::ACCEPTED, Json(ingested)))
}
