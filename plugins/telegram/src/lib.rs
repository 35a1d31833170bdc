//! # kait-telegram: order notifications in a Telegram chat
//!
//! The built-in plugin behind the help page's first use case. For each event it
//! renders the merchant's template (or a default order summary) in Telegram's HTML
//! mode, escaping every substituted value, cuts it to Telegram's 4,096-character
//! limit without breaking the HTML, and asks the host for one request:
//!
//! ```text
//! POST https://api.telegram.org/bot<token>/sendMessage
//! content-type: application/json
//!
//! {"chat_id": "-1001234567890", "text": "…", "parse_mode": "HTML"}
//! ```
//!
//! with `"disable_notification": true` added when configured.
//!
//! The default message and `{{ event.title }}` are in the configured `language`
//! (Malay unless set), from the repository's catalogue. `validate-config` renders
//! the template on every sample event and refuses markup Telegram would refuse.

pub mod config;
pub mod html;
pub mod truncate;

use std::borrow::Cow;

use kait_pdk::event::Payload;
use kait_pdk::template::Context;
use kait_pdk::{Action, Event, PluginError, PluginInfo, log, request, samples};
use serde::Serialize;

use config::{ChatId, Config};

/// What the plugin says about itself, with its configuration schema.
pub fn info() -> PluginInfo {
    PluginInfo {
        name: "telegram".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        description: "Sends a message about each event to a Telegram chat through your bot."
            .to_owned(),
        config_schema: config::schema().to_string(),
    }
}

/// Checks a configuration, naming the field at fault, then renders its template
/// on every sample event and refuses HTML that Telegram would refuse.
pub fn validate_config(config: &str) -> Result<(), PluginError> {
    let config = Config::parse(config)?;
    samples::check_each(|event, payload| {
        let context = Context::in_language(event, payload, config.language);
        let message = config.template.render(&context)?;
        html::check(message.trim()).map_err(|reason| {
            PluginError::InvalidConfig(format!(
                "template: Telegram would refuse the HTML: {reason}"
            ))
        })
    })
}

/// The `sendMessage` request for `event`, or a skip when the template renders
/// no text (a template can leave out events with `{% if %}`).
pub fn transform(event: &Event, config: &str) -> Result<Action, PluginError> {
    let config = kait_pdk::config::cached(config, Config::parse)?;
    let payload = Payload::parse(event)?;
    payload.require_checkout()?;
    let context = Context::in_language(event, &payload, config.language);
    let rendered = config.template.render(&context)?;
    let text = rendered.trim();
    if text.is_empty() {
        return Ok(Action::Skip(
            "the template rendered an empty message".to_owned(),
        ));
    }
    let text = truncate::truncate(text, truncate::LIMIT);
    if matches!(text, Cow::Owned(_)) {
        log::warn(&format!(
            "message cut to Telegram's limit of {} characters",
            truncate::LIMIT
        ));
    }
    let body = SendMessage {
        chat_id: &config.chat_id,
        text: &text,
        parse_mode: "HTML",
        disable_notification: config.disable_notification,
    };
    let url = format!(
        "https://api.telegram.org/bot{}/sendMessage",
        config.bot_token.expose()
    );
    Ok(Action::Send(vec![request::json("POST", url, &body, None)?]))
}

#[derive(Serialize)]
struct SendMessage<'a> {
    chat_id: &'a ChatId,
    text: &'a str,
    parse_mode: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    disable_notification: bool,
}

kait_pdk::export_plugin!(info, validate_config, transform);

#[cfg(test)]
mod tests;
