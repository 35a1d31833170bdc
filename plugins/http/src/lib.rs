//! # kait-http: the help page's Callback URL
//!
//! Sends each event to the merchant's URL. Without a `body_template` the body is
//! the event itself, `{"id", "type", "shop", "occurred_at", "data"}`, with `data`
//! copied byte for byte from the platform (fields Kait does not know included);
//! with one, the body is the rendered template, values escaped as JSON string
//! contents when the content type is JSON.
//!
//! ```text
//! POST https://hooks.example.com/kait
//! content-type: application/json
//! x-shop-token: demo
//!
//! {"id":"evt_…","type":"order.paid","shop":"mirfaith","occurred_at":"…","data":{"checkout":{…}}}
//! ```
//!
//! The host signs the request (Standard Webhooks headers) and guards the address.

pub mod config;

use kait_pdk::event::{self, Payload};
use kait_pdk::template::Context;
use kait_pdk::{Action, Event, OutgoingRequest, PluginError, PluginInfo};

use config::Config;

/// What the plugin says about itself, with its configuration schema.
pub fn info() -> PluginInfo {
    PluginInfo {
        name: "http".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        description: "Sends each event to your callback URL, as it is or through a body template."
            .to_owned(),
        config_schema: config::schema().to_string(),
    }
}

/// Checks a configuration, naming the field at fault.
pub fn validate_config(config: &str) -> Result<(), PluginError> {
    Config::parse(config).map(drop)
}

/// The callback request for `event`.
pub fn transform(event: &Event, config: &str) -> Result<Action, PluginError> {
    let config = kait_pdk::config::cached(config, Config::parse)?;
    let body = match &config.body_template {
        None => event::to_json(event)?,
        Some(template) => {
            let payload = Payload::parse(event)?;
            let body = template.render(&Context::new(event, &payload))?;
            if config.is_json()
                && let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&body)
            {
                return Err(PluginError::InvalidConfig(format!(
                    "body_template: the rendered body is not valid JSON ({err}); \
                     check the quotes around text placeholders"
                )));
            }
            body
        }
    };
    let mut headers = Vec::with_capacity(config.headers.len() + 1);
    headers.push(("content-type".to_owned(), config.content_type.clone()));
    headers.extend(config.headers.iter().cloned());
    Ok(Action::Send(vec![OutgoingRequest {
        method: config.method.clone(),
        url: config.url.clone(),
        headers,
        body: body.into_bytes(),
        auth: None,
    }]))
}

kait_pdk::export_plugin!(info, validate_config, transform);

#[cfg(test)]
mod tests;
