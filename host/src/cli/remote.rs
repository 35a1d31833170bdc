//! A running Kait server as the CLI reaches it: its address and key from flags,
//! else `$KAIT_URL` (default http://127.0.0.1:8460) and `$KAIT_KEY`, and one call
//! at a time, answered as status and JSON.

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

/// Where the server is and who is calling.
#[derive(Args)]
pub struct Remote {
    /// The server's address; default `$KAIT_URL`, else http://127.0.0.1:8460.
    #[arg(long)]
    url: Option<String>,
    /// The shop's key or the admin key; default `$KAIT_KEY`.
    #[arg(long)]
    key: Option<String>,
}

/// A request's body.
pub enum Body {
    /// JSON.
    Json(Value),
    /// Bytes with their content type.
    Bytes(&'static str, Vec<u8>),
}

impl Remote {
    /// Sends one request; a non-2xx answer is an error that shows the server's reason.
    pub fn call(&self, method: reqwest::Method, path: &str, body: Body) -> Result<Value> {
        let url = self
            .url
            .clone()
            .or_else(|| std::env::var("KAIT_URL").ok())
            .unwrap_or_else(|| "http://127.0.0.1:8460".to_string());
        let key = self
            .key
            .clone()
            .or_else(|| std::env::var("KAIT_KEY").ok())
            .context("no key: pass --key or set KAIT_KEY to the shop's key")?;
        let endpoint = format!("{}{path}", url.trim_end_matches('/'));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (status, text) = runtime.block_on(async {
            let request = reqwest::Client::new()
                .request(method, &endpoint)
                .bearer_auth(&key);
            let request = match body {
                Body::Json(json) => request.json(&json),
                Body::Bytes(kind, bytes) => request.header("content-type", kind).body(bytes),
            };
            let response = request
                .send()
                .await
                .with_context(|| format!("cannot reach {endpoint}"))?;
            let status = response.status();
            Ok::<_, anyhow::Error>((status, response.text().await.unwrap_or_default()))
        })?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !status.is_success() {
            let shown = serde_json::to_string_pretty(&body).unwrap_or_default();
            bail!("the server refused ({status}): {shown}");
        }
        Ok(body)
    }
}
