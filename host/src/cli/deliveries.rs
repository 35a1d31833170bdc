//! `kait deliveries list | show | retry`: a shop's delivery log. `list` prints one
//! delivery a line (id, webhook, event type, status, attempts, created, last
//! error), newest first; `show` one delivery with every attempt.

use anyhow::Result;
use clap::Subcommand;
use serde_json::{Value, json};

use super::remote::{Common, ShopArg, line, segment};

#[derive(Subcommand)]
pub enum Command {
    /// List deliveries, newest first: of one webhook, or of all the shop's.
    List {
        #[command(flatten)]
        shop: ShopArg,
        /// Only this webhook's.
        #[arg(long, value_name = "wh_…")]
        webhook: Option<String>,
        /// Only those in this status: pending, held, succeeded, skipped or dead.
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        common: Common,
    },
    /// One delivery with every attempt: outcome, error, logs and requests.
    Show(One),
    /// Make a delivery due now, whatever its state (a dead one is replayed).
    Retry(One),
}

/// One delivery of a shop.
#[derive(clap::Args)]
pub struct One {
    /// The delivery's id.
    #[arg(value_name = "msg_…")]
    id: String,
    #[command(flatten)]
    shop: ShopArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::List {
            shop,
            webhook,
            status,
            limit,
            common,
        } => {
            let shop = segment(&shop.get()?);
            let webhooks = match webhook {
                Some(webhook) => vec![webhook],
                None => common
                    .all(&format!("/v1/shops/{shop}/webhooks"), None)?
                    .iter()
                    .filter_map(|w| w["id"].as_str().map(str::to_string))
                    .collect(),
            };
            let mut deliveries = Vec::new();
            for webhook in webhooks {
                let mut path =
                    format!("/v1/shops/{shop}/webhooks/{}/deliveries", segment(&webhook));
                if let Some(status) = &status {
                    path.push_str(&format!("?status={}", segment(status)));
                }
                deliveries.extend(common.all(&path, Some(limit))?);
            }
            // Newest first across webhooks (RFC 3339 times of one server sort as text).
            deliveries.sort_by(|a, b| {
                let at = |d: &Value| d["created_at"].as_str().unwrap_or("").to_string();
                at(b).cmp(&at(a))
            });
            deliveries.truncate(limit);
            if common.json {
                return Common::print_json(&json!({"data": deliveries, "next_cursor": null}));
            }
            for delivery in &deliveries {
                println!("{}", row(delivery));
            }
            Ok(())
        }
        Command::Show(one) => {
            let delivery = one.common.get(&one.path("")?)?;
            if one.common.json {
                return Common::print_json(&delivery);
            }
            print!("{}", summary(&delivery));
            Ok(())
        }
        Command::Retry(one) => {
            let delivery = one.common.post(&one.path("/retry")?, None)?;
            if one.common.json {
                return Common::print_json(&delivery);
            }
            println!("{}", row(&delivery));
            Ok(())
        }
    }
}

impl One {
    fn path(&self, tail: &str) -> Result<String> {
        Ok(format!(
            "/v1/shops/{}/deliveries/{}{tail}",
            segment(&self.shop.get()?),
            segment(&self.id)
        ))
    }
}

fn row(delivery: &Value) -> String {
    line(&[
        &delivery["id"],
        &delivery["webhook_id"],
        &delivery["event_type"],
        &delivery["status"],
        &delivery["attempts"],
        &delivery["created_at"],
        &delivery["last_error"],
    ])
}

/// One delivery for people: what it is, where it stands, then each attempt.
fn summary(d: &Value) -> String {
    let text = |v: &Value| line(&[v]);
    let mut out = format!(
        "delivery   {}\nwebhook    {}\nevent      {} ({})\nstatus     {} after {} attempt(s)\n",
        text(&d["id"]),
        text(&d["webhook_id"]),
        text(&d["event_id"]),
        text(&d["event_type"]),
        text(&d["status"]),
        text(&d["attempts"]),
    );
    if !d["next_attempt_at"].is_null() {
        out.push_str(&format!("next       {}\n", text(&d["next_attempt_at"])));
    }
    if !d["last_error"].is_null() {
        out.push_str(&format!("last error {}\n", text(&d["last_error"])));
    }
    out.push_str(&format!("created    {}\n", text(&d["created_at"])));
    for attempt in d["attempt_log"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\nattempt {} at {}: {} in {} ms with {}\n",
            text(&attempt["n"]),
            text(&attempt["at"]),
            text(&attempt["outcome"]),
            text(&attempt["duration_ms"]),
            text(&attempt["plugin"]),
        ));
        if !attempt["error"].is_null() {
            out.push_str(&format!(
                "  error ({}): {}\n",
                text(&attempt["error_kind"]),
                text(&attempt["error"])
            ));
        }
        for log in attempt["logs"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  log {}: {}\n",
                text(&log["level"]),
                text(&log["message"])
            ));
        }
        for exchange in attempt["requests"].as_array().into_iter().flatten() {
            let request = &exchange["request"];
            let answer = match &exchange["response"]["status"] {
                Value::Null => text(&exchange["error"]),
                status => text(status),
            };
            out.push_str(&format!(
                "  request {} {} → {answer}\n",
                text(&request["method"]),
                text(&request["url"])
            ));
        }
    }
    out
}
