//! The shop's own plugins on the page: upload a `.wasm` (the refusal says which
//! check it failed), each version with what its `info()` says and which
//! webhooks run it, pin a webhook to a version or roll it back, delete a
//! version no webhook uses, and a dry run of a version on a sample.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;
use serde_json::Value;

use super::WebState;
use super::pages::{Posted, failure, refused_form, render_status};
use super::preview::Preview;
use super::session::Signed;
use crate::clock::rfc3339;
use crate::service::{self, DryRunInput, WebhookChanges};

#[derive(Serialize)]
struct VersionRow {
    version: String,
    size: u64,
    created_at: String,
    latest: bool,
    description: String,
    info_version: String,
    used_by: Vec<String>,
}

#[derive(Serialize)]
struct PluginRow {
    name: String,
    versions: Vec<VersionRow>,
    webhooks: Vec<WebhookUse>,
}

#[derive(Serialize)]
struct WebhookUse {
    id: String,
    name: String,
    plugin: String,
}

/// What the page shows besides the list.
#[derive(Default)]
struct Extra {
    error: Option<String>,
    preview: Option<(String, Preview)>,
}

impl Extra {
    /// The list with a refusal above it.
    fn error(message: String) -> Self {
        Self {
            error: Some(message),
            ..Self::default()
        }
    }
}

async fn page(state: &WebState, signed: &Signed, extra: Extra, status: StatusCode) -> Response {
    let shop = signed.shop();
    let hooks = match state.service.webhooks(shop).await {
        Ok(hooks) => hooks,
        Err(error) => return failure(signed.lang, &error),
    };
    // Which version each webhook runs now.
    let mut running: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for hook in &hooks {
        if let Some(entry) = state.service.resolved(hook).await {
            running
                .entry(entry.label())
                .or_default()
                .push(hook.name.as_str().to_string());
        }
    }
    let mut plugins = Vec::new();
    for (name, versions) in state.service.plugins(shop).await {
        if versions.iter().any(|v| v.builtin) {
            continue;
        }
        let rows = versions
            .iter()
            .rev()
            .map(|v| VersionRow {
                used_by: running
                    .get(&format!("{name}@{}", v.version))
                    .cloned()
                    .unwrap_or_default(),
                version: v.version.clone(),
                size: v.size,
                created_at: v.created_at.map(rfc3339).unwrap_or_default(),
                latest: v.latest,
                description: v.info["description"].as_str().unwrap_or("").to_string(),
                info_version: v.info["version"].as_str().unwrap_or("").to_string(),
            })
            .collect();
        let webhooks = hooks
            .iter()
            .filter(|h| h.plugin.name.as_str() == name)
            .map(|h| WebhookUse {
                id: h.id.clone(),
                name: h.name.as_str().to_string(),
                plugin: h.plugin.to_string(),
            })
            .collect();
        plugins.push(PluginRow {
            name,
            versions: rows,
            webhooks,
        });
    }
    let (preview_of, preview) = extra
        .preview
        .map_or((None, None), |(label, p)| (Some(label), Some(p)));
    let page = context! {
        shop => shop,
        csrf => signed.csrf(),
        plugins,
        error => extra.error,
        preview_of,
        preview,
        samples => crate::events::TYPES,
    };
    render_status(status, "plugins.html", signed.lang, page)
}

/// `GET /settings/plugins`.
pub async fn list(State(state): State<WebState>, signed: Signed) -> Response {
    page(&state, &signed, Extra::default(), StatusCode::OK).await
}

/// `POST /settings/plugins` (multipart: `csrf`, `name`, `file`): an upload.
pub async fn upload(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    mut form: Multipart,
) -> Response {
    let (mut csrf, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let key = field.name().unwrap_or("").to_string();
                match key.as_str() {
                    "csrf" => csrf = field.text().await.unwrap_or_default(),
                    "name" => name = field.text().await.unwrap_or_default(),
                    "file" => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(error) => {
                let extra = Extra::error(format!("the upload could not be read: {error}"));
                return page(&state, &signed, extra, StatusCode::BAD_REQUEST).await;
            }
        }
    }
    if let Some(refused) = refused_form(&state, &headers, &signed, &Posted { csrf }) {
        return refused;
    }
    match state
        .service
        .upload_plugin(signed.shop(), name.trim(), bytes)
        .await
    {
        Ok(_) => Redirect::to("/settings/plugins").into_response(),
        Err(service::Error::Refused(refused)) => {
            let extra = Extra::error(format!("{}: {}", refused.code, refused.message));
            page(&state, &signed, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => failure(signed.lang, &error),
    }
}

/// The pin form: the version a webhook runs.
#[derive(serde::Deserialize)]
pub struct Pin {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plugin: String,
}

/// `POST /settings/plugins/pin/{webhook}`: pin a webhook to a version (or
/// `@latest`), which is also how a webhook is rolled back.
pub async fn pin(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path(webhook): Path<String>,
    Form(form): Form<Pin>,
) -> Response {
    if let Some(refused) = refused_form(
        &state,
        &headers,
        &signed,
        &Posted {
            csrf: form.csrf.clone(),
        },
    ) {
        return refused;
    }
    let changes = WebhookChanges {
        plugin: Some(form.plugin),
        ..WebhookChanges::default()
    };
    match state
        .service
        .update_webhook(signed.shop(), &webhook, changes)
        .await
    {
        Ok(_) => Redirect::to("/settings/plugins").into_response(),
        Err(service::Error::Refused(refused)) => {
            let extra = Extra::error(refused.message);
            page(&state, &signed, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => failure(signed.lang, &error),
    }
}

/// `POST /settings/plugins/{name}/{version}/delete`.
pub async fn delete(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path((name, version)): Path<(String, String)>,
    Form(form): Form<Posted>,
) -> Response {
    if let Some(refused) = refused_form(&state, &headers, &signed, &form) {
        return refused;
    }
    match state
        .service
        .delete_plugin_version(signed.shop(), &name, &version)
        .await
    {
        Ok(()) => Redirect::to("/settings/plugins").into_response(),
        Err(service::Error::Refused(refused)) => {
            let extra = Extra::error(refused.message);
            page(&state, &signed, extra, StatusCode::CONFLICT).await
        }
        Err(error) => failure(signed.lang, &error),
    }
}

/// The dry-run form.
#[derive(serde::Deserialize)]
pub struct DryRunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sample: String,
    #[serde(default)]
    config: String,
}

/// `POST /settings/plugins/{name}/{version}/dry-run`: runs the version on a
/// sample with a configuration; sends nothing.
pub async fn dry_run(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path((name, version)): Path<(String, String)>,
    Form(form): Form<DryRunForm>,
) -> Response {
    if let Some(refused) = refused_form(
        &state,
        &headers,
        &signed,
        &Posted {
            csrf: form.csrf.clone(),
        },
    ) {
        return refused;
    }
    let config: Value = match form.config.trim() {
        "" => Value::Object(Default::default()),
        text => match serde_json::from_str(text) {
            Ok(config) => config,
            Err(error) => {
                let extra = Extra::error(format!("the configuration is not JSON: {error}"));
                return page(&state, &signed, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    let sample = Some(form.sample).filter(|s| !s.is_empty());
    let input = DryRunInput {
        event: None,
        sample,
        config,
    };
    let extra = match state
        .service
        .dry_run(signed.shop(), &name, &version, input)
        .await
    {
        Ok(run) => Extra {
            preview: Some((run.plugin.clone(), Preview::of(&run))),
            ..Extra::default()
        },
        Err(service::Error::Refused(refused)) => Extra::error(refused.message),
        Err(error) => return failure(signed.lang, &error),
    };
    page(&state, &signed, extra, StatusCode::OK).await
}
