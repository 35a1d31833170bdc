//! Portal links: how the platform lets a merchant into the Settings → Webhooks
//! page without a key (like Svix's app-portal access). The platform asks, with
//! the admin key or the shop's key, and links to the answer from its own page.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use crate::clock::rfc3339;

/// A one-time link into the merchant's page.
#[derive(Serialize, ToSchema)]
pub struct PortalLink {
    /// Open it once, before `expires_at`, to start a session on the page.
    url: String,
    /// When it stops working if unused (RFC 3339).
    expires_at: String,
}

/// Makes a one-time link into the shop's Settings → Webhooks page. It expires
/// unused after `portal_link_ttl` (10 minutes) and opens a session of at most
/// `session_ttl` (12 hours), scoped to this shop.
#[utoipa::path(post, path = "/v1/shops/{shop}/portal-sessions", operation_id = "create_portal_session", tag = "shops",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 201, body = PortalLink), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(shop): Path<String>,
) -> Result<(StatusCode, Json<PortalLink>), ApiError> {
    caller.reach(&shop)?;
    let (token, expires_at) = state.service.portal_link(&shop).await?;
    let base = match &state.service.config.public_url {
        Some(public) => public.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    };
    let link = PortalLink {
        url: format!("{base}/portal/{token}"),
        expires_at: rfc3339(expires_at),
    };
    Ok((StatusCode::CREATED, Json(link)))
}
