//! `kait plugin upload`: sends a component to a running server as a new version of
//! a shop's plugin, and prints the version the server kept: its line as `kait
//! plugin versions` prints it (the id first), or with `--json` the server's answer.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::remote::{Body, Common, ShopArg, segment};
use super::versions::version_line;

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
    common: Common,
}

pub fn run(args: Upload) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let path = format!(
        "/v1/shops/{}/plugins/{}/versions",
        segment(&args.shop.get()?),
        segment(&args.name)
    );
    let kept = args
        .common
        .remote
        .call(
            reqwest::Method::POST,
            &path,
            Body::Bytes("application/wasm", bytes),
        )
        .context("the upload was refused")?;
    if args.common.json {
        Common::print_json(&kept)
    } else {
        println!("{}", version_line(&kept));
        Ok(())
    }
}
