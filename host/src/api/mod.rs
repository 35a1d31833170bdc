//! The HTTP API: axum, JSON, under `/v1`, described by an OpenAPI document that is
//! generated from these handlers and served at `/v1/openapi.json`.
//!
//! Each resource has its own file; [`auth`] decides who is calling and
//! [`error`] is the one place errors become responses.

pub mod auth;
mod deliveries;
mod dry_run;
pub mod error;
mod events;
mod extract;
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
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::Service;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The service.
    pub service: Arc<Service>,
    /// SHA-256 of the admin key.
    pub admin_hash: String,
}

/// One page of a list.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kait", description = "The webhook engine: shops, webhooks, events and the delivery log."),
    modifiers(&BearerKeys),
    tags(
        (name = "shops", description = "Shops and their plans (admin)"),
        (name = "webhooks", description = "A shop's webhooks (Settings → Webhooks)"),
        (name = "events", description = "Ingest"),
        (name = "deliveries", description = "The delivery log"),
        (name = "plugins", description = "A shop's plugins: upload, versions, dry run"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The admin key, or a shop's key"))
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "key",
            Vec::<String>::new(),
        )]);
    }
}

/// The API's router and its OpenAPI document.
pub fn router(service: Arc<Service>, admin_hash: String) -> Router {
    let state = AppState {
        service,
        admin_hash,
    };
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
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
        .routes(routes!(dry_run::dry_run))
        .routes(routes!(events::ingest))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .split_for_parts();
    let document = Arc::new(openapi);
    router
        .route(
            "/v1/openapi.json",
            get(move || {
                let document = document.clone();
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .fallback(error::fallback)
        .with_state(state)
}
