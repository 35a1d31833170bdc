//! The domain: shops, webhooks, plugin references, events and deliveries as
//! validated types, and every rule about them, written once.
//!
//! Nothing here does I/O. The API, the merchant page and the CLI build these types
//! (a bad value is a [`Refused`] with a stable code and a reason); the store keeps
//! them; the worker and the abandonment timers follow the rules defined here.
//!
//! | rule | where |
//! |---|---|
//! | which plans include webhooks | [`Plan::require_webhooks`] |
//! | webhook names, subscribed event types | [`WebhookName`], [`EventTypes`] |
//! | shop ids and names | [`ShopId`], [`ShopName`] |
//! | plugin names and references | [`PluginName`], [`PluginRef`] |
//! | disabling a webhook that keeps failing | [`DisableRule`] |
//! | checkout abandonment | [`abandonment`] |
//! | the page's portal links and sessions | [`PortalLink`], [`Session`] |

pub mod abandonment;
mod delivery;
mod event;
mod plugin;
mod portal;
mod refused;
mod shop;
mod text;
mod webhook;

pub use delivery::{
    Attempt, AttemptRecord, Attempted, Claimed, Delivery, DeliveryPage, DeliveryStatus, ErrorKind,
    JsonText, Next, Outcome, WebhookEffect, json_text,
};
pub use event::{CreatedDelivery, Ingested, NewEvent, StoredEvent};
pub use plugin::{Pin, PluginName, PluginRef, PluginVersion, VERSION_LEN, version_of};
pub use portal::{PortalLink, Session};
pub use refused::{Refused, RefusedKind};
pub use shop::{NewShop, PAUSED_BY_PLAN, Plan, PlanChange, PlanMove, Shop, ShopId, ShopName};
pub use webhook::{DisableRule, EventTypes, PreviousSecret, Webhook, WebhookName, WebhookStatus};

/// How many items one page of a list holds: 50 unless asked, 1 to 250.
pub fn page_size(asked: Option<usize>) -> usize {
    asked.unwrap_or(50).clamp(1, 250)
}

/// A random id with a readable prefix, e.g. `wh_3f9a…`.
pub fn new_id(prefix: &str) -> String {
    let bytes: [u8; 12] = rand::random();
    format!("{prefix}_{}", hex::encode(bytes))
}
