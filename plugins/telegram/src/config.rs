//! The Telegram plugin's configuration: its schema and its checks.

use std::fmt;

use kait_pdk::PluginError;
use kait_pdk::catalogue::{self, Lang};
use kait_pdk::config::{self, Secret, field_error};
use kait_pdk::template::{Escape, Template};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::json;

/// The message sent when the configuration has no `template`, in `lang`: the
/// event, the order, the customer, every item, shipping and the total. Its text is
/// the catalogue's `[telegram.default_message]`.
pub fn default_template(lang: Lang) -> &'static str {
    catalogue::text("telegram.default_message", lang)
        .expect("catalogue.toml has [telegram.default_message]")
}

/// A webhook's Telegram settings, checked.
#[derive(Debug)]
pub struct Config {
    /// The bot's token, from @BotFather.
    pub bot_token: Secret<String>,
    /// Where the message goes.
    pub chat_id: ChatId,
    /// The message template, compiled for Telegram's HTML mode.
    pub template: Template,
    /// The language of the default message and of `event.title`.
    pub language: Lang,
    /// Deliver the message silently.
    pub disable_notification: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    bot_token: Secret<String>,
    chat_id: ChatId,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    disable_notification: bool,
    #[serde(default = "default_language")]
    language: Lang,
}

/// Malay: the seed's merchants read it.
fn default_language() -> Lang {
    Lang::Ms
}

/// A Telegram chat: a numeric id (`-1001234567890`, as a string or a number) or
/// a public channel's username (`@channelname`). Sent as it was configured.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatId {
    /// A numeric id given as a JSON number.
    Number(i64),
    /// A numeric id or `@username` given as a JSON string.
    Text(String),
}

impl Config {
    /// Parses and checks `config`; every error names the field at fault.
    pub fn parse(config: &str) -> Result<Config, PluginError> {
        let raw: Raw = config::parse(config)?;
        check_token(raw.bot_token.expose())?;
        if let ChatId::Text(text) = &raw.chat_id {
            check_chat_id(text)?;
        }
        let template = match raw.template.as_deref() {
            Some(text) if text.trim().is_empty() => {
                return Err(field_error(
                    "template",
                    "must not be empty; leave it out to use the default message",
                ));
            }
            Some(text) => Template::compile("template", text, Escape::Html)?,
            None => Template::compile("template", default_template(raw.language), Escape::Html)?,
        };
        Ok(Config {
            bot_token: raw.bot_token,
            chat_id: raw.chat_id,
            template,
            language: raw.language,
            disable_notification: raw.disable_notification,
        })
    }
}

/// `<digits>:<30 to 64 of [A-Za-z0-9_-]>`; the token itself is never echoed.
fn check_token(token: &str) -> Result<(), PluginError> {
    let well_formed = token.split_once(':').is_some_and(|(bot, secret)| {
        (1..=20).contains(&bot.len())
            && bot.bytes().all(|b| b.is_ascii_digit())
            && (30..=64).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if well_formed {
        Ok(())
    } else {
        Err(field_error(
            "bot_token",
            "not a bot token: expected the bot's numeric id, a colon, then about 35 \
             letters, digits, '_' or '-' (as @BotFather gives it)",
        ))
    }
}

/// A numeric id (`-1001234567890`) or a channel username (`@name`, 5 to 32
/// letters, digits or underscores, starting with a letter).
fn check_chat_id(text: &str) -> Result<(), PluginError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let numeric = (1..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let username = text.strip_prefix('@').is_some_and(|name| {
        (5..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if numeric || username {
        Ok(())
    } else {
        Err(field_error(
            "chat_id",
            format!(
                "{text:?} is neither a numeric chat id like \"-1001234567890\" nor a \
                 channel username like \"@mychannel\""
            ),
        ))
    }
}

impl<'de> Deserialize<'de> for ChatId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChatIdVisitor;

        impl Visitor<'_> for ChatIdVisitor {
            type Value = ChatId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a chat id (\"-1001234567890\", \"@channel\" or an integer)")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ChatId, E> {
                Ok(ChatId::Number(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ChatId, E> {
                i64::try_from(value)
                    .map(ChatId::Number)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<ChatId, E> {
                Ok(ChatId::Text(value.to_owned()))
            }
        }

        deserializer.deserialize_any(ChatIdVisitor)
    }
}

impl Serialize for ChatId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ChatId::Number(id) => serializer.serialize_i64(*id),
            ChatId::Text(text) => serializer.serialize_str(text),
        }
    }
}

/// The configuration's JSON Schema (draft 2020-12).
pub fn schema() -> serde_json::Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Telegram message",
        "description": "Sends one message per event to a Telegram chat through a bot.",
        "type": "object",
        "properties": {
            "bot_token": {
                "type": "string",
                "description": "The bot's token from @BotFather, e.g. 123456789:AAE…",
                "pattern": "^[0-9]{1,20}:[A-Za-z0-9_-]{30,64}$",
                "writeOnly": true,
            },
            "chat_id": {
                "description": "The chat to post in: a numeric id such as \"-1001234567890\" (the bot must be a member) or a public channel's \"@username\".",
                "oneOf": [
                    {"type": "string", "pattern": "^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$"},
                    {"type": "integer"},
                ],
            },
            "template": {
                "type": "string",
                "description": "The message, in Telegram HTML with {{ checkout.… }} placeholders, {% for %} / {% if %} blocks and the money and date filters. Substituted values are escaped. Only Telegram's tags are accepted (b, strong, i, em, u, ins, s, strike, del, span class=\"tg-spoiler\", tg-spoiler, a href, tg-emoji emoji-id, code, pre, blockquote), each closed in order; write a < that is text as &lt;. It is tried on every sample event before it is saved. Left out: a summary of the order in the chosen language.",
                "minLength": 1,
            },
            "language": {
                "title": "Language of the default message",
                "description": "The language of the default message and of {{ event.title }}: \"ms\" (Bahasa Melayu) or \"en\" (English).",
                "enum": ["ms", "en"],
                "default": "ms",
            },
            "disable_notification": {
                "type": "boolean",
                "description": "Deliver the message silently (no sound on the recipients' phones).",
                "default": false,
            },
        },
        "required": ["bot_token", "chat_id"],
        "additionalProperties": false,
    })
}
