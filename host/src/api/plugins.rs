//! A shop's plugins: uploading versions, listing them, deleting one no webhook
//! uses. Built-in plugins are listed for every shop; a shop's own are visible to it
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
use crate::registry::reference::{check_name, parse_pin};
use crate::registry::{Entry, Pin, UploadError};
use crate::runtime::LoadError;
use crate::store::{Deleted, PluginVersionRow};

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
    pub(super) version: String,
    /// SHA-256 of the component.
    sha256: String,
    /// Size of the component in bytes.
    size: u64,
    /// When it was uploaded (absent for built-ins).
    created_at: Option<String>,
    /// Whether `name@latest` resolves to it.
    latest: bool,
    builtin: bool,
    /// What the plugin says about itself: name, version, description, config_schema.
    #[schema(value_type = Object)]
    info: Value,
    /// Everything the component imports.
    imports: Vec<String>,
}

fn stored_view(row: &PluginVersionRow, latest: bool) -> PluginVersion {
    PluginVersion {
        name: row.name.clone(),
        version: row.version.clone(),
        sha256: row.sha256.clone(),
        size: row.size,
        created_at: Some(rfc3339(row.created_at)),
        latest,
        builtin: false,
        info: serde_json::from_str(&row.info).unwrap_or_default(),
        imports: serde_json::from_str(&row.imports).unwrap_or_default(),
    }
}

fn builtin_view(entry: &Entry) -> PluginVersion {
    let schema: Value = serde_json::from_str(&entry.info.config_schema).unwrap_or_default();
    PluginVersion {
        name: entry.name.clone(),
        version: entry.version.clone(),
        sha256: entry.plugin.id().trim_start_matches("sha256:").to_string(),
        size: entry.plugin.size() as u64,
        created_at: None,
        latest: true,
        builtin: true,
        info: serde_json::json!({
            "name": entry.info.name,
            "version": entry.info.version,
            "description": entry.info.description,
            "config_schema": schema,
        }),
        imports: entry.plugin.imports().to_vec(),
    }
}

/// The shop, reached by the caller and existing.
async fn shop_reached(state: &AppState, caller: &Caller, shop: &str) -> Result<(), ApiError> {
    caller.reach(shop)?;
    if state.shop_exists(shop).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("shop {shop}")))
    }
}

/// All versions of `name` visible to `shop`, oldest first.
fn all_versions(state: &AppState, shop: &str, name: &str) -> Result<Vec<PluginVersion>, ApiError> {
    let registry = &state.service.registry;
    if let Some(entry) = registry.builtin(name) {
        return Ok(vec![builtin_view(&entry)]);
    }
    let rows = registry
        .versions(shop, name)
        .ok_or_else(|| ApiError::not_found(format!("plugin {name}")))?;
    let last = rows.len() - 1;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, row)| stored_view(row, i == last))
        .collect())
}

/// The plugins a shop can use: the built-ins, then its own.
#[utoipa::path(get, path = "/v1/shops/{shop}/plugins", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id")),
    responses((status = 200, body = Page<PluginSummary>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(shop): Path<String>,
) -> Result<Json<Page<PluginSummary>>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    let mut data = Vec::new();
    for name in state.service.registry.available(&shop) {
        let versions = all_versions(&state, &shop, &name)?;
        let Some(latest) = versions.last() else {
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
/// compiled now. The same bytes again answer 200 with the version already kept.
#[utoipa::path(post, path = "/v1/shops/{shop}/plugins/{name}/versions", tag = "plugins",
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
    check_name(&name).map_err(|e| ApiError::unprocessable("invalid_name", e))?;
    let bytes = bytes.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the component is larger than {limit} bytes (max_plugin_bytes)"),
        )
    })?;
    let service = &state.service;
    let cap = service.config.plugin_compile_timeout;
    let now = service.clock.now();
    let uploaded = service
        .registry
        .upload(&shop, &name, bytes.to_vec(), cap, now)
        .await
        .map_err(upload_error)?;
    service.wake.notify_one();
    let status = if uploaded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let versions = service.registry.versions(&shop, &name).unwrap_or_default();
    let latest = versions.last().map(|v| v.version.as_str()) == Some(&uploaded.row.version);
    Ok((status, Json(stored_view(&uploaded.row, latest))))
}

fn upload_error(error: UploadError) -> ApiError {
    let message = error.to_string();
    let code = match &error {
        UploadError::Name(_) => "invalid_name",
        UploadError::Load(load) => match load {
            LoadError::NotWasm => "not_wasm",
            LoadError::CoreModule => "core_module",
            LoadError::UnknownVersion(_) | LoadError::Invalid(_) => "invalid_component",
            LoadError::UnknownImports(_) => "forbidden_imports",
            LoadError::NotATransformer(_) => "not_a_transformer",
        },
        UploadError::CompileTimeout(_) => "compile_timeout",
        UploadError::Info(_) => "invalid_info",
        UploadError::Store(e) => return ApiError::internal(e),
    };
    ApiError::unprocessable(code, message)
}

/// A plugin's versions, oldest first.
#[utoipa::path(get, path = "/v1/shops/{shop}/plugins/{name}/versions", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name")),
    responses((status = 200, body = Page<PluginVersion>), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name)): Path<(String, String)>,
) -> Result<Json<Page<PluginVersion>>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    Ok(Json(Page {
        data: all_versions(&state, &shop, &name)?,
        next_cursor: None,
    }))
}

/// The version `version` (an id, or `latest`) of a plugin, from those visible.
pub(super) fn one_version(
    state: &AppState,
    shop: &str,
    name: &str,
    version: &str,
) -> Result<PluginVersion, ApiError> {
    let pin = parse_pin(version).map_err(|e| ApiError::not_found(format!("plugin {name} {e}")))?;
    let mut versions = all_versions(state, shop, name)?;
    let index = match pin {
        Pin::Latest => versions.len().checked_sub(1),
        Pin::Exact(id) => versions.iter().position(|v| v.version == id),
    };
    index
        .map(|i| versions.swap_remove(i))
        .ok_or_else(|| ApiError::not_found(format!("version {version} of plugin {name}")))
}

/// One version.
#[utoipa::path(get, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}", tag = "plugins",
    params(("shop" = String, Path, description = "The shop's id"), ("name" = String, Path, description = "The plugin's name"),
        ("version" = String, Path, description = "A version id, or `latest`")),
    responses((status = 200, body = PluginVersion), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((shop, name, version)): Path<(String, String, String)>,
) -> Result<Json<PluginVersion>, ApiError> {
    shop_reached(&state, &caller, &shop).await?;
    Ok(Json(one_version(&state, &shop, &name, &version)?))
}

/// Deletes a version no webhook uses. A webhook uses a version it names, and the
/// latest version when it follows `@latest`; the refusal (409) names them.
#[utoipa::path(delete, path = "/v1/shops/{shop}/plugins/{name}/versions/{version}", tag = "plugins",
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
    let registry = &state.service.registry;
    if registry.is_builtin(&name) {
        return Err(ApiError::unprocessable(
            "builtin_plugin",
            format!("{name} is built in and cannot be deleted"),
        ));
    }
    let id = one_version(&state, &shop, &name, &version)?.version;
    match registry.delete(&shop, &name, &id).await? {
        Deleted::Done { .. } => Ok(StatusCode::NO_CONTENT),
        Deleted::NotFound => Err(ApiError::not_found(format!(
            "version {version} of plugin {name}"
        ))),
        Deleted::InUse(webhooks) => {
            let named: Vec<String> = webhooks
                .iter()
                .map(|(id, name)| format!("{id} ({name})"))
                .collect();
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "plugin_in_use",
                format!(
                    "{name}@{id} is used by webhook(s) {}; point them at another version first",
                    named.join(", ")
                ),
            ))
        }
    }
}
