//! The merchant's Settings → Webhooks page, served by `kait serve` itself:
//! server-rendered HTML (minijinja templates, a stylesheet and one small
//! script, all embedded in the binary), in Malay and English from one
//! catalogue. The pages work without the script; it only refreshes the
//! delivery log in place.
//!
//! - Getting in: a one-time portal link the platform asks the API for
//!   (`POST /v1/shops/{shop}/portal-sessions`), or the sign-in form with the shop
//!   key; either opens a session cookie scoped to one shop ([`session`]).
//! - Every page calls the service, the same operations and rules as `/v1`.
//! - Every response carries a strict Content-Security-Policy (no inline script,
//!   `default-src 'self'`), `frame-ancestors` from the `frame_ancestors` setting,
//!   `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`.

mod abandonment;
mod edit;
pub mod form;
mod log;
mod pages;
mod plugins;
mod preview;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::service::Service;

/// What the page's handlers reach.
#[derive(Clone)]
pub struct WebState {
    /// The service.
    pub service: Arc<Service>,
}

/// The page's routes.
pub fn router(service: Arc<Service>) -> Router {
    let state = WebState { service };
    Router::new()
        .route("/", get(|| async { Redirect::to("/settings/webhooks") }))
        .route("/portal/{token}", get(pages::portal))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/lang/{code}", get(pages::switch_lang))
        .route("/settings/webhooks", get(pages::webhooks))
        .route(
            "/settings/abandonment",
            get(abandonment::form).post(abandonment::save),
        )
        .route("/settings/webhooks/new", get(edit::new).post(edit::create))
        .route("/settings/webhooks/preview", post(edit::preview))
        .route(
            "/settings/webhooks/{id}/edit",
            get(edit::edit).post(edit::update),
        )
        .route(
            "/settings/webhooks/{id}/delete",
            get(pages::confirm_delete).post(pages::delete),
        )
        .route("/settings/webhooks/{id}/deliveries", get(log::deliveries))
        .route("/settings/webhooks/{id}/test", post(log::send_test))
        .route("/settings/deliveries/{id}/retry", post(log::retry))
        .route("/settings/webhooks/{id}/{action}", post(pages::set_status))
        .route(
            "/settings/plugins",
            get(plugins::list).post(plugins::upload),
        )
        .route("/settings/plugins/pin/{webhook}", post(plugins::pin))
        .route(
            "/settings/plugins/{name}/{version}/delete",
            post(plugins::delete),
        )
        .route(
            "/settings/plugins/{name}/{version}/dry-run",
            post(plugins::dry_run),
        )
        .route("/assets/kait.css", get(stylesheet))
        .route("/assets/kait.js", get(script))
        .layer(middleware::from_fn_with_state(state.clone(), headers))
        .with_state(state)
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/kait.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/kait.js"),
    )
        .into_response()
}

/// The security headers every page response carries.
async fn headers(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let ancestors = match state.service.config.frame_ancestors.as_slice() {
        [] => "'none'".to_string(),
        origins => origins.join(" "),
    };
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
    );
    let set = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        set.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    set.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: with no referrer Chromium sends
    // `Origin: null` on form posts, which the CSRF check must refuse.
    set.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    set.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
