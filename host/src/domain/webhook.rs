//! Webhooks: what a shop subscribed, to which plugin, with which configuration;
//! their names, the event types they may receive, and the rule that disables one
//! that keeps failing.

use std::time::Duration;

use super::text::text_enum;
use super::{PluginRef, Refused};
use crate::clock::{Millis, rfc3339};
use crate::events::{INPUT_TYPES, TYPES};

/// Whether a webhook receives events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    /// Receives events.
    Active,
    /// Set aside by the merchant (or by a downgrade); receives nothing.
    Paused,
    /// Stopped by Kait (410 Gone, or failing for too long); see `disabled_reason`.
    Disabled,
}

text_enum!(WebhookStatus {
    Active => "active",
    Paused => "paused",
    Disabled => "disabled",
});

impl WebhookStatus {
    /// The statuses a merchant may choose (`disabled` is Kait's alone).
    pub fn chosen(self) -> Result<Self, Refused> {
        match self {
            Self::Disabled => Err(Refused::invalid(
                "invalid_status",
                "status must be active or paused",
            )),
            chosen => Ok(chosen),
        }
    }
}

/// The merchant's name for a webhook: at most 100 characters, not all spaces,
/// kept trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookName(String);

impl WebhookName {
    /// Checks and trims a name (`invalid_name`). The length is counted as sent, so
    /// the API's document can state it (`maxLength`).
    pub fn parse(name: &str) -> Result<Self, Refused> {
        let long = name.chars().count() > 100;
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) || long {
            return Err(Refused::invalid(
                "invalid_name",
                "name must be 1-100 characters, none of them control characters",
            ));
        }
        Ok(Self(name.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The event types a webhook receives: some of the ten, at least one, no repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<String>);

impl EventTypes {
    /// All ten.
    pub fn all() -> Self {
        Self(TYPES.iter().map(|t| t.to_string()).collect())
    }

    /// Checks a subscription (`invalid_events`); `None` means all ten.
    pub fn parse(events: Option<Vec<String>>) -> Result<Self, Refused> {
        let Some(events) = events else {
            return Ok(Self::all());
        };
        if events.is_empty() {
            return Err(Refused::invalid(
                "invalid_events",
                "events must name at least one type",
            ));
        }
        let mut chosen = Vec::new();
        for event in events {
            if INPUT_TYPES.contains(&event.as_str()) {
                return Err(Refused::invalid(
                    "invalid_events",
                    format!(
                        "{event} is input-only: Kait uses it to detect abandoned checkouts and emits checkout.abandoned; subscribe to checkout.abandoned instead"
                    ),
                ));
            }
            if !TYPES.contains(&event.as_str()) {
                return Err(Refused::invalid(
                    "invalid_events",
                    format!(
                        "unknown event type {event:?}; expected some of: {}",
                        TYPES.join(", ")
                    ),
                ));
            }
            if !chosen.contains(&event) {
                chosen.push(event);
            }
        }
        Ok(Self(chosen))
    }

    /// Whether an event of `kind` is delivered to the webhook.
    pub fn receives(&self, kind: &str) -> bool {
        self.0.iter().any(|t| t == kind)
    }

    /// The types, in the order chosen.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// A webhook as kept, secrets included. Whatever shows it masks them first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// `wh_…`
    pub id: String,
    /// The owning shop.
    pub shop_id: String,
    /// The merchant's name for it.
    pub name: WebhookName,
    /// Whether it receives events.
    pub status: WebhookStatus,
    /// Why Kait disabled it, if it did.
    pub disabled_reason: Option<String>,
    /// Subscribed event types.
    pub events: EventTypes,
    /// The plugin that shapes its requests.
    pub plugin: PluginRef,
    /// The plugin's configuration (JSON text), secrets included.
    pub config: String,
    /// The `whsec_…` signing secret.
    pub signing_secret: String,
    /// The secret a rotation replaced, still signed with until its time is up.
    pub previous_secret: Option<PreviousSecret>,
    /// Since when every attempt has failed, if they have.
    pub failing_since: Option<Millis>,
    /// Created at.
    pub created_at: Millis,
    /// Last changed at.
    pub updated_at: Millis,
}

/// A replaced signing secret and until when requests still carry its signature,
/// so receivers can switch to the new one without dropping deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    /// The `whsec_…` secret.
    pub secret: String,
    /// Signing with it stops at this time.
    pub until: Millis,
}

impl Webhook {
    /// The secrets requests are signed with at `now`: the current one, and the
    /// previous one while its overlap lasts.
    pub fn signing_secrets(&self, now: Millis) -> Vec<&str> {
        let mut secrets = vec![self.signing_secret.as_str()];
        if let Some(previous) = &self.previous_secret
            && now < previous.until
        {
            secrets.push(&previous.secret);
        }
        secrets
    }
}

/// A webhook whose every attempt has failed for this long is disabled (the
/// `disable_after` setting, five days by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisableRule {
    /// How long failing is tolerated.
    pub after: Duration,
}

impl DisableRule {
    /// Why an active webhook failing since `since` is disabled at `now`, or
    /// `None` while it is still tolerated.
    pub fn reason(&self, since: Millis, now: Millis) -> Option<String> {
        (now - since >= self.after.as_millis() as Millis).then(|| {
            format!(
                "every attempt has failed since {}; fix the destination and resume the webhook",
                rfc3339(since)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_checked_and_deduplicated() {
        assert_eq!(EventTypes::parse(None).unwrap().as_slice().len(), 10);
        let two = EventTypes::parse(Some(vec![
            "order.paid".into(),
            "order.shipped".into(),
            "order.paid".into(),
        ]))
        .unwrap();
        assert_eq!(two.as_slice(), ["order.paid", "order.shipped"]);
        assert!(two.receives("order.paid") && !two.receives("order.packed"));
        for bad in [
            vec![],
            vec!["checkout.started".into()],
            vec!["order.eaten".into()],
        ] {
            assert_eq!(
                EventTypes::parse(Some(bad)).unwrap_err().code,
                "invalid_events"
            );
        }
    }

    #[test]
    fn names_and_statuses_are_checked() {
        assert_eq!(WebhookName::parse(" Orders ").unwrap().as_str(), "Orders");
        assert!(WebhookName::parse("").is_err());
        assert!(WebhookName::parse(&"é".repeat(100)).is_ok());
        assert!(WebhookName::parse(&"é".repeat(101)).is_err());
        assert!(WebhookStatus::Disabled.chosen().is_err());
        assert_eq!(WebhookStatus::Paused.chosen(), Ok(WebhookStatus::Paused));
    }

    #[test]
    fn the_previous_secret_signs_only_until_its_time_is_up() {
        let mut webhook = Webhook {
            id: "wh_1".into(),
            shop_id: "s".into(),
            name: WebhookName::parse("w").unwrap(),
            status: WebhookStatus::Active,
            disabled_reason: None,
            events: EventTypes::all(),
            plugin: PluginRef::parse("http").unwrap(),
            config: "{}".into(),
            signing_secret: "whsec_new".into(),
            previous_secret: None,
            failing_since: None,
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(webhook.signing_secrets(5), ["whsec_new"]);
        webhook.previous_secret = Some(PreviousSecret {
            secret: "whsec_old".into(),
            until: 10,
        });
        assert_eq!(webhook.signing_secrets(9), ["whsec_new", "whsec_old"]);
        assert_eq!(webhook.signing_secrets(10), ["whsec_new"]);
    }

    #[test]
    fn disables_only_after_the_whole_period() {
        let rule = DisableRule {
            after: Duration::from_secs(5 * 24 * 3600),
        };
        let day = 24 * 3600 * 1000;
        assert_eq!(rule.reason(0, 5 * day - 1), None);
        assert!(
            rule.reason(0, 5 * day)
                .unwrap()
                .contains("every attempt has failed since")
        );
    }
}
