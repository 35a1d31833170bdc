//! Shops: their ids and names, their plan, and which plans include webhooks.

use std::time::Duration;

use super::Refused;
use super::text::text_enum;
use super::webhook::WebhookStatus;
use crate::clock::Millis;

/// The `disabled_reason` of a webhook a downgrade paused: an upgrade resumes
/// exactly the webhooks that carry it (a merchant's own pause clears it).
pub const PAUSED_BY_PLAN: &str = "paused because the shop's plan has no webhooks";

/// What a plan change did to the shop's webhooks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanChange {
    /// Active webhooks paused because the new plan has none.
    pub paused: Vec<String>,
    /// Webhooks an earlier downgrade paused, resumed because the new plan has them.
    pub resumed: Vec<String>,
}

/// How a change to a plan moves a shop's webhooks: those in status `from` (and,
/// when resuming, marked [`PAUSED_BY_PLAN`]) go to `to`, with `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanMove {
    /// The status of the webhooks that move.
    pub from: WebhookStatus,
    /// Their status afterwards.
    pub to: WebhookStatus,
    /// Their `disabled_reason` afterwards.
    pub reason: Option<&'static str>,
}

impl PlanMove {
    /// The move a change to `plan` makes.
    pub fn to(plan: Plan) -> Self {
        if plan.has_webhooks() {
            Self {
                from: WebhookStatus::Paused,
                to: WebhookStatus::Active,
                reason: None,
            }
        } else {
            Self {
                from: WebhookStatus::Active,
                to: WebhookStatus::Paused,
                reason: Some(PAUSED_BY_PLAN),
            }
        }
    }

    /// What moving `ids` did, for the caller.
    pub fn change(self, ids: Vec<String>) -> PlanChange {
        if self.to == WebhookStatus::Active {
            PlanChange {
                resumed: ids,
                ..PlanChange::default()
            }
        } else {
            PlanChange {
                paused: ids,
                ..PlanChange::default()
            }
        }
    }
}

/// A shop's subscription plan; webhooks need `standard` or above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// No webhooks.
    Free,
    /// No webhooks.
    Basic,
    /// Webhooks.
    Standard,
    /// Webhooks.
    Premium,
    /// Webhooks.
    Ultimate,
}

text_enum!(Plan {
    Free => "free",
    Basic => "basic",
    Standard => "standard",
    Premium => "premium",
    Ultimate => "ultimate",
});

impl Plan {
    /// The plans that include webhooks.
    pub const WITH_WEBHOOKS: [Plan; 3] = [Plan::Standard, Plan::Premium, Plan::Ultimate];

    /// Whether this plan includes webhooks.
    pub fn has_webhooks(self) -> bool {
        Self::WITH_WEBHOOKS.contains(&self)
    }

    /// Refuses webhooks on a plan without them (`plan_not_eligible`).
    pub fn require_webhooks(self) -> Result<(), Refused> {
        if self.has_webhooks() {
            return Ok(());
        }
        let plans: Vec<&str> = Self::WITH_WEBHOOKS.iter().map(|p| p.as_str()).collect();
        Err(Refused::not_allowed(
            "plan_not_eligible",
            format!(
                "webhooks need the {} plan; this shop is on {}",
                plans.join(", ").replacen(", ultimate", " or ultimate", 1),
                self.as_str()
            ),
        ))
    }
}

/// A shop's id, chosen by the platform: 1–64 of a-z, 0-9, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopId(String);

impl ShopId {
    /// Checks an id (`invalid_shop_id`).
    pub fn parse(id: &str) -> Result<Self, Refused> {
        let ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(id.to_string()))
        } else {
            Err(Refused::invalid(
                "invalid_shop_id",
                "id must be 1-64 characters of a-z, 0-9, - and _",
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A shop's display name: at most 200 characters, not all spaces, kept trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopName(String);

impl ShopName {
    /// Checks and trims a name (`invalid_name`). Characters, not bytes, counted
    /// as sent, as the message and the API's document (`maxLength`) say.
    pub fn parse(name: &str) -> Result<Self, Refused> {
        let long = name.chars().count() > 200;
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) || long {
            return Err(Refused::invalid(
                "invalid_name",
                "name must be 1-200 characters, none of them control characters",
            ));
        }
        Ok(Self(name.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A shop to create.
#[derive(Debug, Clone)]
pub struct NewShop {
    /// Its id.
    pub id: ShopId,
    /// Its name.
    pub name: ShopName,
    /// Its plan.
    pub plan: Plan,
    /// SHA-256 of its key.
    pub key_hash: String,
    /// Created at.
    pub created_at: Millis,
}

/// A shop as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shop {
    /// The shop's id, chosen by the platform.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Subscription plan.
    pub plan: Plan,
    /// When the shop was created.
    pub created_at: Millis,
    /// How long after a checkout starts Kait calls it abandoned.
    pub abandonment_window: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_standard_and_above_have_webhooks() {
        for plan in [Plan::Free, Plan::Basic] {
            let refused = plan.require_webhooks().unwrap_err();
            assert_eq!(refused.code, "plan_not_eligible");
            assert!(
                refused
                    .message
                    .contains("standard, premium or ultimate plan; this shop is on")
            );
        }
        for plan in Plan::WITH_WEBHOOKS {
            assert!(plan.require_webhooks().is_ok());
        }
    }

    #[test]
    fn ids_and_names_are_checked() {
        assert!(ShopId::parse("mirfaith_2").is_ok());
        for bad in ["", "Mirfaith", "a b", &"a".repeat(65)] {
            assert_eq!(ShopId::parse(bad).unwrap_err().code, "invalid_shop_id");
        }
        assert_eq!(ShopName::parse("  Kedai  ").unwrap().as_str(), "Kedai");
        assert!(ShopName::parse("   ").is_err());
        assert!(ShopName::parse(&"x".repeat(201)).is_err());
    }
}
