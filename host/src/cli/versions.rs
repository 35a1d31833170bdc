//! `kait plugin versions | promote | withdraw | dry-run`: a shop's plugin versions
//! on a running server. Each prints one line per version, tab-separated with the
//! version id first (so `cut -f1` gives the ids), or with `--json` the server's
//! answer as it came.

use anyhow::{Context, Result};
use clap::Args;
use serde_json::{Value, json};

use super::remote::{Common, ShopArg, segment};

/// The shop, the output form and the server, shared by every command here.
#[derive(Args)]
pub struct Shop {
    #[command(flatten)]
    shop: ShopArg,
    #[command(flatten)]
    common: Common,
}

/// `kait plugin versions NAME`.
#[derive(Args)]
pub struct Versions {
    /// The plugin's name.
    name: String,
    #[command(flatten)]
    shop: Shop,
}

/// `kait plugin promote|withdraw NAME VERSION`.
#[derive(Args)]
pub struct Move {
    /// The plugin's name.
    name: String,
    /// The version id (12 hex digits).
    version: String,
    #[command(flatten)]
    shop: Shop,
}

/// `kait plugin dry-run NAME[@VERSION]`.
#[derive(Args)]
pub struct DryRun {
    /// The plugin, and which version (default `latest`).
    #[arg(value_name = "NAME[@VERSION]")]
    plugin: String,
    /// Run it on a sample event of this type.
    #[arg(long = "type", default_value = "order.paid")]
    kind: String,
    /// The webhook configuration: a JSON file, or inline JSON (default `{}`).
    #[arg(long, value_name = "FILE|JSON")]
    config: Option<String>,
    #[command(flatten)]
    shop: Shop,
}

impl Shop {
    /// `POST` with `body`, else `GET`, to `path` under the shop's plugins.
    fn call(&self, path: &str, body: Option<Value>) -> Result<Value> {
        let path = format!("/v1/shops/{}/plugins/{path}", segment(&self.shop.get()?));
        match body {
            Some(body) => self.common.post(&path, Some(body)),
            None => self.common.get(&path),
        }
    }

    /// Prints `answer` as JSON, or the lines `human` makes of it.
    fn print(&self, answer: &Value, human: impl Fn(&Value) -> Vec<String>) -> Result<()> {
        if self.common.json {
            Common::print_json(answer)?;
        } else {
            for line in human(answer) {
                println!("{line}");
            }
        }
        Ok(())
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

/// `VERSION  latest|withdrawn|-  uploaded  plugin's own version  description`.
pub(super) fn version_line(v: &Value) -> String {
    let state = if v["latest"] == true {
        "latest"
    } else if v["withdrawn_at"].is_string() {
        "withdrawn"
    } else {
        "-"
    };
    format!(
        "{}\t{state}\t{}\t{}\t{}",
        text(&v["version"]),
        text(&v["created_at"]),
        text(&v["info"]["version"]),
        text(&v["info"]["description"]),
    )
}

/// Lists a plugin's versions, oldest first.
pub fn versions(args: Versions) -> Result<()> {
    let answer = args
        .shop
        .call(&format!("{}/versions", args.name), None)
        .context("listing the versions was refused")?;
    args.shop.print(&answer, |a| {
        a["data"]
            .as_array()
            .map(|all| all.iter().map(version_line).collect())
            .unwrap_or_default()
    })
}

/// Makes a version the latest.
pub fn promote(args: Move) -> Result<()> {
    let path = format!("{}/versions/{}/promote", args.name, args.version);
    let answer = args
        .shop
        .call(&path, Some(json!({})))
        .context("the promotion was refused")?;
    args.shop.print(&answer, |v| vec![version_line(v)])
}

/// Takes a version out of `@latest`; lists the webhooks pinned to it.
pub fn withdraw(args: Move) -> Result<()> {
    let path = format!("{}/versions/{}/withdraw", args.name, args.version);
    let answer = args
        .shop
        .call(&path, Some(json!({})))
        .context("the withdrawal was refused")?;
    args.shop.print(&answer, |v| {
        let pinned: Vec<String> = v["pinned_webhooks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| format!("{} ({})", text(&w["id"]), text(&w["name"])))
            .collect();
        let pinned = match pinned.is_empty() {
            true => "no webhook is pinned to it".to_string(),
            false => format!("still run by pinned webhook(s): {}", pinned.join(", ")),
        };
        vec![format!("{}\t{pinned}", version_line(v))]
    })
}

/// Runs a version on a sample event through the server; delivers nothing.
pub fn dry_run(args: DryRun) -> Result<()> {
    let (name, version) = args
        .plugin
        .split_once('@')
        .unwrap_or((args.plugin.as_str(), "latest"));
    let config: Value = match &args.config {
        Some(arg) => serde_json::from_str(&super::plugin::read_config(arg)?)?,
        None => json!({}),
    };
    let path = format!("{name}/versions/{version}/dry-run");
    let body = json!({"sample": args.kind, "config": config});
    let answer = args
        .shop
        .call(&path, Some(body))
        .context("the dry run was refused")?;
    args.shop.print(&answer, |ran| {
        let id = text(&ran["plugin"]).rsplit('@').next().unwrap_or("-");
        let outcome = text(&ran["outcome"]);
        let detail = match outcome {
            "skip" => ran["action"]["skip"].as_str().unwrap_or("").to_string(),
            "error" => text(&ran["error"]["message"]).to_string(),
            _ => String::new(),
        };
        let mut lines = vec![format!(
            "{id}\t{outcome}\t{}\t{detail}",
            text(&ran["plugin"])
        )];
        for request in ran["action"]["send"].as_array().into_iter().flatten() {
            lines.push(format!(
                "{id}\tsend\t{}\t{}",
                request["method"].as_str().unwrap_or("POST"),
                text(&request["url"])
            ));
        }
        lines
    })
}
