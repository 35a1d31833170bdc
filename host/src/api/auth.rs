//! Who is calling: the admin (the platform) or one shop, from the bearer key.
//!
//! Keys are stored only as SHA-256 hashes. A missing or unknown key is 401; a shop
//! key on an admin route is 403; a shop key on another shop's resources is 404, so
//! shops cannot even learn which other shops exist.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::service::keys::hash;

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The platform, holding the admin key.
    Admin,
    /// One shop, holding its own key.
    Shop(String),
}

impl Caller {
    /// Refuses anyone but the admin.
    pub fn admin(&self) -> Result<(), ApiError> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Shop(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this route needs the admin key",
            )),
        }
    }

    /// Refuses a shop key for another shop, as if that shop did not exist.
    pub fn reach(&self, shop: &str) -> Result<(), ApiError> {
        match self {
            Caller::Shop(own) if own != shop => Err(ApiError::not_found(format!("shop {shop}"))),
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        let key = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                unauthorized("send the admin or shop key as Authorization: Bearer <key>")
            })?;
        let hashed = hash(key);
        if state.service.keys.is_admin(&hashed).await? {
            return Ok(Caller::Admin);
        }
        match state.service.keys.shop(&hashed).await? {
            Some(shop) => Ok(Caller::Shop(shop)),
            None => Err(unauthorized("the key is not valid")),
        }
    }
}
