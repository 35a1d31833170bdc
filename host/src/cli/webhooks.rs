//! `kait webhooks create | list | pause | resume | delete | test`: a shop's
//! webhooks. `create` prints the new webhook's id on stdout and its signing
//! secret, shown only now, on stderr; the others print one line per webhook
//! (or delivery), id first, tab-separated.

use anyhow::Result;
use clap::Subcommand;
use serde_json::{Value, json};

use super::remote::{Common, ShopArg, line, segment};

#[derive(Subcommand)]
pub enum Command {
    /// Create a webhook; prints its id (its signing secret, shown only now, goes
    /// to stderr).
    Create {
        #[command(flatten)]
        shop: ShopArg,
        /// The merchant's name for it; default: the plugin's name, or "Callback".
        #[arg(long)]
        name: Option<String>,
        /// Event types to receive, comma-separated; default: all.
        #[arg(long, value_delimiter = ',', value_name = "TYPE,…")]
        events: Vec<String>,
        /// A Callback URL: an `http` webhook posting each event there (`--url`
        /// names the server, as everywhere).
        #[arg(long, conflicts_with = "plugin", value_name = "URL")]
        callback_url: Option<String>,
        /// The plugin: a built-in (http, telegram, sheets) or the shop's own,
        /// `name`, `name@latest` or `name@<version>`.
        #[arg(long)]
        plugin: Option<String>,
        /// The plugin's settings: a JSON file, or inline JSON.
        #[arg(long, value_name = "FILE|JSON")]
        config: Option<String>,
        /// Create it paused.
        #[arg(long)]
        paused: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List the shop's webhooks: id, status, plugin version, name, events.
    List {
        #[command(flatten)]
        shop: ShopArg,
        #[command(flatten)]
        common: Common,
    },
    /// Pause a webhook: it receives nothing; its waiting deliveries are held.
    Pause(One),
    /// Resume a paused or disabled webhook; held deliveries are sent.
    Resume(One),
    /// Delete a webhook with its delivery log (prints nothing).
    Delete(One),
    /// Send it a sample event now; prints the delivery: id, status, error.
    Test {
        #[command(flatten)]
        one: One,
        /// The sample's event type.
        #[arg(long = "type", default_value = "order.paid")]
        kind: String,
    },
}

/// One webhook of a shop.
#[derive(clap::Args)]
pub struct One {
    /// The webhook's id.
    #[arg(value_name = "wh_…")]
    id: String,
    #[command(flatten)]
    shop: ShopArg,
    #[command(flatten)]
    common: Common,
}

impl One {
    fn path(&self, tail: &str) -> Result<String> {
        Ok(format!(
            "/v1/shops/{}/webhooks/{}{tail}",
            segment(&self.shop.get()?),
            segment(&self.id)
        ))
    }
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Create {
            shop,
            name,
            events,
            callback_url,
            plugin,
            config,
            paused,
            common,
        } => {
            let mut body = json!({
                "name": name.unwrap_or_else(|| plugin.clone().unwrap_or_else(|| "Callback".into())),
            });
            if !events.is_empty() {
                body["events"] = events.into();
            }
            if let Some(url) = callback_url {
                body["callback_url"] = url.into();
            }
            if let Some(plugin) = plugin {
                body["plugin"] = plugin.into();
            }
            if let Some(config) = config {
                body["config"] = serde_json::from_str(&super::plugin::read_config(&config)?)?;
            }
            if paused {
                body["status"] = "paused".into();
            }
            let path = format!("/v1/shops/{}/webhooks", segment(&shop.get()?));
            let created = common.post(&path, Some(body))?;
            if common.json {
                return Common::print_json(&created);
            }
            println!("{}", created["id"].as_str().unwrap_or("?"));
            eprintln!(
                "signing secret (shown only now; keep it to verify requests): {}",
                created["signing_secret"].as_str().unwrap_or("?")
            );
            Ok(())
        }
        Command::List { shop, common } => {
            let path = format!("/v1/shops/{}/webhooks", segment(&shop.get()?));
            let webhooks = common.all(&path, None)?;
            if common.json {
                return Common::print_json(&json!({"data": webhooks, "next_cursor": null}));
            }
            for webhook in &webhooks {
                println!("{}", row(webhook));
            }
            Ok(())
        }
        Command::Pause(one) => one_line(&one, "/pause"),
        Command::Resume(one) => one_line(&one, "/resume"),
        Command::Delete(one) => {
            let path = one.path("")?;
            (one.common.remote).call(reqwest::Method::DELETE, &path, super::remote::Body::Empty)?;
            eprintln!("deleted {} with its delivery log", one.id);
            Ok(())
        }
        Command::Test { one, kind } => {
            let delivery = one
                .common
                .post(&one.path("/test")?, Some(json!({"type": kind})))?;
            if one.common.json {
                return Common::print_json(&delivery);
            }
            println!(
                "{}",
                line(&[
                    &delivery["id"],
                    &delivery["status"],
                    &delivery["attempt_log"][0]["error"]
                ])
            );
            Ok(())
        }
    }
}

/// Pause or resume: the webhook after it, as a line of `list`.
fn one_line(one: &One, action: &str) -> Result<()> {
    let webhook = one.common.post(&one.path(action)?, None)?;
    if one.common.json {
        return Common::print_json(&webhook);
    }
    println!("{}", row(&webhook));
    Ok(())
}

/// A webhook as a line: id, status, plugin version, name, events.
fn row(webhook: &Value) -> String {
    let plugin = match &webhook["plugin_version"] {
        Value::Null => &webhook["plugin"],
        version => version,
    };
    line(&[
        &webhook["id"],
        &webhook["status"],
        plugin,
        &webhook["name"],
        &webhook["events"],
    ])
}
