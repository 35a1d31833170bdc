//! The API in-process: the router `kait serve` serves, built on a service opened
//! with the test settings on a fresh data directory, and called through
//! `tower::ServiceExt::oneshot`, with no socket and no process. For the API's own
//! behaviour, where a socket adds nothing; the workers do not run.

use axum::body::Body as HttpBody;
use axum::http::{Request, header};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tower::ServiceExt as _;

use std::sync::Arc;

use kait::clock::{Clock, SystemClock};
use kait::config::ServeConfig;
use kait::service::Service;

use super::calls::{ApiCalls, Body, json_or_text};
use super::{Place, test_settings};

/// The API router on an in-process service.
pub struct App {
    router: axum::Router,
    /// Its data, kept while the app lives.
    _place: Place,
}

impl App {
    /// A service with the test settings on a fresh data directory.
    pub async fn start() -> Self {
        Self::start_with_clock(Arc::new(SystemClock)).await
    }

    /// [`App::start`] on a clock the test moves (time-dependent rules).
    pub async fn start_with_clock(clock: Arc<dyn Clock>) -> Self {
        let place = Place::new();
        let vars = test_settings(&place)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v));
        let config = ServeConfig::load(None, vars).expect("the test settings load");
        let service = Service::open_with_clock(config, clock)
            .await
            .expect("the service opens");
        let router = kait::api::router(service);
        Self {
            router,
            _place: place,
        }
    }
}

impl ApiCalls for App {
    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Body>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, body.content_type);
                HttpBody::from(body.bytes)
            }
            None => HttpBody::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .expect("the router answers");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, json_or_text(&bytes))
    }
}
