//! A webhook's delivery log on the page: newest first, a status filter, each
//! attempt's time, duration, outcome, error, plugin version, log lines and
//! requests with their responses (scrubbed before they were stored), a Retry
//! button, and Send test. The list refreshes itself (`assets/kait.js`).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;

use super::WebState;
use super::pages::{Posted, failure, refused_form, render_status};
use super::session::Signed;
use crate::catalogue;
use crate::clock::rfc3339;
use crate::domain::{DeliveryPage, DeliveryStatus, Refused};

/// Deliveries on one page of the log.
const PAGE: usize = 20;

/// `?status=` and `?cursor=`.
#[derive(serde::Deserialize)]
pub struct Filter {
    status: Option<String>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct Row {
    id: String,
    event: String,
    status: &'static str,
    status_label: &'static str,
    attempts: u32,
    created_at: String,
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    log: Vec<AttemptRow>,
}

#[derive(Serialize)]
struct AttemptRow {
    n: u32,
    at: String,
    duration_ms: u64,
    outcome: &'static str,
    error_kind: Option<&'static str>,
    error: Option<String>,
    plugin: String,
    logs: String,
    requests: String,
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| json.to_string())
}

/// `GET /settings/webhooks/{id}/deliveries`.
pub async fn deliveries(
    State(state): State<WebState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    let lang = signed.lang;
    let strings = catalogue::strings(lang);
    let hook = match state.service.webhook(signed.shop(), &id).await {
        Ok(hook) => hook,
        Err(error) => return failure(lang, &error),
    };
    let status = match filter.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match DeliveryStatus::parse(text) {
            Some(status) => Some(status),
            None => {
                let refused =
                    Refused::invalid("invalid_status", format!("no such status {text:?}"));
                return failure(lang, &refused.into());
            }
        },
    };
    let page = DeliveryPage {
        status,
        limit: Some(PAGE),
        cursor: filter.cursor.clone(),
    };
    let (found, next) = match state.service.deliveries(signed.shop(), &id, page).await {
        Ok(found) => found,
        Err(error) => return failure(lang, &error),
    };
    let mut rows = Vec::with_capacity(found.len());
    for delivery in found {
        let log = match state.service.delivery(signed.shop(), &delivery.id).await {
            Ok(full) => full.attempt_log.unwrap_or_default(),
            Err(error) => return failure(lang, &error),
        };
        rows.push(Row {
            event: catalogue::event(&delivery.event_type, lang)
                .map_or(delivery.event_type.clone(), |(title, _)| title.to_string()),
            status: delivery.status.as_str(),
            status_label: strings.get(delivery.status.as_str()).copied().unwrap_or(""),
            attempts: delivery.attempts,
            created_at: rfc3339(delivery.created_at),
            next_attempt_at: delivery.next_attempt_at.map(rfc3339),
            last_error: delivery.last_error.clone(),
            log: log
                .into_iter()
                .rev()
                .map(|a| AttemptRow {
                    n: a.n,
                    at: rfc3339(a.attempted.at),
                    duration_ms: a.attempted.duration_ms,
                    outcome: a.attempted.outcome.as_str(),
                    error_kind: a.attempted.error_kind.map(|k| k.as_str()),
                    error: a.attempted.error,
                    plugin: a.attempted.plugin,
                    logs: pretty(a.attempted.logs.get()),
                    requests: pretty(a.attempted.requests.get()),
                })
                .collect(),
            id: delivery.id,
        });
    }
    let statuses: Vec<&str> = DeliveryStatus::ALL.iter().map(|s| s.as_str()).collect();
    let page = context! {
        shop => signed.shop(),
        csrf => signed.csrf(),
        webhook => context! { id => hook.id, name => hook.name.as_str() },
        rows,
        statuses,
        chosen => filter.status.unwrap_or_default(),
        next,
    };
    render_status(axum::http::StatusCode::OK, "deliveries.html", lang, page)
}

/// `POST /settings/deliveries/{id}/retry`: the Retry button.
pub async fn retry(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<Posted>,
) -> Response {
    if let Some(refused) = refused_form(&state, &headers, &signed, &form) {
        return refused;
    }
    match state.service.retry_delivery(signed.shop(), &id).await {
        Ok(delivery) => {
            let back = format!(
                "/settings/webhooks/{}/deliveries#{}",
                delivery.webhook_id, delivery.id
            );
            Redirect::to(&back).into_response()
        }
        Err(error) => failure(signed.lang, &error),
    }
}

/// `POST /settings/webhooks/{id}/test`: Send test, then the attempt in the log.
pub async fn send_test(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<Posted>,
) -> Response {
    if let Some(refused) = refused_form(&state, &headers, &signed, &form) {
        return refused;
    }
    match state.service.test_webhook(signed.shop(), &id, None).await {
        Ok(delivery) => {
            let back = format!("/settings/webhooks/{id}/deliveries#{}", delivery.id);
            Redirect::to(&back).into_response()
        }
        Err(error) => failure(signed.lang, &error),
    }
}
