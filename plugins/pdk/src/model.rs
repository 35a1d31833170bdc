//! The event format and the checkout fields listed on the merchant help page.
//!
//! An event travels as `{"id", "type", "shop", "occurred_at", "data"}` where `data`
//! is `{"checkout": {...}}`; the WIT [`Event`] carries the first four as fields and
//! `data` as JSON text (`payload`). Every field of the typed structs is optional,
//! numbers stay [`Number`]s (never strings), ids may be numbers or strings, and
//! fields this model does not know are kept in each struct's `extra` map.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use crate::Event;

/// An id or code that the platform may send as a number or as a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    /// A JSON number, e.g. `1262140`.
    Number(Number),
    /// A JSON string, e.g. `"ck_1262140"`.
    Text(String),
}

/// One event in the event format, with `data` kept verbatim.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique id of the event.
    pub id: String,
    /// Event type, e.g. `order.paid`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The shop the event belongs to.
    pub shop: String,
    /// When the event happened (RFC 3339).
    pub occurred_at: String,
    /// The event data, byte for byte as received.
    pub data: Box<RawValue>,
}

impl Envelope {
    /// Wraps a WIT event; fails when its payload is not JSON.
    pub fn from_event(event: &Event) -> Result<Envelope, serde_json::Error> {
        Ok(Envelope {
            id: event.id.clone(),
            kind: event.kind.clone(),
            shop: event.shop.clone(),
            occurred_at: event.occurred_at.clone(),
            data: RawValue::from_string(event.payload.clone())?,
        })
    }

    /// The WIT event for this envelope.
    pub fn to_event(&self) -> Event {
        Event {
            id: self.id.clone(),
            kind: self.kind.clone(),
            shop: self.shop.clone(),
            occurred_at: self.occurred_at.clone(),
            payload: self.data.get().to_owned(),
        }
    }

    /// Parses an event in the event format (e.g. a file of `examples/events`).
    pub fn parse(json: &str) -> Result<Envelope, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// The `data` of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The checkout the event is about.
    pub checkout: Checkout,
    /// Any other keys of `data`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The checkout (`checkout.*` on the help page).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkout {
    /// Checkout id, e.g. `1262140`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// The shop's domain, e.g. `mirfaith.myshoppegram.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The shop's link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The shop's currency, e.g. `MYR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Total amount charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Number>,
    /// Shipping price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Number>,
    /// Name of the chosen shipping rate, e.g. `FREE SHIPPING COD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    /// When the customer paid (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// When the customer started paying (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Items (variants) in the checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Item>>,
    /// The customer who checked out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// Where the order ships to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Fields not listed above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One item (variant) of a checkout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Product>,
    /// Variant name, e.g. `2 Unit/ Hitam`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Currency of the prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Variant price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Number>,
    /// Quantity checked out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Number>,
    /// Line total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Number>,
    /// Fields not listed above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The product of an item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// SKU of the variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Id>,
    /// Fields not listed above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The customer who checked out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone, digits with the country code (`60…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Fields not listed above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The shipping address entered at checkout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Address line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Address line 2, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// Postcode, as the platform sent it (number or string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<Id>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Fields not listed above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
