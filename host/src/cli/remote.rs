//! A running Kait server as the CLI reaches it: its address and key from flags,
//! else `$KAIT_URL` and `$KAIT_KEY`, else the profile `kait serve` wrote (see
//! `profile`), else http://127.0.0.1:8460; the shop from `--shop`, else
//! `$KAIT_SHOP`; and one call at a time, answered as status and JSON.

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

use super::profile::Profile;

/// The address when nothing names one.
const DEFAULT_URL: &str = "http://127.0.0.1:8460";

/// Where the server is and who is calling.
#[derive(Args)]
pub struct Remote {
    /// The server's address; default `$KAIT_URL`, else the profile's, else
    /// http://127.0.0.1:8460.
    #[arg(long)]
    url: Option<String>,
    /// The shop's key or the admin key; default `$KAIT_KEY`, else the profile's
    /// (when the address is the profile's).
    #[arg(long)]
    key: Option<String>,
}

/// The shop a command is about.
#[derive(Args)]
pub struct ShopArg {
    /// The shop; default `$KAIT_SHOP`.
    #[arg(long)]
    shop: Option<String>,
}

impl ShopArg {
    /// The shop named by the flag or `$KAIT_SHOP`.
    pub fn get(&self) -> Result<String> {
        self.shop
            .clone()
            .or_else(|| std::env::var("KAIT_SHOP").ok().filter(|s| !s.is_empty()))
            .context("no shop: pass --shop or set KAIT_SHOP")
    }
}

/// `text` fit for one segment of a URL path (an id as the user typed it).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A request's body.
pub enum Body {
    /// JSON.
    Json(Value),
    /// Bytes with their content type.
    Bytes(&'static str, Vec<u8>),
    /// None.
    Empty,
}

impl Remote {
    /// The address and key to call with. The profile's key goes only to the
    /// profile's server, never to an address named otherwise.
    fn target(&self) -> Result<(String, String)> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let url = self.url.clone().or_else(|| env("KAIT_URL"));
        let key = self.key.clone().or_else(|| env("KAIT_KEY"));
        if let (Some(url), Some(key)) = (&url, &key) {
            return Ok((url.clone(), key.clone()));
        }
        let profile = Profile::read()?;
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        let url = url
            .or_else(|| profile.as_ref().map(|p| p.url.clone()))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let key = key
            .or_else(|| profile.filter(|p| same(&p.url, &url)).map(|p| p.key))
            .with_context(|| {
                format!(
                    "no key for {url}: pass --key or set KAIT_KEY (the shop's key or the admin \
                     key); `kait serve` writes the admin key to {} on its first start",
                    Profile::path().map_or("the profile".into(), |p| p.display().to_string())
                )
            })?;
        Ok((url, key))
    }

    /// Sends one request; a non-2xx answer is an error that shows the server's reason.
    pub fn call(&self, method: reqwest::Method, path: &str, body: Body) -> Result<Value> {
        let text = self.call_text(method, path, body)?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// [`Remote::call`] answered as the body's text, exactly as sent.
    pub fn call_text(&self, method: reqwest::Method, path: &str, body: Body) -> Result<String> {
        let (url, key) = self.target()?;
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
                Body::Empty => request,
            };
            let response = request
                .send()
                .await
                .with_context(|| format!("cannot reach {endpoint}"))?;
            let status = response.status();
            Ok::<_, anyhow::Error>((status, response.text().await.unwrap_or_default()))
        })?;
        if !status.is_success() {
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            let shown = serde_json::to_string_pretty(&body).unwrap_or_default();
            bail!("the server refused ({status}): {shown}");
        }
        Ok(text)
    }
}

/// What every management command takes: where the server is, and `--json`.
#[derive(Args)]
pub struct Common {
    /// Print the server's JSON instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub remote: Remote,
}

impl Common {
    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<Value> {
        self.remote.call(reqwest::Method::GET, path, Body::Empty)
    }

    /// `POST path` with a JSON body, or none.
    pub fn post(&self, path: &str, body: Option<Value>) -> Result<Value> {
        let body = body.map_or(Body::Empty, Body::Json);
        self.remote.call(reqwest::Method::POST, path, body)
    }

    /// Every item of a paged list at `path` (which may already hold a query), up to
    /// `limit` when one is given.
    pub fn all(&self, path: &str, limit: Option<usize>) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let join = if path.contains('?') { '&' } else { '?' };
            let page_path = match &cursor {
                Some(cursor) => format!("{path}{join}cursor={}", segment(cursor)),
                None => path.to_string(),
            };
            let page = self.get(&page_path)?;
            items.extend(page["data"].as_array().cloned().unwrap_or_default());
            if limit.is_some_and(|limit| items.len() >= limit) {
                items.truncate(limit.unwrap_or(usize::MAX));
                return Ok(items);
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return Ok(items),
            }
        }
    }

    /// Prints `value` as pretty JSON.
    pub fn print_json(value: &Value) -> Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }
}

/// One line of a list: the values tab-separated (`-` for none), each kept on
/// the line (tabs and line breaks in a value become spaces).
pub fn line(values: &[&Value]) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|value| {
            let text = match value {
                Value::Null => "-".to_string(),
                Value::String(text) => text.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            text.replace(|c: char| c.is_control(), " ")
        })
        .collect();
    shown.join("\t")
}
