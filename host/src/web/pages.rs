//! The pages: each handler asks the service (the same rules as the `/v1` API),
//! then renders a template. Everything shown is escaped by the templates
//! (minijinja escapes `.html` templates), so customer, plugin and destination
//! text shows as text.

use std::sync::LazyLock;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::WebState;
use super::session::{self, LANG_COOKIE, Signed, session_cookie};
use crate::catalogue::{self, Lang};
use crate::clock::rfc3339;
use crate::domain::{DeliveryPage, Refused, WebhookStatus};
use crate::service;

/// Every template, by name.
pub const TEMPLATES: [(&str, &str); 9] = [
    ("base.html", include_str!("templates/base.html")),
    ("sign_in.html", include_str!("templates/sign_in.html")),
    ("message.html", include_str!("templates/message.html")),
    ("webhooks.html", include_str!("templates/webhooks.html")),
    ("delete.html", include_str!("templates/delete.html")),
    ("edit.html", include_str!("templates/edit.html")),
    ("deliveries.html", include_str!("templates/deliveries.html")),
    (
        "abandonment.html",
        include_str!("templates/abandonment.html"),
    ),
    ("plugins.html", include_str!("templates/plugins.html")),
];

static TEMPLATE_ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("the page templates parse");
    }
    env
});

/// Renders `name` in `lang` with `page`, answering `status`.
pub(super) fn render_status(status: StatusCode, name: &str, lang: Lang, page: Value) -> Response {
    (status, render(name, lang, page)).into_response()
}

/// Renders `name` in `lang` with `page` (the catalogue is `t`).
fn render(name: &str, lang: Lang, page: Value) -> Response {
    let common = context! {
        t => catalogue::strings(lang),
        lang => lang.code(),
        other_lang => lang.other().code(),
    };
    let rendered = TEMPLATE_ENV
        .get_template(name)
        .and_then(|template| template.render(context! { ..page, ..common }));
    match rendered {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!("rendering {name} failed: {error:#}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page saying why something was refused (or failed), with a way back.
fn message(
    lang: Lang,
    status: StatusCode,
    text: &str,
    back_to: &str,
    back_label: &str,
) -> Response {
    let strings = catalogue::strings(lang);
    let page = context! {
        heading => strings["refused"],
        message => text,
        back_to => back_to,
        back_label => back_label,
    };
    (status, render("message.html", lang, page)).into_response()
}

/// What an error from the service looks like on the page.
pub fn failure(lang: Lang, error: &service::Error) -> Response {
    let back = catalogue::strings(lang)["back"];
    match error {
        service::Error::Refused(refused) => {
            let status = match refused.kind {
                crate::domain::RefusedKind::NotFound => StatusCode::NOT_FOUND,
                crate::domain::RefusedKind::NotAllowed => StatusCode::FORBIDDEN,
                crate::domain::RefusedKind::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            message(lang, status, &refused.message, "/settings/webhooks", back)
        }
        other => {
            tracing::error!("the page failed: {other}");
            let text = "internal error; see the server log";
            message(
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                text,
                "/settings/webhooks",
                back,
            )
        }
    }
}

/// A form post: its CSRF token.
#[derive(serde::Deserialize)]
pub struct Posted {
    #[serde(default)]
    pub(super) csrf: String,
}

/// The refusal of a form that is not this session's, or comes from another
/// site; `None` when it may go on.
pub(super) fn refused_form(
    state: &WebState,
    headers: &HeaderMap,
    signed: &Signed,
    form: &Posted,
) -> Option<Response> {
    let origin_ok = session::same_origin(headers, state.service.config.public_url.as_deref());
    if origin_ok && form.csrf == signed.csrf() {
        return None;
    }
    let text = "this form did not come from this page (CSRF check); reload the page and try again";
    let back = catalogue::strings(signed.lang)["back"];
    Some(message(
        signed.lang,
        StatusCode::FORBIDDEN,
        text,
        "/settings/webhooks",
        back,
    ))
}

fn secure(state: &WebState) -> bool {
    state
        .service
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

/// Signed in: the session cookie, then the webhooks.
fn signed_in(state: &WebState, opened: service::portal::Opened) -> Response {
    let max_age = state.service.config.session_ttl.as_secs() as i64;
    let cookie = session_cookie(&opened.token, max_age, secure(state));
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/settings/webhooks"),
    )
        .into_response()
}

/// `GET /portal/{token}`: a portal link, opened once.
pub async fn portal(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let lang = session::lang(&headers);
    match state.service.open_portal(&token).await {
        Ok(opened) => signed_in(&state, opened),
        Err(service::Error::Refused(_)) => {
            let strings = catalogue::strings(lang);
            message(
                lang,
                StatusCode::FORBIDDEN,
                strings["link_used"],
                "/sign-in",
                strings["sign_in"],
            )
        }
        Err(error) => failure(lang, &error),
    }
}

/// `GET /sign-in`.
pub async fn sign_in_form(headers: HeaderMap) -> Response {
    render("sign_in.html", session::lang(&headers), context! {})
}

/// The sign-in form's fields.
#[derive(serde::Deserialize)]
pub struct SignIn {
    key: String,
}

/// `POST /sign-in`: with the shop key.
pub async fn sign_in(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let lang = session::lang(&headers);
    if !session::same_origin(&headers, state.service.config.public_url.as_deref()) {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            "this form did not come from this page",
            "/sign-in",
            catalogue::strings(lang)["sign_in"],
        );
    }
    match state.service.sign_in(&form.key).await {
        Ok(opened) => signed_in(&state, opened),
        Err(service::Error::Refused(_)) => {
            let error = catalogue::strings(lang)["bad_key"];
            (
                StatusCode::FORBIDDEN,
                render("sign_in.html", lang, context! { error }),
            )
                .into_response()
        }
        Err(error) => failure(lang, &error),
    }
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Form(form): Form<Posted>,
) -> Response {
    if let Some(refused) = refused_form(&state, &headers, &signed, &form) {
        return refused;
    }
    if let Err(error) = state.service.sign_out(&signed.token).await {
        return failure(signed.lang, &error);
    }
    let cookie = session_cookie("", 0, secure(&state));
    ([(header::SET_COOKIE, cookie)], Redirect::to("/sign-in")).into_response()
}

/// `GET /lang/{code}`: switches the page's language.
pub async fn switch_lang(Path(code): Path<String>) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::En);
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        lang.code()
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/settings/webhooks"),
    )
        .into_response()
}

/// One row of the list.
#[derive(Serialize)]
struct Row {
    id: String,
    status: &'static str,
    status_label: &'static str,
    disabled_reason: Option<String>,
    name: String,
    destination: String,
    events: Vec<&'static str>,
    last: Option<Last>,
}

#[derive(Serialize)]
struct Last {
    outcome: &'static str,
    at: String,
}

/// Where a webhook sends, as the merchant knows it: the Callback URL, the
/// Telegram chat, the sheet (secrets masked as the API masks them).
fn destination(config: &serde_json::Value) -> String {
    for key in ["url", "chat_id", "spreadsheet_id"] {
        if let Some(value) = config.get(key) {
            return value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
        }
    }
    String::new()
}

/// `GET /settings/webhooks`: the seed's list.
pub async fn webhooks(State(state): State<WebState>, signed: Signed) -> Response {
    let lang = signed.lang;
    let strings = catalogue::strings(lang);
    let shop = match state.service.shop(signed.shop()).await {
        Ok(shop) => shop,
        Err(error) => return failure(lang, &error),
    };
    let refused = shop
        .plan
        .require_webhooks()
        .err()
        .map(|_| strings["plan_refused"].replace("{plan}", &capitalised(shop.plan.as_str())));
    let hooks = match state.service.webhooks(signed.shop()).await {
        Ok(hooks) => hooks,
        Err(error) => return failure(lang, &error),
    };
    let mut rows = Vec::with_capacity(hooks.len());
    for hook in hooks {
        let config: serde_json::Value = serde_json::from_str(&hook.config).unwrap_or_default();
        let masked = match state.service.resolved(&hook).await {
            Some(entry) => entry.secrets.masked(&config),
            None => serde_json::Value::Null,
        };
        let page = DeliveryPage {
            limit: Some(1),
            ..DeliveryPage::default()
        };
        let last = state
            .service
            .deliveries(signed.shop(), &hook.id, page)
            .await
            .ok()
            .and_then(|(found, _)| found.into_iter().next())
            .map(|d| Last {
                outcome: strings
                    .get(d.status.as_str())
                    .copied()
                    .unwrap_or(d.status.as_str()),
                at: rfc3339(d.updated_at),
            });
        rows.push(Row {
            status: hook.status.as_str(),
            status_label: strings.get(hook.status.as_str()).copied().unwrap_or(""),
            disabled_reason: hook.disabled_reason.clone(),
            name: hook.name.as_str().to_string(),
            destination: destination(&masked),
            events: hook
                .events
                .as_slice()
                .iter()
                .filter_map(|kind| catalogue::event(kind, lang).map(|(title, _)| title))
                .collect(),
            last,
            id: hook.id,
        });
    }
    let page = context! {
        shop => shop.name,
        csrf => signed.csrf(),
        refused,
        webhooks => rows,
    };
    render("webhooks.html", lang, page)
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `POST /settings/webhooks/{id}/pause` and `…/resume`: the pause icon (||).
pub async fn set_status(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<Posted>,
) -> Response {
    if let Some(refused) = refused_form(&state, &headers, &signed, &form) {
        return refused;
    }
    let status = match action.as_str() {
        "pause" => WebhookStatus::Paused,
        "resume" => WebhookStatus::Active,
        _ => {
            return failure(
                signed.lang,
                &Refused::not_found(format!("action {action}")).into(),
            );
        }
    };
    match state
        .service
        .set_webhook_status(signed.shop(), &id, status)
        .await
    {
        Ok(_) => Redirect::to("/settings/webhooks").into_response(),
        Err(error) => failure(signed.lang, &error),
    }
}

/// `GET /settings/webhooks/{id}/delete`: the trash icon asks first.
pub async fn confirm_delete(
    State(state): State<WebState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    match state.service.webhook(signed.shop(), &id).await {
        Ok(hook) => render(
            "delete.html",
            signed.lang,
            context! { id => hook.id, name => hook.name.as_str(), csrf => signed.csrf(), shop => signed.shop() },
        ),
        Err(error) => failure(signed.lang, &error),
    }
}

/// `POST /settings/webhooks/{id}/delete`.
pub async fn delete(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<Posted>,
) -> Response {
    if let Some(refused) = refused_form(&state, &headers, &signed, &form) {
        return refused;
    }
    match state.service.delete_webhook(signed.shop(), &id).await {
        Ok(()) => Redirect::to("/settings/webhooks").into_response(),
        Err(error) => failure(signed.lang, &error),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_string_a_template_names_is_in_the_catalogue() {
        let known = crate::catalogue::strings(crate::catalogue::Lang::En);
        for (name, source) in super::TEMPLATES {
            for (i, _) in source.match_indices("t.") {
                let key: String = source[i + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let before = source[..i].chars().last().unwrap_or(' ');
                if before.is_ascii_alphanumeric() || before == '_' || key.is_empty() {
                    continue;
                }
                assert!(known.contains_key(key.as_str()), "{name} names t.{key}");
            }
        }
    }
}
