//! `kait trigger <type> --shop S [--webhook W]`: sends a fresh event of a type to a
//! running server, so trying a webhook never needs a hand-edited sample. The sample
//! of that type gets a new id and the shop's id; with `--webhook` it goes to that
//! webhook alone (its test endpoint) and the delivery's outcome is printed.

use anyhow::Result;
use clap::Args;
use serde_json::{Value, json};

use super::remote::{Body, Remote, ShopArg};

/// Sends the sample event of a type, with a fresh id, to a shop.
#[derive(Args)]
pub struct Trigger {
    /// The event type (`kait events types` lists them).
    #[arg(value_name = "TYPE")]
    kind: String,
    #[command(flatten)]
    shop: ShopArg,
    /// Send it to this webhook only, now, and print the delivery.
    #[arg(long, value_name = "wh_…")]
    webhook: Option<String>,
    /// Print the server's answer as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    remote: Remote,
}

pub fn run(args: Trigger) -> Result<()> {
    let event = super::events::fresh(&args.kind, &args.shop.get()?)?;
    let shop = args.shop.get()?;
    let answer = match &args.webhook {
        Some(webhook) => {
            let path = format!("/v1/shops/{shop}/webhooks/{webhook}/test");
            let body = Body::Json(json!({"type": args.kind}));
            args.remote.call(reqwest::Method::POST, &path, body)?
        }
        None => {
            let path = format!("/v1/shops/{shop}/events");
            args.remote
                .call(reqwest::Method::POST, &path, Body::Json(event))?
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        println!("{}", summary(&args, &answer));
    }
    Ok(())
}

/// One line per delivery: its id, where it went and (for a test) how it went.
fn summary(args: &Trigger, answer: &Value) -> String {
    if args.webhook.is_some() {
        let error = answer["attempt_log"][0]["error"].as_str().unwrap_or("");
        return format!(
            "{} {} {} {}",
            answer["id"].as_str().unwrap_or("?"),
            answer["webhook_id"].as_str().unwrap_or("?"),
            answer["status"].as_str().unwrap_or("?"),
            error
        )
        .trim_end()
        .to_string();
    }
    let deliveries = answer["deliveries"].as_array().cloned().unwrap_or_default();
    let mut lines = vec![format!(
        "{} {}: {} deliveries",
        answer["id"].as_str().unwrap_or("?"),
        args.kind,
        deliveries.len()
    )];
    for delivery in deliveries {
        lines.push(format!(
            "{} {}",
            delivery["id"].as_str().unwrap_or("?"),
            delivery["webhook_id"].as_str().unwrap_or("?")
        ));
    }
    lines.join("\n")
}
