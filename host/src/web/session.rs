//! Who is on the page: the session cookie (`HttpOnly`, `SameSite=Strict`,
//! `Secure` when `public_url` is https), the language cookie, and the CSRF
//! check every state-changing form passes (a token derived from the session,
//! and the `Origin` header, when sent, naming this site).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebState;
use crate::catalogue::Lang;
use crate::domain::Session;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kait_session";
/// The language cookie's name.
pub const LANG_COOKIE: &str = "kait_lang";

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for the session: `token` for `max_age` seconds, or
/// cleared when `max_age` is 0.
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

/// The page's language for this request.
pub fn lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_else(|| {
            let accept = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Lang::from_accept(accept)
        })
}

/// The CSRF token of the session whose cookie is `token`: only a page served
/// to that session knows it.
pub fn csrf_token(token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(b"kait page form");
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// Whether the request's `Origin`, when it has one, is this site: the
/// `public_url`'s origin, or the address the request came to.
pub fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let expected = match public_url.and_then(|u| url::Url::parse(u).ok()) {
        Some(url) => url.origin().ascii_serialization(),
        None => match headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
            Some(host) => format!("http://{host}"),
            None => return false,
        },
    };
    origin == expected
}

/// A signed-in merchant: the session and its cookie's token. A request without
/// a live session is sent to the sign-in form.
pub struct Signed {
    /// The session.
    pub session: Session,
    /// The cookie's token.
    pub token: String,
    /// The language of the page.
    pub lang: Lang,
}

impl Signed {
    /// The CSRF token forms of this session carry.
    pub fn csrf(&self) -> String {
        csrf_token(&self.token)
    }

    /// The shop this session may see.
    pub fn shop(&self) -> &str {
        &self.session.shop_id
    }
}

impl FromRequestParts<WebState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let to_sign_in = || Redirect::to("/sign-in").into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in());
        };
        match state.service.session(token).await {
            Ok(Some(session)) => Ok(Self {
                session,
                token: token.to_string(),
                lang: lang(&parts.headers),
            }),
            Ok(None) => Err(to_sign_in()),
            Err(error) => Err(super::pages::failure(lang(&parts.headers), &error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_form_from_another_origin_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8460"));
        assert!(same_origin(&headers, None), "no Origin: the token decides");
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8460"),
        );
        assert!(same_origin(&headers, None));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&headers, None));
        let public = Some("https://hooks.example.com/");
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://hooks.example.com"),
        );
        assert!(same_origin(&headers, public));
    }

    #[test]
    fn each_session_has_its_own_csrf_token() {
        assert_ne!(csrf_token("kait_ps_a"), csrf_token("kait_ps_b"));
        assert_eq!(csrf_token("kait_ps_a"), csrf_token("kait_ps_a"));
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kait_session=kait_ps_x; kait_lang=ms"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("kait_ps_x"));
        assert_eq!(lang(&headers), Lang::Ms);
    }
}
