//! `kait plugin upload`: sends a component to a running server as a new version of
//! a shop's plugin, and prints the version the server kept.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

#[derive(Args)]
pub struct Upload {
    /// The component (.wasm) to upload.
    #[arg(value_name = "PATH.wasm")]
    file: PathBuf,
    /// The shop that owns the plugin.
    #[arg(long)]
    shop: String,
    /// The plugin's name within the shop (webhooks name it `NAME@latest` or
    /// `NAME@<version>`).
    #[arg(long)]
    name: String,
    /// The server's address; default `$KAIT_URL`, else http://127.0.0.1:8460.
    #[arg(long)]
    url: Option<String>,
    /// The shop's key or the admin key; default `$KAIT_KEY`.
    #[arg(long)]
    key: Option<String>,
}

pub fn run(args: Upload) -> Result<()> {
    let url = args
        .url
        .or_else(|| std::env::var("KAIT_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8460".to_string());
    let key = args
        .key
        .or_else(|| std::env::var("KAIT_KEY").ok())
        .context("no key: pass --key or set KAIT_KEY to the shop's key")?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let endpoint = format!(
        "{}/v1/shops/{}/plugins/{}/versions",
        url.trim_end_matches('/'),
        args.shop,
        args.name
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(&endpoint)
            .bearer_auth(&key)
            .header("content-type", "application/wasm")
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("cannot reach {endpoint}"))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Ok::<_, anyhow::Error>((status, body))
    })?;
    let shown = serde_json::from_str::<serde_json::Value>(&body)
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
        .unwrap_or(body);
    if !status.is_success() {
        bail!("the server refused the upload ({status}): {shown}");
    }
    println!("{shown}");
    Ok(())
}
