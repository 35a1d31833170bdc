//! The shop's checkout abandonment window on the page: how long after a
//! checkout starts Kait calls it abandoned (5 minutes to 7 days; the rule is
//! the domain's).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::WebState;
use super::pages::{Posted, failure, refused_form, render_status};
use super::session::Signed;
use crate::service;

/// `?saved=1` after a save.
#[derive(serde::Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// `GET /settings/abandonment`.
pub async fn form(
    State(state): State<WebState>,
    signed: Signed,
    Query(saved): Query<Saved>,
) -> Response {
    match state.service.shop(signed.shop()).await {
        Ok(shop) => {
            let minutes = shop.abandonment_window.as_secs() / 60;
            let page = context! { shop => signed.shop(), csrf => signed.csrf(), minutes, saved => saved.saved.is_some() };
            render_status(StatusCode::OK, "abandonment.html", signed.lang, page)
        }
        Err(error) => failure(signed.lang, &error),
    }
}

/// The form's fields.
#[derive(serde::Deserialize)]
pub struct Window {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /settings/abandonment`.
pub async fn save(
    State(state): State<WebState>,
    headers: HeaderMap,
    signed: Signed,
    Form(form): Form<Window>,
) -> Response {
    let token = Posted {
        csrf: form.csrf.clone(),
    };
    if let Some(refused) = refused_form(&state, &headers, &signed, &token) {
        return refused;
    }
    let again = |error: String| {
        let page = context! { shop => signed.shop(), csrf => signed.csrf(), minutes => form.minutes.clone(), error };
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "abandonment.html",
            signed.lang,
            page,
        )
    };
    let Ok(minutes) = form.minutes.trim().parse::<u64>() else {
        return again(format!("{:?} is not a number of minutes", form.minutes));
    };
    match state
        .service
        .update_shop(signed.shop(), None, Some(minutes))
        .await
    {
        Ok(_) => Redirect::to("/settings/abandonment?saved=1").into_response(),
        Err(service::Error::Refused(refused)) => again(refused.message),
        Err(error) => failure(signed.lang, &error),
    }
}
