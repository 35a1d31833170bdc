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
//! The URL may hold `{{ … }}` placeholders in its path and query, each value
//! percent-encoded where it stands. `method` may be POST (default), PUT, PATCH,
//! GET (no body) or DELETE (no body unless `body_template` or `form` is set);
//! `form` sends `application/x-www-form-urlencoded` fields instead of JSON.
//! `validate-config` renders every template on every sample event before it
//! accepts a configuration.
//!
//! The host signs the request (Standard Webhooks headers) and guards the address.

pub mod body;
pub mod callback_url;
pub mod config;
pub mod schema;

use kait_pdk::event::Payload;
use kait_pdk::template::Context;
use kait_pdk::{Action, Event, OutgoingRequest, PluginError, PluginInfo, samples};

use config::Config;

/// What the plugin says about itself, with its configuration schema.
pub fn info() -> PluginInfo {
    PluginInfo {
        name: "http".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        description: "Sends each event to your callback URL, as it is or through a body template."
            .to_owned(),
        config_schema: schema::schema().to_string(),
    }
}

/// Checks a configuration, naming the field at fault, then renders its URL,
/// body and form templates on every sample event: a template that fails there,
/// a JSON body that is not JSON, or a URL that does not parse is refused,
/// naming the template and the sample.
pub fn validate_config(config: &str) -> Result<(), PluginError> {
    let config = Config::parse(config)?;
    if !config.needs_context() {
        return Ok(());
    }
    samples::check_each(|event, payload| request(&config, event, Some(payload)).map(drop))
}

/// The callback request for `event`.
pub fn transform(event: &Event, config: &str) -> Result<Action, PluginError> {
    let config = kait_pdk::config::cached(config, Config::parse)?;
    let payload = match config.needs_context() {
        true => Some(Payload::parse(event)?),
        false => None,
    };
    Ok(Action::Send(vec![request(
        &config,
        event,
        payload.as_ref(),
    )?]))
}

/// The request `config` makes of `event`; `payload` is needed when the
/// configuration has templates.
fn request(
    config: &Config,
    event: &Event,
    payload: Option<&Payload>,
) -> Result<OutgoingRequest, PluginError> {
    let context = payload.map(|payload| Context::new(event, payload));
    let url = config.url.render(context.as_ref())?;
    let body = config.body.render(event, context.as_ref())?;
    let mut headers = Vec::with_capacity(config.headers.len() + 1);
    let body = match body {
        Some((content_type, body)) => {
            headers.push(("content-type".to_owned(), content_type));
            body
        }
        None => Vec::new(),
    };
    headers.extend(config.headers.iter().cloned());
    Ok(OutgoingRequest {
        method: config.method.clone(),
        url,
        headers,
        body,
        auth: None,
    })
}

kait_pdk::export_plugin!(info, validate_config, transform);

#[cfg(test)]
mod tests;
