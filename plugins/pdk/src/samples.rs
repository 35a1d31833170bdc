//! The ten sample events (`examples/events/<type>.json`, one per event type),
//! built into the kit so a plugin's `validate-config` can render its templates
//! on every one of them before it accepts a configuration: a template that fails
//! on a sample would fail on real events too.
//!
//! ```
//! use kait_pdk::samples;
//! use kait_pdk::template::{Context, Escape, Template};
//!
//! let template = Template::compile("template", "{{ checkout.id }}", Escape::None)?;
//! samples::check_each(|event, payload| {
//!     template.render(&Context::new(event, payload)).map(drop)
//! })?;
//! # Ok::<(), kait_pdk::PluginError>(())
//! ```

use crate::event::Payload;
use crate::model::Envelope;
use crate::{Event, PluginError};

/// The samples' text, by event type, in the catalogue's order.
const SAMPLES: [(&str, &str); 10] = [
    (
        "order.paid",
        include_str!("../../../examples/events/order.paid.json"),
    ),
    (
        "order.shipped",
        include_str!("../../../examples/events/order.shipped.json"),
    ),
    (
        "checkout.abandoned",
        include_str!("../../../examples/events/checkout.abandoned.json"),
    ),
    (
        "checkout.completed",
        include_str!("../../../examples/events/checkout.completed.json"),
    ),
    (
        "checkout.updated",
        include_str!("../../../examples/events/checkout.updated.json"),
    ),
    (
        "order.processing",
        include_str!("../../../examples/events/order.processing.json"),
    ),
    (
        "order.completed",
        include_str!("../../../examples/events/order.completed.json"),
    ),
    (
        "order.updated",
        include_str!("../../../examples/events/order.updated.json"),
    ),
    (
        "order.ready_for_pickup",
        include_str!("../../../examples/events/order.ready_for_pickup.json"),
    ),
    (
        "order.packed",
        include_str!("../../../examples/events/order.packed.json"),
    ),
];

/// The sample event of type `kind`, if there is one.
pub fn get(kind: &str) -> Option<Event> {
    SAMPLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, text)| parse(text))
}

/// Every sample event, one per event type.
pub fn all() -> impl Iterator<Item = Event> {
    SAMPLES.iter().map(|(_, text)| parse(text))
}

fn parse(text: &str) -> Event {
    Envelope::parse(text)
        .expect("the samples are checked by the kit's tests")
        .to_event()
}

/// Runs `check` on every sample; the first refusal is returned as
/// [`PluginError::InvalidConfig`], naming the sample: `body_template: on the
/// sample order.paid event, the rendered body is not JSON (…)`.
pub fn check_each(
    mut check: impl FnMut(&Event, &Payload) -> Result<(), PluginError>,
) -> Result<(), PluginError> {
    for event in all() {
        let payload = Payload::parse(&event)?;
        check(&event, &payload).map_err(|err| on_sample(&err, &event.kind))?;
    }
    Ok(())
}

/// `field: reason` becomes `field: on the sample <type> event, reason`, so the
/// message still starts with the field at fault.
fn on_sample(err: &PluginError, kind: &str) -> PluginError {
    let message = err.message();
    let located = match message.split_once(": ") {
        Some((field, reason)) if !field.contains(char::is_whitespace) => {
            format!("{field}: on the sample {kind} event, {reason}")
        }
        _ => format!("on the sample {kind} event: {message}"),
    };
    PluginError::InvalidConfig(located)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    #[test]
    fn one_sample_per_catalogued_type() {
        let kinds: Vec<String> = all().map(|event| event.kind).collect();
        let catalogued: Vec<&str> = catalogue::event_types().collect();
        assert_eq!(kinds, catalogued);
        for event in all() {
            let payload = Payload::parse(&event).unwrap();
            payload.typed().unwrap();
        }
        assert_eq!(get("order.paid").unwrap().kind, "order.paid");
        assert!(get("order.lost").is_none());
    }

    #[test]
    fn refusals_name_the_sample_after_the_field() {
        let err = check_each(|event, _| {
            if event.kind == "checkout.abandoned" {
                Err(PluginError::Failed("url: not valid".into()))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(
            err,
            PluginError::InvalidConfig(
                "url: on the sample checkout.abandoned event, not valid".into()
            )
        );
        let plain = on_sample(
            &PluginError::Failed("no field here: x".into()),
            "order.paid",
        );
        assert_eq!(
            plain.message(),
            "on the sample order.paid event: no field here: x"
        );
    }
}
