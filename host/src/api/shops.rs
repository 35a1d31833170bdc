//! Shops: created by the platform (admin), each with its own key, shown once.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::{AppState, Page, page_limit};
use crate::clock::rfc3339;
use crate::domain::{self, Plan};

/// A shop as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct Shop {
    /// The shop's id, chosen by the platform.
    id: String,
    /// Display name.
    name: String,
    /// Subscription plan.
    plan: Plan,
    /// When the shop was created (RFC 3339).
    created_at: String,
    /// Minutes after a checkout starts before Kait calls it abandoned.
    abandonment_window_minutes: u64,
}

impl From<domain::Shop> for Shop {
    fn from(shop: domain::Shop) -> Self {
        Self {
            id: shop.id,
            name: shop.name,
            plan: shop.plan,
            created_at: rfc3339(shop.created_at),
            abandonment_window_minutes: shop.abandonment_window.as_secs() / 60,
        }
    }
}

/// A shop to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShop {
    /// The platform's id for the shop: 1–64 of a-z, 0-9, `-` and `_`.
    #[schema(min_length = 1, max_length = 64)]
    id: String,
    /// Display name: 1–200 characters, not all spaces, no control characters;
    /// kept trimmed.
    #[schema(min_length = 1, max_length = 200)]
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
    #[schema(minimum = 5, maximum = 10080)]
    abandonment_window_minutes: Option<u64>,
}

/// The shop after a plan change.
#[derive(Serialize, ToSchema)]
pub struct PlanChanged {
    shop: Shop,
    /// Webhooks paused because the new plan has none.
    paused_webhooks: Vec<String>,
    /// Webhooks an earlier downgrade paused, resumed because the new plan has them
    /// (webhooks the merchant paused stay paused).
    resumed_webhooks: Vec<String>,
    /// What happened, for people.
    message: String,
}

/// Paging through shops.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopPage {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// At most this many (default 50; 1 to 250).
    #[param(minimum = 1, maximum = 250)]
    limit: Option<usize>,
}

/// Creates a shop (admin).
#[utoipa::path(post, path = "/v1/shops", operation_id = "create_shop", tag = "shops", request_body = CreateShop,
    responses((status = 201, body = CreatedShop), (status = 403, body = ErrorBody, description = "Not the admin key"),
        (status = 409, body = ErrorBody, description = "A shop with this id exists"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateShop>,
) -> Result<(StatusCode, Json<CreatedShop>), ApiError> {
    caller.admin()?;
    let (shop, key) = state
        .service
        .create_shop(&body.id, &body.name, body.plan)
        .await?;
    let created = CreatedShop {
        shop: shop.into(),
        key,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Lists shops (admin).
#[utoipa::path(get, path = "/v1/shops", operation_id = "list_shops", tag = "shops", params(ShopPage),
    responses((status = 200, body = Page<Shop>), (status = 400, body = ErrorBody, description = "`limit` is not 1 to 250"),
        (status = 403, body = ErrorBody, description = "Not the admin key")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<ShopPage>,
) -> Result<Json<Page<Shop>>, ApiError> {
    caller.admin()?;
    let (shops, next_cursor) = state
        .service
        .shops(page.cursor, page_limit(page.limit)?)
        .await?;
    Ok(Json(Page {
        data: shops.into_iter().map(Shop::from).collect(),
        next_cursor,
    }))
}

/// One shop (admin, or the shop itself).
#[utoipa::path(get, path = "/v1/shops/{shop}", operation_id = "get_shop", tag = "shops",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = Shop), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
) -> Result<Json<Shop>, ApiError> {
    caller.reach(&shop)?;
    Ok(Json(state.service.shop(&shop).await?.into()))
}

/// Changes a shop: its plan (admin; a plan without webhooks pauses the shop's
/// active webhooks) and its abandonment window (admin or the shop).
#[utoipa::path(patch, path = "/v1/shops/{shop}", operation_id = "update_shop", tag = "shops", request_body = UpdateShop,
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = PlanChanged), (status = 403, body = ErrorBody, description = "A shop key changing the plan"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    let updated = state
        .service
        .update_shop(&shop, body.plan, body.abandonment_window_minutes)
        .await?;
    Ok(Json(PlanChanged {
        shop: updated.shop.into(),
        paused_webhooks: updated.paused_webhooks,
        resumed_webhooks: updated.resumed_webhooks,
        message: updated.message,
    }))
}
