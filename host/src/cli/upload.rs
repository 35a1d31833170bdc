//! `kait plugin upload`: sends a component to a running server as a new version of
//! a shop's plugin, and prints the version the server kept.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::remote::{Body, Remote, ShopArg};

#[derive(Args)]
pub struct Upload {
    /// The component (.wasm) to upload.
    #[arg(value_name = "PATH.wasm")]
    file: PathBuf,
    #[command(flatten)]
    shop: ShopArg,
    /// The plugin's name within the shop (webhooks name it `NAME@latest` or
    /// `NAME@<version>`).
    #[arg(long)]
    name: String,
    #[command(flatten)]
    remote: Remote,
}

pub fn run(args: Upload) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let path = format!(
        "/v1/shops/{}/plugins/{}/versions",
        args.shop.get()?,
        args.name
    );
    let kept = args
        .remote
        .call(
            reqwest::Method::POST,
            &path,
            Body::Bytes("application/wasm", bytes),
        )
        .context("the upload was refused")?;
    println!("{}", serde_json::to_string_pretty(&kept)?);
    Ok(())
}
