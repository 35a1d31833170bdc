//! Webhooks: the Settings → Webhooks page as an API. Configurations are checked by
//! the plugin's own `validate-config`; secrets are shown masked, kept when an
//! update leaves them out, and the signing secret is shown only when it is made.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use super::{AppState, Page};
use crate::clock::rfc3339;
use crate::events::TYPES;
use crate::registry::{Entry, Pin, Reference};
use crate::signing;
use crate::store::{Plan, WebhookRow, WebhookStatus, new_id};

/// A webhook to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// The merchant's name for it.
    name: String,
    /// `active` (default) or `paused`.
    status: Option<WebhookStatus>,
    /// Event types to receive; default: all ten.
    events: Option<Vec<String>>,
    /// A built-in (`telegram`, `sheets`, `http`) or one of the shop's own plugins:
    /// `name` or `name@latest` (follows new uploads), or `name@<version>`.
    plugin: String,
    /// The plugin's settings; for `http`, `url` is the Callback URL.
    #[schema(value_type = Object)]
    config: Value,
}

/// Changes to a webhook; what is left out stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    name: Option<String>,
    status: Option<WebhookStatus>,
    events: Option<Vec<String>>,
    plugin: Option<String>,
    /// The new settings. Secrets left out (or sent back masked) keep their values.
    #[schema(value_type = Option<Object>)]
    config: Option<Value>,
}

/// A webhook as the API shows it: secrets masked.
#[derive(Serialize, ToSchema)]
pub struct Webhook {
    id: String,
    name: String,
    status: WebhookStatus,
    /// Why Kait disabled it, when it did.
    disabled_reason: Option<String>,
    events: Vec<String>,
    /// The plugin as the webhook names it (`name`, `name@latest`, `name@<version>`).
    plugin: String,
    /// The version `plugin` resolves to now; the next delivery uses it.
    plugin_version: Option<String>,
    /// The settings, secrets shown as `••••` and their last 4 characters.
    #[schema(value_type = Object)]
    config: Value,
    /// Since when every attempt has failed, if they have.
    failing_since: Option<String>,
    created_at: String,
    updated_at: String,
}

/// A webhook with its signing secret, shown only when the secret is made.
#[derive(Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    webhook: Webhook,
    /// The `whsec_…` secret that signs every request (Standard Webhooks).
    signing_secret: String,
}

pub(super) fn view(row: &WebhookRow, entry: Option<&Entry>) -> Webhook {
    let config: Value = serde_json::from_str(&row.config).unwrap_or_default();
    Webhook {
        id: row.id.clone(),
        name: row.name.clone(),
        status: row.status,
        disabled_reason: row.disabled_reason.clone(),
        events: row.events.clone(),
        plugin: row.plugin.clone(),
        plugin_version: entry.map(Entry::label),
        config: entry.map_or(Value::Null, |e| e.secrets.masked(&config)),
        failing_since: row.failing_since.map(rfc3339),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}

/// A webhook as shown, its plugin resolved as the next delivery would.
pub(super) async fn shown(state: &AppState, row: &WebhookRow) -> Webhook {
    let registry = &state.service.registry;
    let entry = registry.resolve(&row.shop_id, &row.plugin).await.ok();
    view(row, entry.as_deref())
}

async fn with_secret(state: &AppState, row: &WebhookRow) -> WebhookWithSecret {
    WebhookWithSecret {
        webhook: shown(state, row).await,
        signing_secret: row.signing_secret.clone(),
    }
}

/// Refuses webhooks on plans without them.
async fn eligible(state: &AppState, shop: &str) -> Result<(), ApiError> {
    let found = state.service.store.shop(shop).await?;
    let shop = found.ok_or_else(|| ApiError::not_found(format!("shop {shop}")))?;
    if shop.plan.has_webhooks() {
        return Ok(());
    }
    let plans: Vec<&str> = Plan::WITH_WEBHOOKS.iter().map(|p| p.as_str()).collect();
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "plan_not_eligible",
        format!(
            "webhooks need the {} plan; this shop is on {}",
            plans.join(", ").replacen(", ultimate", " or ultimate", 1),
            shop.plan.as_str()
        ),
    ))
}

fn check_events(events: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let Some(events) = events else {
        return Ok(TYPES.iter().map(|t| t.to_string()).collect());
    };
    if events.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_events",
            "events must name at least one type",
        ));
    }
    let mut chosen = Vec::new();
    for event in events {
        if crate::events::INPUT_TYPES.contains(&event.as_str()) {
            return Err(ApiError::unprocessable(
                "invalid_events",
                format!(
                    "{event} is input-only: Kait uses it to detect abandoned checkouts and emits checkout.abandoned; subscribe to checkout.abandoned instead"
                ),
            ));
        }
        if !TYPES.contains(&event.as_str()) {
            return Err(ApiError::unprocessable(
                "invalid_events",
                format!(
                    "unknown event type {event:?}; expected some of: {}",
                    TYPES.join(", ")
                ),
            ));
        }
        if !chosen.contains(&event) {
            chosen.push(event);
        }
    }
    Ok(chosen)
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "name must be 1-100 characters",
        ));
    }
    Ok(name.to_string())
}

/// The plugin version a reference names for `shop`, and the reference as stored:
/// a built-in by its bare name, a shop's plugin as `name@latest` or `name@<version>`.
async fn named(
    state: &AppState,
    shop: &str,
    plugin: &str,
) -> Result<(Arc<Entry>, String), ApiError> {
    let registry = &state.service.registry;
    let entry = registry
        .resolve(shop, plugin)
        .await
        .map_err(|e| ApiError::unprocessable("unknown_plugin", e.to_string()))?;
    let reference =
        Reference::parse(plugin).map_err(|e| ApiError::unprocessable("unknown_plugin", e))?;
    // A built-in changes only with Kait itself, so a pin would break at the next
    // upgrade: built-ins are named bare.
    let stored = match reference.pin {
        Pin::Latest if entry.builtin => reference.name,
        Pin::Exact(_) if entry.builtin => {
            return Err(ApiError::unprocessable(
                "unknown_plugin",
                format!(
                    "{} is built in and follows Kait's own version; name it without @version",
                    reference.name
                ),
            ));
        }
        _ => reference.to_string(),
    };
    Ok((entry, stored))
}

/// The configuration checked by the plugin's `validate-config`.
pub(super) async fn checked(
    state: &AppState,
    shop: &str,
    entry: &Arc<Entry>,
    config: &Value,
) -> Result<(), ApiError> {
    if !config.is_object() {
        return Err(ApiError::unprocessable(
            "invalid_config",
            "config must be a JSON object",
        ));
    }
    let runtime = state.service.runtime.clone();
    let (checking, shop, text) = (entry.clone(), shop.to_string(), config.to_string());
    let called = tokio::task::spawn_blocking(move || {
        runtime.validate_config(&checking.plugin, &shop, &text)
    })
    .await
    .map_err(ApiError::internal)?;
    match called.result {
        Ok(()) => Ok(()),
        Err(crate::runtime::CallError::InvalidConfig(message)) => {
            Err(ApiError::unprocessable("invalid_config", message))
        }
        Err(other) => Err(ApiError::unprocessable("invalid_config", other.to_string())),
    }
}

async fn found(state: &AppState, shop: &str, id: &str) -> Result<WebhookRow, ApiError> {
    state
        .service
        .store
        .webhook(shop, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))
}

/// Creates a webhook; its signing secret is shown only in this response.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks", tag = "webhooks", request_body = CreateWebhook,
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
    Json(body): Json<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    caller.reach(&shop)?;
    eligible(&state, &shop).await?;
    let name = check_name(&body.name)?;
    let events = check_events(body.events)?;
    let (entry, plugin) = named(&state, &shop, &body.plugin).await?;
    checked(&state, &shop, &entry, &body.config).await?;
    let now = state.service.clock.now();
    let row = WebhookRow {
        id: new_id("wh"),
        shop_id: shop,
        name,
        status: body.status.unwrap_or(WebhookStatus::Active),
        disabled_reason: None,
        events,
        plugin,
        config: body.config.to_string(),
        signing_secret: signing::new_secret(),
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    if row.status == WebhookStatus::Disabled {
        return Err(ApiError::unprocessable(
            "invalid_status",
            "status must be active or paused",
        ));
    }
    let row = state.service.store.create_webhook(row).await?;
    Ok((StatusCode::CREATED, Json(with_secret(&state, &row).await)))
}

/// Lists a shop's webhooks.
#[utoipa::path(get, path = "/v1/shops/{shop}/webhooks", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = Page<Webhook>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
) -> Result<Json<Page<Webhook>>, ApiError> {
    caller.reach(&shop)?;
    if state.service.store.shop(&shop).await?.is_none() {
        return Err(ApiError::not_found(format!("shop {shop}")));
    }
    let rows = state.service.store.webhooks(&shop).await?;
    let mut data = Vec::with_capacity(rows.len());
    for row in &rows {
        data.push(shown(&state, row).await);
    }
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}

/// One webhook.
#[utoipa::path(get, path = "/v1/shops/{shop}/webhooks/{id}", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    caller.reach(&shop)?;
    let row = found(&state, &shop, &id).await?;
    Ok(Json(shown(&state, &row).await))
}

/// Changes a webhook. The configuration is checked again by the plugin.
#[utoipa::path(patch, path = "/v1/shops/{shop}/webhooks/{id}", tag = "webhooks", request_body = UpdateWebhook,
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
    Json(body): Json<UpdateWebhook>,
) -> Result<Json<Webhook>, ApiError> {
    caller.reach(&shop)?;
    let mut row = found(&state, &shop, &id).await?;
    if let Some(name) = &body.name {
        row.name = check_name(name)?;
    }
    if body.events.is_some() {
        row.events = check_events(body.events)?;
    }
    let old_config: Value = serde_json::from_str(&row.config).unwrap_or_default();
    let requested = body.plugin.unwrap_or_else(|| row.plugin.clone());
    let (entry, plugin) = named(&state, &shop, &requested).await?;
    let mut config = body.config.unwrap_or_else(|| old_config.clone());
    let same_plugin = Reference::parse(&row.plugin).is_ok_and(|old| old.name == entry.name);
    if same_plugin {
        entry.secrets.keep_unchanged(&mut config, &old_config);
    }
    checked(&state, &shop, &entry, &config).await?;
    row.plugin = plugin;
    row.config = config.to_string();
    if let Some(status) = body.status {
        if status == WebhookStatus::Disabled {
            return Err(ApiError::unprocessable(
                "invalid_status",
                "status must be active or paused",
            ));
        }
        if status == WebhookStatus::Active && row.status != WebhookStatus::Active {
            eligible(&state, &shop).await?;
        }
        row.status = status;
    }
    let now = state.service.clock.now();
    let row = state
        .service
        .store
        .update_webhook(row, now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))?;
    state.service.wake.notify_one();
    Ok(Json(view(&row, Some(&entry))))
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    shop: &str,
    id: &str,
    status: WebhookStatus,
) -> Result<Json<Webhook>, ApiError> {
    caller.reach(shop)?;
    let mut row = found(state, shop, id).await?;
    if status == WebhookStatus::Active {
        eligible(state, shop).await?;
    }
    row.status = status;
    let now = state.service.clock.now();
    let row = state
        .service
        .store
        .update_webhook(row, now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))?;
    state.service.wake.notify_one();
    Ok(Json(shown(state, &row).await))
}

/// Pauses a webhook: it receives nothing, and its waiting deliveries are held.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/pause", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook), (status = 404, body = ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    set_status(&state, &caller, &shop, &id, WebhookStatus::Paused).await
}

/// Resumes a paused or disabled webhook; held deliveries are sent.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/resume", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    set_status(&state, &caller, &shop, &id, WebhookStatus::Active).await
}

/// Deletes a webhook with its delivery log.
#[utoipa::path(delete, path = "/v1/shops/{shop}/webhooks/{id}", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.reach(&shop)?;
    if state.service.store.delete_webhook(&shop, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("webhook {id}")))
    }
}

/// Replaces the signing secret; the new one is shown only in this response.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = WebhookWithSecret), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    caller.reach(&shop)?;
    let now = state.service.clock.now();
    let row = state
        .service
        .store
        .rotate_secret(&shop, &id, signing::new_secret(), now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))?;
    Ok(Json(with_secret(&state, &row).await))
}
