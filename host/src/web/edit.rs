//! Add Webhook and Edit: Status, Name, the ten events with the seed's wording,
//! the plugin, and its configuration as a form generated from the plugin's
//! schema ([`super::form`]). Saving goes through the same service operations as
//! `POST` / `PATCH …/webhooks`, so the plugin's own `validate-config` decides;
//! its refusal is shown above the form, with what the merchant typed kept.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;
use serde_json::Value;

use super::WebState;
use super::form::{self, FieldError};
use super::pages::{failure, refused_form, render_status};
use super::preview::Preview;
use super::session::Signed;
use crate::catalogue::{self, Lang};
use crate::domain::PluginRef;
use crate::domain::WebhookStatus;
use crate::service::{self, DryRunInput, WebhookChanges, WebhookInput};

/// `?plugin=` on the form's address: the plugin to configure.
#[derive(serde::Deserialize)]
pub struct Choice {
    plugin: Option<String>,
}

/// An event's checkbox.
#[derive(Serialize)]
struct EventBox {
    kind: &'static str,
    title: &'static str,
    when: &'static str,
    checked: bool,
}

/// What the form shows: saved or typed values.
struct Shown<'a> {
    action: String,
    heading: &'static str,
    status: &'a str,
    name: &'a str,
    events: &'a [String],
    plugin: &'a str,
    config: &'a Value,
    error: Option<String>,
    field_error: Option<FieldError>,
    /// The webhook being edited, if it exists.
    webhook: Option<&'a str>,
    /// The template preview, when asked for.
    preview: Option<Preview>,
}

async fn page(state: &WebState, signed: &Signed, shown: Shown<'_>, status: StatusCode) -> Response {
    let lang = signed.lang;
    let entry = match state
        .service
        .plugin_entry(signed.shop(), shown.plugin)
        .await
    {
        Ok(entry) => entry,
        Err(error) => return failure(lang, &error),
    };
    let schema: Value = serde_json::from_str(&entry.info.config_schema).unwrap_or_default();
    let masked = entry.secrets.masked(shown.config);
    let mut plugins = Vec::new();
    for (name, versions) in state.service.plugins(signed.shop()).await {
        match versions.as_slice() {
            [only] if only.builtin => plugins.push(name),
            versions => {
                plugins.push(format!("{name}@latest"));
                plugins.extend(
                    versions
                        .iter()
                        .rev()
                        .map(|v| format!("{name}@{}", v.version)),
                );
            }
        }
    }
    let events: Vec<EventBox> = crate::events::TYPES
        .iter()
        .filter_map(|kind| {
            let (title, when) = catalogue::event(kind, lang)?;
            let checked = shown.events.is_empty() || shown.events.iter().any(|e| e == kind);
            Some(EventBox {
                kind,
                title,
                when,
                checked,
            })
        })
        .collect();
    // Recent real events of this webhook, to preview on besides the samples.
    let recent: Vec<(String, String)> = match shown.webhook {
        Some(id) => state
            .service
            .recent_events(signed.shop(), id, 5)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let field_error = shown
        .field_error
        .map(|e| context! { name => e.name, message => e.message });
    let page = context! {
        heading => shown.heading,
        action => shown.action,
        csrf => signed.csrf(),
        shop => signed.shop(),
        status => shown.status,
        name => shown.name,
        events,
        plugin => shown.plugin,
        plugins,
        fields => labelled(form::fields(&schema, &masked), lang),
        error => shown.error,
        field_error,
        webhook => shown.webhook,
        preview => shown.preview,
        samples => crate::events::TYPES,
        recent,
    };
    render_status(status, "edit.html", lang, page)
}

/// The catalogue's names for the built-ins' settings (`config_<name>`).
fn labelled(mut fields: Vec<form::Field>, lang: Lang) -> Vec<form::Field> {
    let strings = catalogue::strings(lang);
    for field in &mut fields {
        if let Some(label) = strings.get(format!("config_{}", field.name).as_str()) {
            field.label = label.to_string();
        }
    }
    fields
}

fn strings(lang: Lang) -> std::collections::BTreeMap<&'static str, &'static str> {
    catalogue::strings(lang)
}

/// `GET /settings/webhooks/new`: the seed's Add Webhook.
pub async fn new(
    State(state): State<WebState>,
    signed: Signed,
    Query(choice): Query<Choice>,
) -> Response {
    let lang = signed.lang;
    if let Err(error) = state
        .service
        .shop(signed.shop())
        .await
        .and_then(|shop| Ok(shop.plan.require_webhooks()?))
    {
        return failure(lang, &error);
    }
    let plugin = choice.plugin.unwrap_or_else(|| "http".into());
    let (heading, action) = target(lang, None);
    let shown = Shown {
        action,
        heading,
        status: "active",
        name: "",
        events: &[],
        plugin: &plugin,
        config: &Value::Null,
        error: None,
        field_error: None,
        webhook: None,
        preview: None,
    };
    page(&state, &signed, shown, StatusCode::OK).await
}

/// `GET /settings/webhooks/{id}/edit`.
pub async fn edit(
    State(state): State<WebState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(choice): Query<Choice>,
) -> Response {
    let hook = match state.service.webhook(signed.shop(), &id).await {
        Ok(hook) => hook,
        Err(error) => return failure(signed.lang, &error),
    };
    let saved: Value = serde_json::from_str(&hook.config).unwrap_or_default();
    let plugin = choice.plugin.unwrap_or_else(|| hook.plugin.to_string());
    let same_plugin = plugin == hook.plugin.to_string();
    let config = if same_plugin { saved } else { Value::Null };
    let events = hook.events.as_slice().to_vec();
    let (heading, action) = target(signed.lang, Some(&id));
    let shown = Shown {
        action,
        heading,
        status: hook.status.as_str(),
        name: hook.name.as_str(),
        events: &events,
        plugin: &plugin,
        config: &config,
        error: None,
        field_error: None,
        webhook: Some(&id),
        preview: None,
    };
    page(&state, &signed, shown, StatusCode::OK).await
}

/// The posted form, read: the fields the service takes, or why not.
struct Posted {
    status: WebhookStatus,
    name: String,
    events: Vec<String>,
    plugin: String,
    config: Result<Value, FieldError>,
    csrf: String,
}

async fn read(
    state: &WebState,
    signed: &Signed,
    pairs: Vec<(String, String)>,
) -> Result<Posted, service::Error> {
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut events = Vec::new();
    for (key, value) in pairs {
        if key == "events" {
            events.push(value);
        } else {
            fields.insert(key, value);
        }
    }
    let take = |key: &str| fields.get(key).cloned().unwrap_or_default();
    let plugin = take("plugin");
    let entry = state.service.plugin_entry(signed.shop(), &plugin).await?;
    let schema: Value = serde_json::from_str(&entry.info.config_schema).unwrap_or_default();
    Ok(Posted {
        status: if take("status") == "paused" {
            WebhookStatus::Paused
        } else {
            WebhookStatus::Active
        },
        name: take("name"),
        config: form::config(&schema, &fields),
        events,
        plugin,
        csrf: take("csrf"),
    })
}

/// The form's heading and where it posts: Edit for an existing webhook,
/// else Add Webhook.
fn target(lang: Lang, webhook: Option<&str>) -> (&'static str, String) {
    match webhook {
        Some(id) => (
            strings(lang)["edit_webhook"],
            format!("/settings/webhooks/{id}/edit"),
        ),
        None => (
            strings(lang)["add_webhook"],
            "/settings/webhooks/new".to_string(),
        ),
    }
}

/// The posted form, read and CSRF-checked; the page to answer otherwise.
async fn checked(
    state: &WebState,
    headers: &HeaderMap,
    signed: &Signed,
    pairs: Vec<(String, String)>,
) -> Result<Posted, Response> {
    let posted = read(state, signed, pairs)
        .await
        .map_err(|error| failure(signed.lang, &error))?;
    let token = super::pages::Posted {
        csrf: posted.csrf.clone(),
    };
    match refused_form(state, headers, signed, &token) {
        Some(refused) => Err(refused),
        None => Ok(posted),
    }
}

/// Saves through the service; on a refusal, the form again with the reason.
async fn save(
    state: WebState,
    headers: HeaderMap,
    signed: Signed,
    id: Option<String>,
    pairs: Vec<(String, String)>,
) -> Response {
    let lang = signed.lang;
    let posted = match checked(&state, &headers, &signed, pairs).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let (heading, action) = target(lang, id.as_deref());
    let outcome = match &posted.config {
        Ok(config) => match submit(&state, &signed, id.as_deref(), &posted, config.clone()).await {
            Ok(()) => return Redirect::to("/settings/webhooks").into_response(),
            Err(service::Error::Refused(refused)) => {
                let named = named_field(&state, &signed, &posted.plugin, &refused.message).await;
                (config.clone(), refused.message, named)
            }
            Err(error) => return failure(lang, &error),
        },
        Err(field_error) => (
            Value::Null,
            format!("{}: {}", field_error.name, field_error.message),
            Some(FieldError {
                name: field_error.name.clone(),
                message: field_error.message.clone(),
            }),
        ),
    };
    let (config, error, field_error) = outcome;
    let shown = Shown {
        action,
        heading,
        status: posted.status.as_str(),
        name: &posted.name,
        events: &posted.events,
        plugin: &posted.plugin,
        config: &config,
        error: Some(error),
        field_error,
        webhook: id.as_deref(),
        preview: None,
    };
    page(&state, &signed, shown, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The setting a refusal names (`` `url` ``, `url: …`, `config.url`), so the
/// form can show the reason next to it too.
async fn named_field(
    state: &WebState,
    signed: &Signed,
    plugin: &str,
    message: &str,
) -> Option<FieldError> {
    let entry = state
        .service
        .plugin_entry(signed.shop(), plugin)
        .await
        .ok()?;
    let schema: Value = serde_json::from_str(&entry.info.config_schema).ok()?;
    let name = schema["properties"].as_object()?.keys().find(|name| {
        let quoted = format!("`{name}`");
        let prefixed = [
            format!("{name}:"),
            format!("{name} "),
            format!("config.{name}"),
        ];
        message.contains(&quoted)
            || message.contains(&format!(" {name}:"))
            || prefixed.iter().any(|p| message.starts_with(p.as_str()))
            || message.contains(&format!("config.{name}"))
    })?;
    Some(FieldError {
        name: name.clone(),
        message: message.to_string(),
    })
}

/// Creates (`id` is `None`) or changes the webhook as posted.
async fn submit(
    state: &WebState,
    signed: &Signed,
    id: Option<&str>,
    posted: &Posted,
    config: Value,
) -> Result<(), service::Error> {
    match id {
        None => {
            let input = WebhookInput {
                name: posted.name.clone(),
                status: Some(posted.status),
                events: Some(posted.events.clone()),
                plugin: posted.plugin.clone(),
                config,
            };
            state.service.create_webhook(signed.shop(), input).await?;
        }
        Some(id) => {
            let changes = WebhookChanges {
                name: Some(posted.name.clone()),
                status: Some(posted.status),
                events: Some(posted.events.clone()),
                plugin: Some(posted.plugin.clone()),
                config: Some(config),
            };
            state
                .service
                .update_webhook(signed.shop(), id, changes)
                .await?;
        }
    }
    Ok(())
}

/// `POST /settings/webhooks/new`.
pub async fn create(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(state, headers, signed, None, pairs).await
}

/// `POST /settings/webhooks/{id}/edit`.
pub async fn update(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(state, headers, signed, Some(id), pairs).await
}

/// `POST /settings/webhooks/preview`: the form as filled in, run by the plugin
/// on a sample event through the dry run (nothing is sent or saved); the
/// requests it would send appear under the form.
pub async fn preview(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = signed.lang;
    let field = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let (webhook, sample) = (field("webhook"), field("sample"));
    let posted = match checked(&state, &headers, &signed, pairs).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let (heading, action) = target(lang, webhook.as_deref());
    let mut config = posted.config.as_ref().cloned().unwrap_or(Value::Null);
    let ran = async {
        let entry = state
            .service
            .plugin_entry(signed.shop(), &posted.plugin)
            .await?;
        if let Some(id) = &webhook {
            let saved = state.service.webhook(signed.shop(), id).await?;
            if saved.plugin.name.as_str() == entry.name {
                let old: Value = serde_json::from_str(&saved.config).unwrap_or_default();
                entry.secrets.keep_unchanged(&mut config, &old);
            }
        }
        let reference = PluginRef::parse(&posted.plugin)?;
        let version = reference.pin.exact().unwrap_or("latest").to_string();
        let input = match sample.as_deref().and_then(|s| s.strip_prefix("event:")) {
            Some(event) => DryRunInput {
                event: Some(state.service.stored_event(signed.shop(), event).await?),
                sample: None,
                config: config.clone(),
            },
            None => DryRunInput {
                event: None,
                sample: sample.clone(),
                config: config.clone(),
            },
        };
        state
            .service
            .dry_run(signed.shop(), reference.name.as_str(), &version, input)
            .await
    }
    .await;
    let (preview, error) = match ran {
        Ok(run) => (Some(Preview::of(&run)), None),
        Err(service::Error::Refused(refused)) => (None, Some(refused.message)),
        Err(error) => return failure(lang, &error),
    };
    let shown = Shown {
        action,
        heading,
        status: posted.status.as_str(),
        name: &posted.name,
        events: &posted.events,
        plugin: &posted.plugin,
        config: &config,
        error,
        field_error: posted.config.err(),
        webhook: webhook.as_deref(),
        preview,
    };
    page(&state, &signed, shown, StatusCode::OK).await
}
