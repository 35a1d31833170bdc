//! Shops: created by the platform (admin), each with its own key, shown once.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{self, Caller};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::{AppState, Page};
use crate::abandonment;
use crate::store::{Plan, Shop};

/// A shop to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShop {
    /// The platform's id for the shop: 1–64 of a-z, 0-9, `-` and `_`.
    id: String,
    /// Display name.
    name: String,
    /// Subscription plan.
    plan: Plan,
}

/// A new shop and its key.
#[derive(Serialize, ToSchema)]
pub struct CreatedShop {
    shop: Shop,
    /// The shop's API key. Shown only now; only its hash is kept.
    key: String,
}

/// Changes to a shop; what is left out stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateShop {
    /// A new plan (admin only).
    plan: Option<Plan>,
    /// Minutes after a checkout starts before Kait emits `checkout.abandoned`:
    /// 5 to 10080 (7 days). The shop itself may change it.
    abandonment_window_minutes: Option<u64>,
}

/// The shop after a plan change.
#[derive(Serialize, ToSchema)]
pub struct PlanChanged {
    shop: Shop,
    /// Webhooks paused because the new plan has none.
    paused_webhooks: Vec<String>,
    /// What happened, for people.
    message: String,
}

/// Paging through shops.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopPage {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// At most this many (default 50, at most 250).
    limit: Option<usize>,
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Creates a shop (admin).
#[utoipa::path(post, path = "/v1/shops", tag = "shops", request_body = CreateShop,
    responses((status = 201, body = CreatedShop), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateShop>,
) -> Result<(StatusCode, Json<CreatedShop>), ApiError> {
    caller.admin()?;
    if !valid_id(&body.id) {
        return Err(ApiError::unprocessable(
            "invalid_shop_id",
            "id must be 1-64 characters of a-z, 0-9, - and _",
        ));
    }
    let name = body.name.trim().to_string();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "name must be 1-200 characters",
        ));
    }
    let key = auth::new_key("kait_sk_");
    let now = state.service.clock.now();
    let created = state
        .service
        .store
        .create_shop(body.id.clone(), name, body.plan, auth::hash(&key), now)
        .await?;
    match created {
        Some(shop) => Ok((StatusCode::CREATED, Json(CreatedShop { shop, key }))),
        None => Err(ApiError::conflict(format!(
            "shop {} already exists",
            body.id
        ))),
    }
}

/// Lists shops (admin).
#[utoipa::path(get, path = "/v1/shops", tag = "shops", params(ShopPage),
    responses((status = 200, body = Page<Shop>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<ShopPage>,
) -> Result<Json<Page<Shop>>, ApiError> {
    caller.admin()?;
    let limit = page.limit.unwrap_or(50).clamp(1, 250);
    let mut shops = state.service.store.shops(page.cursor, limit + 1).await?;
    let next_cursor = (shops.len() > limit).then(|| {
        shops.truncate(limit);
        shops.last().map(|s| s.id.clone()).unwrap_or_default()
    });
    Ok(Json(Page {
        data: shops,
        next_cursor,
    }))
}

/// One shop (admin, or the shop itself).
#[utoipa::path(get, path = "/v1/shops/{shop}", tag = "shops",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = Shop), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
) -> Result<Json<Shop>, ApiError> {
    caller.reach(&shop)?;
    state
        .service
        .store
        .shop(&shop)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("shop {shop}")))
}

/// Changes a shop: its plan (admin; a plan without webhooks pauses the shop's
/// active webhooks) and its abandonment window (admin or the shop).
#[utoipa::path(patch, path = "/v1/shops/{shop}", tag = "shops", request_body = UpdateShop,
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = PlanChanged), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
    Json(body): Json<UpdateShop>,
) -> Result<Json<PlanChanged>, ApiError> {
    caller.reach(&shop)?;
    if body.plan.is_some() {
        caller.admin()?;
    }
    let store = &state.service.store;
    let missing = || ApiError::not_found(format!("shop {shop}"));
    let mut messages = Vec::new();
    let mut paused = Vec::new();
    if let Some(minutes) = body.abandonment_window_minutes {
        let window = std::time::Duration::from_secs(minutes.saturating_mul(60));
        if !(abandonment::MIN_WINDOW..=abandonment::MAX_WINDOW).contains(&window) {
            return Err(ApiError::unprocessable(
                "invalid_window",
                "abandonment_window_minutes must be from 5 to 10080 (7 days)",
            ));
        }
        store
            .set_abandonment_window(shop.clone(), window)
            .await?
            .ok_or_else(missing)?;
        messages.push(format!("abandonment window set to {minutes} minutes"));
    }
    if let Some(plan) = body.plan {
        let now = state.service.clock.now();
        let (_, newly_paused) = store
            .set_plan(shop.clone(), plan, now)
            .await?
            .ok_or_else(missing)?;
        paused = newly_paused;
        messages.push(if paused.is_empty() {
            format!("plan changed to {}", plan.as_str())
        } else {
            format!(
                "plan changed to {}, which has no webhooks: {} webhook(s) paused",
                plan.as_str(),
                paused.len()
            )
        });
    }
    let shop = store.shop(&shop).await?.ok_or_else(missing)?;
    Ok(Json(PlanChanged {
        shop,
        paused_webhooks: paused,
        message: if messages.is_empty() {
            "nothing changed".into()
        } else {
            messages.join("; ")
        },
    }))
}
