//! A shop's plugins: uploading versions, listing them, promoting one to the
//! latest or withdrawing one from it, deleting one no webhook uses. Built-in plugins are listed for every shop; a shop's own are visible to it
//! alone (another shop gets 404).

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use super::{AppState, Page};
use crate::clock::rfc3339;
use crate::service::{Version, Withdrawal};

/// A plugin a shop can use.
#[derive(Serialize, ToSchema)]
pub struct PluginSummary {
    name: String,
    /// Kait's own (every shop has it) or the shop's upload.
    builtin: bool,
    /// The version `name@latest` resolves to.
    latest: String,
    /// How many versions there are.
    versions: usize,
    /// The latest version's own description.
    description: String,
}

/// One version of a plugin.
#[derive(Serialize, ToSchema)]
pub struct PluginVersion {
    name: String,
    /// The version id: the first 12 hex digits of `sha256`. The same bytes always
    /// give the same id.
    version: String,
    /// SHA-256 of the component.
    sha256: String,
    /// Size of the component in bytes.
    size: u64,
    /// When it was uploaded (absent for built-ins).
    created_at: Option<String>,
    /// Whether `name@latest` resolves to it.
    latest: bool,
    /// When it was withdrawn from `@latest` (null when it is not withdrawn).
    withdrawn_at: Option<String>,
    /// When it was last promoted to the latest (null when never).
    promoted_at: Option<String>,
    builtin: bool,
    /// What the plugin says about itself: name, version, description, config_schema.
    #[schema(value_type = Object)]
    info: Value,
    /// Everything the component imports.
    imports: Vec<String>,
}

impl From<Version> for PluginVersion {
    fn from(v: Version) -> Self {
        Self {
            name: v.name,
            version: v.version,
            sha256: v.sha256,
            size: v.size,
            created_at: v.created_at.map(rfc3339),
            latest: v.latest,
            withdrawn_at: v.withdrawn_at.map(rfc3339),
            promoted_at: v.promoted_at.map(rfc3339),
            builtin: v.builtin,
            info: v.info,
            imports: v.imports,
        }
    }
}

/// A webhook pinned to a withdrawn version.
#[derive(Serialize, ToSchema)]
pub struct PinnedWebhook {
    id: String,
    name: String,
}

/// A withdrawn version and the webhooks pinned to it, which keep running it.
#[derive(Serialize, ToSchema)]
pub struct WithdrawnVersion {
    #[serde(flatten)]
    version: PluginVersion,
    /// The webhooks naming this version exactly: they keep running it until
    /// pointed elsewhere.
    pinned_webhooks: Vec<PinnedWebhook>,
}

impl From<Withdrawal> for WithdrawnVersion {
    fn from(w: Withdrawal) -> Self {
        Self {
            version: w.version.into(),
            pinned_webhooks: w
                .pinned
                .into_iter()
                .map(|(id, name)| PinnedWebhook { id, name })
                .collect(),
        }
    }
}

/// The shop, reached by the caller and existing.
async fn shop_reached(state: &AppState, caller: &Caller, shop: &str) -> Result<(), ApiError> {
    caller.reach(shop)?;
    Ok(state.service.require_shop(shop).await?)
}

/// The plugins a shop can use: the built-ins, then its own.
#[utoipa::path(get, path = "/v1/shops/{shop}/plugins", operation_id = "list_plugins", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = Page<PluginSummary>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
) -> Result<Json<Page<PluginSummary>>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    let mut data = Vec::new();
    for (name, versions) in state.service.plugins(&shop).await {
        // Every version withdrawn (the others deleted): still listed, by its newest.
        let Some(latest) = versions.iter().find(|v| v.latest).or(versions.last()) else {
            continue;
        };
        data.push(PluginSummary {
            builtin: latest.builtin,
            latest: latest.version.clone(),
            description: latest.info["description"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            versions: versions.len(),
            name,
        });
    }
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}

/// Uploads a version: the body is the component (`application/wasm`). It is checked
/// (a `kait:plugin` transformer importing only WASI 0.2 and `kait:plugin/host`) and
/// compiled now. The same bytes again answer 200 with the version already kept
/// (a withdrawn one stays withdrawn: promote it to put it back).
#[utoipa::path(post, path = "/v1/shops/{shop}/plugins/{name}/versions", operation_id = "upload_plugin_version", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name")),
    request_body(content = Vec<u8>, content_type = "application/wasm", description = "The component, at most 32 MiB"),
    responses(
        (status = 201, body = PluginVersion, description = "A new version"),
        (status = 200, body = PluginVersion, description = "These bytes are already a version"),
        (status = 413, body = ErrorBody, description = "Larger than the limit"),
        (status = 422, body = ErrorBody, description = "Not a usable component; the message names the rule")))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path((shop, name)): Path<(String, String)>,
    body: Body,
) -> Result<(StatusCode, Json<PluginVersion>), ApiError> {
    // The body is read (up to the limit) before any refusal, so the client, still
    // writing it, gets the refusal rather than a reset connection.
    let limit = state.service.config.max_plugin_bytes;
    let bytes = axum::body::to_bytes(body, limit).await;
    shop_reached(&state, &caller?, &shop).await?;
    crate::domain::PluginName::parse(&name)?;
    let bytes = bytes.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the component is larger than {limit} bytes (max_plugin_bytes)"),
        )
    })?;
    let (version, created) = state
        .service
        .upload_plugin(&shop, &name, bytes.to_vec())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(version.into())))
}

/// A plugin's versions, oldest first.
#[utoipa::path(get, path = "/v1/shops/{shop}/plugins/{name}/versions", operation_id = "list_plugin_versions", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name")),
    responses((status = 200, body = Page<PluginVersion>), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name)): Path<(String, String)>,
) -> Result<Json<Page<PluginVersion>>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    let versions = state.service.plugin_versions(&shop, &name).await?;
    Ok(Json(Page {
        data: versions.into_iter().map(PluginVersion::from).collect(),
        next_cursor: None,
    }))
}

/// One version.
#[utoipa::path(get, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}", operation_id = "get_plugin_version", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name"),
        ("version" = String, Path, description = "A version id, or `latest`")),
    responses((status = 200, body = PluginVersion), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name, version)): Path<(String, String, String)>,
) -> Result<Json<PluginVersion>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    let found = state.service.plugin_version(&shop, &name, &version).await?;
    Ok(Json(found.into()))
}

/// Deletes a version no webhook uses. A webhook uses a version it names, and the
/// latest version when it follows `@latest`; the refusal (409) names them.
#[utoipa::path(delete, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}", operation_id = "delete_plugin_version", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name"),
        ("version" = String, Path, description = "A version id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Webhooks use it"), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name, version)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    state
        .service
        .delete_plugin_version(&shop, &name, &version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a version the latest: `name@latest` resolves to it from the next
/// delivery on (attempts already running keep theirs). A withdrawn version is
/// put back.
#[utoipa::path(post, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}/promote", operation_id = "promote_plugin_version", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name"),
        ("version" = String, Path, description = "A version id")),
    responses((status = 200, body = PluginVersion, description = "It is the latest"), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A built-in plugin (`builtin_plugin`)")))]
pub async fn promote(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name, version)): Path<(String, String, String)>,
) -> Result<Json<PluginVersion>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    let promoted = state
        .service
        .promote_plugin_version(&shop, &name, &version)
        .await?;
    Ok(Json(promoted.into()))
}

/// Takes a version out of `@latest`: the highest-ranked version not withdrawn
/// becomes the latest. It stays listed, can still be named exactly, and can be
/// promoted back; the webhooks pinned to it keep running it and are listed.
#[utoipa::path(post, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}/withdraw", operation_id = "withdraw_plugin_version", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name"),
        ("version" = String, Path, description = "A version id")),
    responses((status = 200, body = WithdrawnVersion, description = "It is out of `@latest`"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "It is the only version not withdrawn (`last_version`)"),
        (status = 422, body = ErrorBody, description = "A built-in plugin (`builtin_plugin`)")))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name, version)): Path<(String, String, String)>,
) -> Result<Json<WithdrawnVersion>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    let withdrawn = state
        .service
        .withdraw_plugin_version(&shop, &name, &version)
        .await?;
    Ok(Json(withdrawn.into()))
}
