//! Webhooks: the Settings → Webhooks page as an API. Secrets are shown masked;
//! the signing secret is shown only when it is made.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use super::schema::{ChosenStatus, EventType};
use super::{AppState, Page};
use crate::clock::rfc3339;
use crate::domain::{self, WebhookStatus};
use crate::registry::Entry;
use crate::service::{WebhookChanges, WebhookInput};

/// A webhook to create. The seed's form is enough: `{"status": "active",
/// "name": "Orders", "callback_url": "https://…"}` is an `http` webhook.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// The merchant's name for it: 1–100 characters, not all spaces, no control
    /// characters; kept trimmed.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// `active` (default) or `paused`.
    #[schema(value_type = Option<ChosenStatus>)]
    status: Option<WebhookStatus>,
    /// Event types to receive (repeats are ignored); default: all ten.
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    events: Option<Vec<String>>,
    /// The seed's Callback URL: the `http` plugin's `config.url`. Only for `http`.
    callback_url: Option<String>,
    /// A built-in (`http`, the default; `telegram`, `sheets`) or one of the shop's
    /// own plugins: `name` or `name@latest` (follows new uploads), or
    /// `name@<version>`.
    plugin: Option<String>,
    /// The plugin's settings (checked by its `validate-config`); for `http`,
    /// `url` is the Callback URL. Optional when `callback_url` says it all.
    #[schema(value_type = Option<Object>)]
    config: Option<Value>,
}

/// Changes to a webhook; what is left out stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    /// A new name (as on create).
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    /// `active` or `paused`.
    #[schema(value_type = Option<ChosenStatus>)]
    status: Option<WebhookStatus>,
    /// New event types.
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    events: Option<Vec<String>>,
    /// A new Callback URL (`http` only): replaces `config.url`, keeps the rest of
    /// the config.
    callback_url: Option<String>,
    /// Another plugin (or version).
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
    /// For `http` webhooks, the Callback URL (`config.url`, secrets in it masked).
    callback_url: Option<String>,
    /// The settings, secrets shown as `••••` and their last 4 characters; null
    /// while its plugin resolves to no version (one that was deleted).
    #[schema(value_type = Option<Object>)]
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

fn view(webhook: &domain::Webhook, entry: Option<&Entry>) -> Webhook {
    let config: Value = serde_json::from_str(&webhook.config).unwrap_or_default();
    let config = entry.map_or(Value::Null, |e| e.secrets.masked(&config));
    let callback_url = entry
        .filter(|e| e.builtin && e.name == WebhookInput::CALLBACK_PLUGIN)
        .and_then(|_| config["url"].as_str().map(str::to_string));
    Webhook {
        id: webhook.id.clone(),
        name: webhook.name.as_str().to_string(),
        status: webhook.status,
        disabled_reason: webhook.disabled_reason.clone(),
        events: webhook.events.as_slice().to_vec(),
        plugin: webhook.plugin.to_string(),
        plugin_version: entry.map(Entry::label),
        callback_url,
        config,
        failing_since: webhook.failing_since.map(rfc3339),
        created_at: rfc3339(webhook.created_at),
        updated_at: rfc3339(webhook.updated_at),
    }
}

/// A webhook as shown, its plugin resolved as the next delivery would.
async fn shown(state: &AppState, webhook: &domain::Webhook) -> Webhook {
    let entry = state.service.resolved(webhook).await;
    view(webhook, entry.as_deref())
}

async fn with_secret(state: &AppState, webhook: &domain::Webhook) -> WebhookWithSecret {
    WebhookWithSecret {
        webhook: shown(state, webhook).await,
        signing_secret: webhook.signing_secret.clone(),
    }
}

/// Creates a webhook; its signing secret is shown only in this response.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks", operation_id = "create_webhook", tag = "webhooks", request_body = CreateWebhook,
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 201, body = WebhookWithSecret),
        (status = 403, body = ErrorBody, description = "The shop's plan has no webhooks (`plan_not_eligible`)"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A value is refused: `invalid_name`, `invalid_events`, `unknown_plugin`, \
            `invalid_config` (the plugin's own check), `callback_url_conflict`, `callback_url_not_http`")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
    Json(body): Json<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    caller.reach(&shop)?;
    let input = WebhookInput {
        name: body.name,
        status: body.status,
        events: body.events,
        plugin: (body.plugin).unwrap_or_else(|| WebhookInput::CALLBACK_PLUGIN.to_string()),
        config: (body.config).unwrap_or_else(|| Value::Object(Default::default())),
    }
    .with_callback_url(body.callback_url)?;
    let webhook = state.service.create_webhook(&shop, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(with_secret(&state, &webhook).await),
    ))
}

/// Lists a shop's webhooks.
#[utoipa::path(get, path = "/v1/shops/{shop}/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = Page<Webhook>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
) -> Result<Json<Page<Webhook>>, ApiError> {
    caller.reach(&shop)?;
    let webhooks = state.service.webhooks(&shop).await?;
    let mut data = Vec::with_capacity(webhooks.len());
    for webhook in &webhooks {
        data.push(shown(&state, webhook).await);
    }
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}

/// One webhook.
#[utoipa::path(get, path = "/v1/shops/{shop}/webhooks/{id}", operation_id = "get_webhook", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    caller.reach(&shop)?;
    let webhook = state.service.webhook(&shop, &id).await?;
    Ok(Json(shown(&state, &webhook).await))
}

/// Changes a webhook. The configuration is checked again by the plugin.
#[utoipa::path(patch, path = "/v1/shops/{shop}/webhooks/{id}", operation_id = "update_webhook", tag = "webhooks", request_body = UpdateWebhook,
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook),
        (status = 403, body = ErrorBody, description = "Made active on a plan without webhooks"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A value is refused (as on create)")))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
    Json(body): Json<UpdateWebhook>,
) -> Result<Json<Webhook>, ApiError> {
    caller.reach(&shop)?;
    let changes = WebhookChanges {
        name: body.name,
        status: body.status,
        events: body.events,
        plugin: body.plugin,
        config: body.config,
    };
    let changes = state
        .service
        .with_callback_url(&shop, &id, changes, body.callback_url)
        .await?;
    let (webhook, entry) = state.service.update_webhook(&shop, &id, changes).await?;
    Ok(Json(view(&webhook, Some(&entry))))
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    shop: &str,
    id: &str,
    status: WebhookStatus,
) -> Result<Json<Webhook>, ApiError> {
    caller.reach(shop)?;
    let webhook = state.service.set_webhook_status(shop, id, status).await?;
    Ok(Json(shown(state, &webhook).await))
}

/// Pauses a webhook: it receives nothing, and its waiting deliveries are held.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/pause", operation_id = "pause_webhook", tag = "webhooks",
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
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/resume", operation_id = "resume_webhook", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = Webhook),
        (status = 403, body = ErrorBody, description = "The shop's plan has no webhooks"), (status = 404, body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    set_status(&state, &caller, &shop, &id, WebhookStatus::Active).await
}

/// Deletes a webhook with its delivery log.
#[utoipa::path(delete, path = "/v1/shops/{shop}/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.reach(&shop)?;
    state.service.delete_webhook(&shop, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook with its new signing secret, and until when the old one still signs.
#[derive(Serialize, ToSchema)]
pub struct RotatedSecret {
    #[serde(flatten)]
    rotated: WebhookWithSecret,
    /// Until then (RFC 3339) every request carries the old secret's signature
    /// beside the new one's (`v1,<new> v1,<old>`); the `rotation_overlap` setting.
    previous_secret_expires_at: Option<String>,
}

/// Replaces the signing secret; the new one is shown only in this response. The
/// old one keeps signing, beside it, until `previous_secret_expires_at`.
#[utoipa::path(post, path = "/v1/shops/{shop}/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("shop" = String, Path, description = "The shop's id"), ("id" = String, Path, description = "The webhook's id")),
    responses((status = 200, body = RotatedSecret), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<RotatedSecret>, ApiError> {
    caller.reach(&shop)?;
    let webhook = state.service.rotate_secret(&shop, &id).await?;
    Ok(Json(RotatedSecret {
        rotated: with_secret(&state, &webhook).await,
        previous_secret_expires_at: webhook.previous_secret.as_ref().map(|p| rfc3339(p.until)),
    }))
}
