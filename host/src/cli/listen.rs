//! `kait listen`: a local receiver, so "what did my plugin send?" is one command.
//! It prints each request (method, path, headers, the body pretty-printed when it
//! is JSON), masks an `Authorization` header, checks the Standard Webhooks
//! signature when given the webhook's `whsec_…` secret, and answers a chosen status.

use std::net::SocketAddr;

use anyhow::{Context as _, Result};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use clap::Args;
use serde_json::Value;

use kait::redact::mask;
use kait::signing;

/// Signatures older or newer than this are refused, as Standard Webhooks advises.
const TOLERANCE_SECONDS: i64 = 5 * 60;

/// Receives webhooks on this machine and prints them.
#[derive(Args)]
pub struct Listen {
    /// The port on 127.0.0.1 (0 picks a free one, printed at start).
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// The webhook's signing secret: each request's signature is checked with it.
    #[arg(long, value_name = "whsec_…")]
    secret: Option<String>,
    /// The status to answer every request with.
    #[arg(long, default_value_t = 200)]
    status: u16,
}

pub fn run(args: Listen) -> Result<()> {
    let status = StatusCode::from_u16(args.status)
        .with_context(|| format!("--status {} is not an HTTP status", args.status))?;
    if let Some(secret) = &args.secret {
        signing::sign(secret, "check", 0, b"")
            .with_context(|| "--secret is not a webhook signing secret (whsec_…)")?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(listen(args.port, args.secret, status))
}

async fn listen(port: u16, secret: Option<String>, status: StatusCode) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    println!("kait listen: receiving on http://{addr} (answering {status})");
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let secret = secret.clone();
            async move {
                println!(
                    "{}",
                    describe(&method, &uri, &headers, &body, secret.as_deref())
                );
                status
            }
        },
    );
    axum::serve(listener, app)
        .await
        .context("the receiver stopped")
}

/// One request as printed: the request line, the headers (credentials masked),
/// the signature's verdict, and the body.
fn describe(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    secret: Option<&str>,
) -> String {
    let mut out = format!("── {method} {uri}\n");
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = if name == axum::http::header::AUTHORIZATION {
            match value.split_once(' ') {
                Some((scheme, token)) => format!("{scheme} {}", mask(token)),
                None => mask(&value),
            }
        } else {
            value.into_owned()
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(secret) = secret {
        out.push_str(&format!("signature: {}\n", verdict(headers, body, secret)));
    }
    out.push('\n');
    match serde_json::from_slice::<Value>(body) {
        Ok(json) => out.push_str(&serde_json::to_string_pretty(&json).unwrap_or_default()),
        Err(_) => out.push_str(&String::from_utf8_lossy(body)),
    }
    out
}

fn verdict(headers: &HeaderMap, body: &[u8], secret: &str) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signature)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        return "missing (no webhook-id, webhook-timestamp or webhook-signature)".into();
    };
    let Ok(timestamp) = timestamp.parse::<i64>() else {
        return format!("invalid (webhook-timestamp {timestamp:?} is not Unix seconds)");
    };
    let now = chrono::Utc::now().timestamp();
    match signing::verify(
        secret,
        id,
        timestamp,
        body,
        signature,
        now,
        TOLERANCE_SECONDS,
    ) {
        Ok(()) => "valid".into(),
        Err(error) => format!("INVALID ({error})"),
    }
}
