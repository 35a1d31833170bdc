//! The merchant's Settings → Webhooks page against the real `kait serve`: the
//! portal link, the session cookie, the seed's pause icon and trash icon, the
//! CSRF check, one shop's session seeing nothing of another, a plan without
//! webhooks, hostile text shown as text, the security headers, and both
//! languages (`access.rs`); the Add / Edit form generated from each plugin's
//! schema (`forms.rs`). Plain HTTP, as a browser without script would send it.

mod access;
mod forms;
mod log;
mod plugins;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait};

/// A browser-like client on `kait`'s page: its cookie, if signed in.
pub struct Visitor {
    pub client: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
    pub lang: &'static str,
}

impl Visitor {
    pub fn new(kait: &Kait) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: kait.base.clone(),
            cookie: None,
            lang: "en",
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let mut request = self
            .client
            .get(format!("{}{path}", self.base))
            .header("accept-language", self.lang);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.text().await.unwrap())
    }

    pub async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> (StatusCode, String) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("accept-language", self.lang)
            .form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// Opens a portal link; keeps the session cookie it sets.
    pub async fn open(&mut self, url: &str) -> StatusCode {
        let path = url
            .split_once("/portal/")
            .map(|(_, t)| format!("/portal/{t}"))
            .unwrap();
        let (status, headers, _) = self.get(&path).await;
        if let Some(set) = headers.get(SET_COOKIE) {
            let set = set.to_str().unwrap();
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Strict"),
                "{set}"
            );
            self.cookie = Some(set.split(';').next().unwrap().to_string());
            assert_eq!(headers[LOCATION], "/settings/webhooks");
        }
        status
    }

    /// The CSRF token the list page gives this session's forms.
    pub async fn csrf(&self) -> String {
        let (_, _, html) = self.get("/settings/webhooks").await;
        let at = html
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF token");
        html[at + 19..].split('"').next().unwrap().to_string()
    }
}

pub async fn portal_link(kait: &Kait, shop: &str, key: &str) -> String {
    let (status, link) = kait
        .post(&format!("/v1/shops/{shop}/portal-sessions"), key, json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    link["url"].as_str().unwrap().to_string()
}

pub async fn status_of(kait: &Kait, shop: &str, key: &str, id: &str) -> Value {
    kait.get(&format!("/v1/shops/{shop}/webhooks/{id}"), key)
        .await
        .1["status"]
        .clone()
}
