//! The callback URL: a written-out scheme and host, then a path and query that
//! may hold `{{ … }}` placeholders rendered per event.
//!
//! Each rendered value is percent-encoded where it stands (all but RFC 3986's
//! unreserved characters), so a customer's name or a `/`, `&`, `=` or `#` in a
//! value stays one path segment or one query value. The template's own text is
//! kept; spaces in it are encoded when the URL is parsed, so
//! `https://api.telegram.org/bot…/sendMessage?chat_id=1&text=Order {{ checkout.id }} paid`
//! sends `…&text=Order%201262140%20paid`. The host cannot be templated, so every
//! event goes to the one address the merchant wrote.

use kait_pdk::PluginError;
use kait_pdk::config::field_error;
use kait_pdk::template::{Context, Escape, Template};
use url::Url;

/// Where the request goes.
#[derive(Debug)]
pub struct CallbackUrl {
    /// The scheme, host and port every rendered URL must keep.
    origin: url::Origin,
    url: Kind,
}

#[derive(Debug)]
enum Kind {
    /// No placeholders: the URL, parsed and encoded once.
    Fixed(String),
    /// Rendered per event.
    Template(Template),
}

/// The delimiters that make a URL a template.
const DELIMITERS: [&str; 3] = ["{{", "{%", "{#"];

impl CallbackUrl {
    /// Checks `text` (the `url` setting): http or https, a host written out, no
    /// user name or password, and a template that compiles.
    pub fn parse(text: &str) -> Result<CallbackUrl, PluginError> {
        if text.chars().any(char::is_control) {
            return Err(field_error(
                "url",
                "must not contain line breaks or control characters",
            ));
        }
        let Some(scheme_end) = text.find("://") else {
            return Err(match Url::parse(text) {
                Err(err) => field_error("url", format!("not a valid URL: {err}")),
                Ok(_) => field_error("url", "must start with https:// or http://"),
            });
        };
        let authority_end = text[scheme_end + 3..]
            .find(['/', '?', '#'])
            .map_or(text.len(), |at| scheme_end + 3 + at);
        let origin_text = &text[..authority_end];
        if DELIMITERS.iter().any(|d| origin_text.contains(d)) {
            return Err(field_error(
                "url",
                "the scheme and host must be written out; {{ … }} placeholders work only in the path and query",
            ));
        }
        let origin = Url::parse(&format!("{origin_text}/"))
            .map_err(|err| field_error("url", format!("not a valid URL: {err}")))?;
        check_origin(&origin)?;
        let url = if DELIMITERS.iter().any(|d| text.contains(d)) {
            Kind::Template(Template::compile("url", text, Escape::Url)?)
        } else {
            let url = Url::parse(text)
                .map_err(|err| field_error("url", format!("not a valid URL: {err}")))?;
            Kind::Fixed(url.to_string())
        };
        Ok(CallbackUrl {
            origin: origin.origin(),
            url,
        })
    }

    /// Whether the URL has placeholders (and so needs the event to render).
    pub fn is_template(&self) -> bool {
        matches!(self.url, Kind::Template(_))
    }

    /// The URL for an event; `context` is needed only when [`Self::is_template`].
    pub fn render(&self, context: Option<&Context>) -> Result<String, PluginError> {
        let template = match &self.url {
            Kind::Fixed(url) => return Ok(url.clone()),
            Kind::Template(template) => template,
        };
        let context = context.expect("a templated URL is rendered with the event's context");
        let rendered = template.render(context)?;
        let url = Url::parse(&rendered).map_err(|err| {
            PluginError::InvalidConfig(format!("url: the rendered URL is not valid: {err}"))
        })?;
        if url.origin() != self.origin || !url.username().is_empty() || url.password().is_some() {
            return Err(PluginError::InvalidConfig(
                "url: the rendered URL does not keep the written scheme and host".to_owned(),
            ));
        }
        Ok(url.to_string())
    }
}

fn check_origin(url: &Url) -> Result<(), PluginError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(field_error("url", "must start with https:// or http://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(field_error("url", "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(field_error(
            "url",
            "must not contain a user name or password; send credentials in headers",
        ));
    }
    Ok(())
}
