//! The API as the tests call it, the same over a socket ([`super::Kait`], the
//! real binary) and in-process ([`super::App`], the router without a socket): one
//! `send`, and every helper built on it.

use std::future::Future;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{ADMIN_KEY, PATIENCE};

/// A body and its content type.
pub struct Body {
    /// `content-type`.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Calls the API; implementors supply [`ApiCalls::send`].
pub trait ApiCalls {
    /// One request; the body as JSON (or as a string when it is not JSON), and
    /// the status.
    fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Body>,
    ) -> impl Future<Output = (StatusCode, Value)>;

    /// One JSON call.
    async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|value| Body {
            content_type: "application/json",
            bytes: value.to_string().into_bytes(),
        });
        self.send(method, path, key, body).await
    }

    async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(key), None).await
    }

    async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    async fn patch(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(key), Some(body)).await
    }

    /// Creates a shop; returns its key.
    async fn shop(&self, id: &str, plan: &str) -> String {
        let (status, body) = self
            .post(
                "/v1/shops",
                ADMIN_KEY,
                json!({"id": id, "name": id.to_uppercase(), "plan": plan}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["key"].as_str().unwrap().to_string()
    }

    /// Creates a webhook; returns the whole response (with `signing_secret`).
    async fn webhook(&self, shop: &str, key: &str, body: Value) -> Value {
        let (status, created) = self
            .post(&format!("/v1/shops/{shop}/webhooks"), key, body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    /// An `http` webhook to `url`.
    async fn http_webhook(&self, shop: &str, key: &str, url: &str) -> Value {
        self.webhook(
            shop,
            key,
            json!({"name": "orders", "plugin": "http", "config": {"url": url}}),
        )
        .await
    }

    /// Posts an event; returns status and body.
    async fn event(&self, shop: &str, key: &str, event: &Value) -> (StatusCode, Value) {
        self.post(&format!("/v1/shops/{shop}/events"), key, event.clone())
            .await
    }

    /// Posts raw bytes as an event (content type JSON).
    async fn event_bytes(&self, shop: &str, key: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let body = Body {
            content_type: "application/json",
            bytes,
        };
        let path = format!("/v1/shops/{shop}/events");
        self.send(Method::POST, &path, Some(key), Some(body)).await
    }

    /// Polls a delivery until `done` holds for it.
    async fn delivery_until(
        &self,
        shop: &str,
        key: &str,
        id: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let (status, delivery) = self
                .get(&format!("/v1/shops/{shop}/deliveries/{id}"), key)
                .await;
            assert_eq!(status, StatusCode::OK, "{delivery}");
            if done(&delivery) {
                return delivery;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "delivery never got there: {delivery:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Uploads a component as a version of `shop`'s plugin `name`.
    async fn upload(
        &self,
        shop: &str,
        key: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let path = format!("/v1/shops/{shop}/plugins/{name}/versions");
        self.upload_as(&path, Some(key), bytes).await
    }

    /// Posts component bytes to `path` with `key` (or none).
    async fn upload_as(
        &self,
        path: &str,
        key: Option<&str>,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let body = Body {
            content_type: "application/wasm",
            bytes,
        };
        self.send(Method::POST, path, key, Some(body)).await
    }

    /// The value of a Prometheus counter line starting with `prefix` (0 if absent).
    async fn metric(&self, prefix: &str) -> f64 {
        let (_, text) = self.send(Method::GET, "/metrics", None, None).await;
        text.as_str()
            .unwrap_or_default()
            .lines()
            .filter(|line| line.starts_with(prefix))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

/// The body as JSON, or as a JSON string when it is not JSON.
pub fn json_or_text(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes).into_owned();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}
