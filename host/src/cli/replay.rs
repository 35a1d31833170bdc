//! `kait plugin run --delivery msg_… --shop S`: the input a stored delivery's
//! plugin got (the event as stored, the webhook's configuration with its secrets
//! masked as the API shows them), fetched from the server, so a fix can be tried
//! locally on the input that failed.

use anyhow::{Context, Result, bail};
use clap::Args;

use super::remote::{Body, Remote, ShopArg, segment};

/// Replaying a stored delivery instead of `--event` and `--config`.
#[derive(Args)]
pub struct Replay {
    /// Replay this delivery's event and its webhook's configuration (secrets
    /// masked) from a running server; `--event` or `--config` replace either.
    #[arg(long, value_name = "msg_…")]
    pub delivery: Option<String>,
    #[command(flatten)]
    shop: ShopArg,
    #[command(flatten)]
    remote: Remote,
}

/// The stored input of a delivery.
pub struct Input {
    /// The event as stored (JSON text in the event format).
    pub event: String,
    /// The webhook's configuration as compact JSON, secrets masked.
    pub config: String,
}

impl Replay {
    /// Fetches the delivery, its webhook and its event.
    pub fn fetch(&self, delivery: &str) -> Result<Input> {
        let shop = segment(&self.shop.get()?);
        let get = |path: String| self.remote.call(reqwest::Method::GET, &path, Body::Empty);
        let found = get(format!("/v1/shops/{shop}/deliveries/{}", segment(delivery)))
            .with_context(|| format!("cannot fetch delivery {delivery}"))?;
        let (Some(webhook_id), Some(event_id)) =
            (found["webhook_id"].as_str(), found["event_id"].as_str())
        else {
            bail!("the server's delivery has no webhook_id or event_id: {found}");
        };
        let webhook = get(format!("/v1/shops/{shop}/webhooks/{}", segment(webhook_id)))
            .with_context(|| format!("cannot fetch webhook {webhook_id}"))?;
        if webhook["config"].is_null() {
            bail!(
                "webhook {webhook_id}'s plugin {} resolves to no version, so its \
                 configuration is not shown: pass --config",
                webhook["plugin"]
            );
        }
        let path = format!("/v1/shops/{shop}/events/{}", segment(event_id));
        let event = (self.remote)
            .call_text(reqwest::Method::GET, &path, Body::Empty)
            .with_context(|| format!("cannot fetch event {event_id}"))?;
        eprintln!(
            "replaying {delivery}: event {event_id} ({}), webhook {webhook_id} ({}) with its \
             configuration, secrets masked",
            found["event_type"].as_str().unwrap_or("?"),
            webhook["plugin_version"].as_str().unwrap_or("?"),
        );
        Ok(Input {
            event,
            config: webhook["config"].to_string(),
        })
    }
}
