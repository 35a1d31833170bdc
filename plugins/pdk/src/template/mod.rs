//! Merchant templates, on [minijinja](https://docs.rs/minijinja).
//!
//! The help page's syntax works verbatim: `{{ checkout.customer.first_name }}`
//! substitutes a value and `{{ checkout.items[].product.name }}` lists every item's
//! value joined by ", ". Jinja's `{% for %}` and `{% if %}` work, blocks take their
//! own line (`trim_blocks` and `lstrip_blocks` are on), and besides minijinja's
//! built-in filters (`upper`, `lower`, `default`, `join`, `replace`, `tojson`, …)
//! there are:
//!
//! - `money` / `money("USD")`: `RM 1,234.50`; the currency is the argument, else
//!   `checkout.currency`, else MYR (shown as "RM");
//! - `date` / `date("%d %b %Y, %I:%M %p")`: an RFC 3339 date-time in its own
//!   offset, strftime syntax, default [`DEFAULT_DATE_FORMAT`];
//! - `pluck("a.b")`: the value at a path in every element of a list.
//!
//! A missing field, a null, or a field of a missing object renders as nothing, and
//! filters given a missing value give an empty result rather than an error. Values are
//! escaped by the template's [`Escape`] mode. Compiled templates are kept for the
//! life of the instance, so a text is compiled once however many events it renders.
//!
//! ```
//! use kait_pdk::template::{Context, Escape, Template};
//!
//! let context = Context::from_json(&serde_json::json!({
//!     "checkout": {"total": 1250, "items": [{"product": {"name": "Kopi"}}, {"product": {"name": "Teh & Susu"}}]}
//! }));
//! let template = Template::compile("template", "{{ checkout.items[].product.name }}: {{ checkout.total|money }}", Escape::Html)?;
//! assert_eq!(template.render(&context)?, "Kopi, Teh &amp; Susu: RM 1,250.00");
//! # Ok::<(), kait_pdk::PluginError>(())
//! ```

mod cache;
mod escape;
mod filters;
mod json;
mod lenient;
mod rewrite;

use std::rc::Rc;
use std::sync::Arc;

use minijinja::{ErrorKind, Value};

pub use escape::{Escape, html as escape_html};
pub use filters::DEFAULT_DATE_FORMAT;

use crate::catalogue::{self, Lang};
use crate::event::Payload;
use crate::{Event, PluginError};
use cache::Entry;

/// A compiled merchant template, named after the configuration field it came from.
#[derive(Debug, Clone)]
pub struct Template {
    field: String,
    entry: Rc<Entry>,
}

impl Template {
    /// Compiles `text` (or finds it compiled already) for the config field `field`.
    ///
    /// A syntax error, or a filter, test or function that does not exist, is
    /// [`PluginError::InvalidConfig`], e.g.
    /// `template: syntax error at line 2, column 14: unexpected end of input`.
    pub fn compile(field: &str, text: &str, escape: Escape) -> Result<Template, PluginError> {
        let entry = cache::compile(text, escape)
            .map_err(|(rewritten, err)| describe(field, text, &rewritten, &err))?;
        if let Some(err) = &entry.unknown_name {
            return Err(describe(field, text, &entry.rewritten, err));
        }
        Ok(Template {
            field: field.to_owned(),
            entry,
        })
    }

    /// Whether the template is exactly one `{{ expression }}`.
    pub fn is_single_expression(&self) -> bool {
        self.entry.value.is_some()
    }

    /// Renders the template as text.
    pub fn render(&self, context: &Context) -> Result<String, PluginError> {
        let entry = &self.entry;
        cache::with_template(entry, &entry.name, &entry.rewritten.source, |template| {
            template.render(&context.root)
        })
        .map_err(|err| self.error(&err))
    }

    /// Renders the template as a JSON value: a template that is exactly one
    /// `{{ expression }}` whose value is a number gives that number; anything else
    /// gives the rendered text as a string.
    pub fn render_value(&self, context: &Context) -> Result<serde_json::Value, PluginError> {
        let entry = &self.entry;
        let Some((name, source)) = &entry.value else {
            return self.render(context).map(serde_json::Value::String);
        };
        let captured = cache::with_template(entry, name, source, |template| {
            let captured = template.render_captured(&context.root)?;
            Ok(captured.state().lookup(cache::VALUE_VAR))
        });
        let value = match captured {
            Ok(value) => value.unwrap_or(Value::UNDEFINED),
            // The `{{ }}` form reports the error at the merchant's own position.
            Err(_) => return self.render(context).map(serde_json::Value::String),
        };
        if value.is_number()
            && let Ok(number @ serde_json::Value::Number(_)) = serde_json::to_value(&value)
        {
            return Ok(number);
        }
        let mut text = String::new();
        escape::write_value(entry.escape, &mut text, &value)
            .map_err(|_| PluginError::Failed("cannot format a value".to_owned()))?;
        Ok(serde_json::Value::String(text))
    }

    fn error(&self, err: &minijinja::Error) -> PluginError {
        describe(&self.field, &self.entry.text, &self.entry.rewritten, err)
    }
}

/// The data a template sees: `checkout`, `event` and `data` (the whole payload),
/// plus whatever [`Context::with`] adds (e.g. `item` for one row per item).
#[derive(Debug, Clone)]
pub struct Context {
    root: Value,
}

impl Context {
    /// The context of `event`: `event` is `{id, type, title, shop, occurred_at}`
    /// (`title` is the seed's title in English: "Order Status Processing"),
    /// `checkout` is `data.checkout` (empty when missing), `data` is the payload.
    pub fn new(event: &Event, payload: &Payload) -> Context {
        Context::in_language(event, payload, Lang::En)
    }

    /// [`Context::new`] with `event.title` in `lang`, from the catalogue.
    pub fn in_language(event: &Event, payload: &Payload, lang: Lang) -> Context {
        let data = json::document(payload.shared());
        let checkout = data.get_attr("checkout").unwrap_or(Value::UNDEFINED);
        let title = catalogue::event_title(&event.kind, lang)
            .map_or_else(|| title(&event.kind), str::to_owned);
        let event = minijinja::context! {
            id => event.id,
            type => event.kind,
            title => title,
            shop => event.shop,
            occurred_at => event.occurred_at,
        };
        Context {
            root: minijinja::context! { event, checkout, data },
        }
    }

    /// A context from a JSON object whose top-level keys are the variables.
    pub fn from_json(value: &serde_json::Value) -> Context {
        Context {
            root: json::document(&parsed(value)),
        }
    }

    /// This context plus `item`: entry `index` of `checkout.items` (for one
    /// row per item), read in place from the event's document.
    pub fn with_item(&self, index: usize) -> Context {
        let item = self
            .root
            .get_attr("checkout")
            .and_then(|checkout| checkout.get_attr("items"))
            .and_then(|items| items.get_item(&Value::from(index)))
            .unwrap_or(Value::UNDEFINED);
        let extra = Value::from_iter([("item", item)]);
        Context {
            root: minijinja::context! { ..extra, ..self.root.clone() },
        }
    }

    /// This context plus the variable `name` set to `value`.
    pub fn with(&self, name: &str, value: &serde_json::Value) -> Context {
        let extra = Value::from_iter([(name, json::document(&parsed(value)))]);
        Context {
            root: minijinja::context! { ..extra, ..self.root.clone() },
        }
    }
}

/// A type the catalogue does not list, as people read it: `order.refunded` is
/// "Order Refunded".
fn title(kind: &str) -> String {
    let mut title = String::with_capacity(kind.len());
    let mut word_start = true;
    for c in kind.chars() {
        if c == '.' || c == '_' {
            title.push(' ');
            word_start = true;
        } else if word_start {
            title.extend(c.to_uppercase());
            word_start = false;
        } else {
            title.push(c);
        }
    }
    title
}

fn parsed(value: &serde_json::Value) -> Arc<crate::document::Document> {
    let text = value.to_string();
    Arc::new(crate::document::Document::parse(&text).expect("serde_json writes valid JSON"))
}

/// `field: syntax error at line L, column C: detail`, positions in the
/// merchant's own text.
fn describe(
    field: &str,
    text: &str,
    rewritten: &rewrite::Rewritten,
    err: &minijinja::Error,
) -> PluginError {
    let what = match err.kind() {
        ErrorKind::SyntaxError => "syntax error".to_owned(),
        kind => kind.to_string(),
    };
    let end_of_input = err
        .detail()
        .is_some_and(|detail| detail.starts_with("unexpected end of input"));
    let position = match err.range() {
        // minijinja points at the last token; the input ended after it.
        Some(_) if end_of_input => {
            let (line, column) = line_column(text, text.trim_end().len());
            format!(" at line {line}, column {column}")
        }
        Some(range) => {
            let (line, column) = line_column(text, rewritten.original_offset(range.start));
            format!(" at line {line}, column {column}")
        }
        None => err
            .line()
            .map(|line| format!(" at line {line}"))
            .unwrap_or_default(),
    };
    let detail = err.detail().map(|d| format!(": {d}")).unwrap_or_default();
    PluginError::InvalidConfig(format!("{field}: {what}{position}{detail}"))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests;
