//! The HTTP API: axum, JSON, under `/v1`, described by an OpenAPI document that is
//! generated from these handlers and served at `/v1/openapi.json`.
//!
//! Each resource has its own file; [`auth`] decides who is calling and
//! [`error`] is the one place errors become responses.

pub mod auth;
mod deliveries;
mod dry_run;
pub mod error;
mod event_types;
mod events;
mod extract;
mod openapi;
mod ops;
mod plugins;
mod portal;
mod schema;
mod shops;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::Service;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The service.
    pub service: Arc<Service>,
}

/// One page of a list.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The most items a page may hold.
const MAX_PAGE: usize = 250;

/// `limit` as asked, refused unless it is 1 to 250 (`invalid_limit`): the
/// document says so, and a silently different page size would surprise.
fn page_limit(asked: Option<usize>) -> Result<Option<usize>, error::ApiError> {
    match asked {
        Some(n) if !(1..=MAX_PAGE).contains(&n) => Err(error::ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_limit",
            format!("limit must be 1 to {MAX_PAGE}; {n} asked"),
        )),
        _ => Ok(asked),
    }
}

/// The API's routes and the document utoipa builds from them.
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(shops::create, shops::list))
        .routes(routes!(shops::get, shops::update))
        .routes(routes!(portal::create))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::get, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::pause))
        .routes(routes!(webhooks::resume))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(deliveries::test))
        .routes(routes!(deliveries::list))
        .routes(routes!(deliveries::get))
        .routes(routes!(deliveries::retry))
        .routes(routes!(plugins::list))
        .routes(routes!(plugins::upload, plugins::versions))
        .routes(routes!(plugins::get, plugins::delete))
        .routes(routes!(plugins::promote))
        .routes(routes!(plugins::withdraw))
        .routes(routes!(dry_run::dry_run))
        .routes(routes!(events::ingest))
        .routes(routes!(events::get))
        .routes(routes!(event_types::list))
        .routes(routes!(event_types::schema))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .split_for_parts()
}

/// The OpenAPI document as `/v1/openapi.json` serves it.
pub fn document() -> serde_json::Value {
    openapi::complete(parts().1)
}

/// The API's router and its OpenAPI document.
pub fn router(service: Arc<Service>) -> Router {
    let state = AppState { service };
    let (router, openapi) = parts();
    let document = Arc::new(openapi::complete(openapi));
    router
        .route(
            "/v1/openapi.json",
            get(move || {
                let document = document.clone();
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        // After every route: it applies to the routes registered before it.
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback(error::fallback)
        .with_state(state)
}
