//! What the request carries: nothing, the event itself, a rendered template, or
//! form fields.

use kait_pdk::event;
use kait_pdk::template::{Context, Template};
use kait_pdk::{Event, PluginError};

/// The content type of a form body.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// The request's body, as configured.
#[derive(Debug)]
pub enum Body {
    /// No body and no content type: a GET, or a DELETE without a template.
    Empty,
    /// The event itself, `{"id", "type", "shop", "occurred_at", "data"}`, sent
    /// as this (JSON) content type.
    Event(String),
    /// `body_template` rendered, sent as `content_type`.
    Template {
        /// The compiled `body_template`.
        template: Template,
        /// The body's content type.
        content_type: String,
        /// Whether the content type is JSON, so the rendered text must be JSON.
        json: bool,
    },
    /// `form`: each field's template rendered, then form-encoded, in order.
    Form(Vec<(String, Template)>),
}

impl Body {
    /// Whether rendering needs the event's template context.
    pub fn is_template(&self) -> bool {
        matches!(self, Body::Template { .. } | Body::Form(_))
    }

    /// The content type and bytes for `event`, or `None` for no body;
    /// `context` is needed only when [`Self::is_template`].
    pub fn render(
        &self,
        event: &Event,
        context: Option<&Context>,
    ) -> Result<Option<(String, Vec<u8>)>, PluginError> {
        let context = || context.expect("a templated body is rendered with the event's context");
        Ok(match self {
            Body::Empty => None,
            Body::Event(content_type) => {
                Some((content_type.clone(), event::to_json(event)?.into()))
            }
            Body::Template {
                template,
                content_type,
                json,
            } => {
                let body = template.render(context())?;
                if *json && let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&body) {
                    return Err(PluginError::InvalidConfig(format!(
                        "body_template: the rendered body is not JSON ({err}); use |tojson for \
                         objects and lists, and quotes around text placeholders"
                    )));
                }
                Some((content_type.clone(), body.into()))
            }
            Body::Form(fields) => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for (name, template) in fields {
                    form.append_pair(name, &template.render(context())?);
                }
                Some((FORM.to_owned(), form.finish().into()))
            }
        })
    }
}
