//! The domain's text enums in the OpenAPI document: each a string with its
//! values listed, spelled as the domain spells them; and the patterns that say
//! in the document what the domain checks, so a client generator (or a fuzzer)
//! reads the same rules the server applies.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::{DeliveryStatus, ErrorKind, Outcome, Plan, WebhookStatus};

macro_rules! text_schema {
    ($($ty:ty),+) => {$(
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(<$ty>::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl ToSchema for $ty {}
    )+};
}

text_schema!(Plan, WebhookStatus, DeliveryStatus, Outcome, ErrorKind);

/// A webhook status a merchant may set: `active` or `paused` (`disabled` is
/// Kait's alone, and only read).
pub struct ChosenStatus;

impl PartialSchema for ChosenStatus {
    fn schema() -> RefOr<Schema> {
        let chosen = WebhookStatus::ALL.iter().filter(|s| s.chosen().is_ok());
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(chosen.map(|s| s.as_str())))
            .into()
    }
}

impl ToSchema for ChosenStatus {}

/// One of the ten event types a webhook can receive.
pub struct EventType;

impl PartialSchema for EventType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(crate::events::TYPES))
            .into()
    }
}

impl ToSchema for EventType {}

/// Unicode's control characters (Rust's `char::is_control`).
macro_rules! controls {
    () => {
        r"\x00-\x1f\x7f-\x9f"
    };
}

/// What `str::trim` removes (Unicode White_Space), spelled out because `\s`
/// differs between regex dialects. Six of them are controls too.
macro_rules! spaces {
    () => {
        r"\t\n\x0b\x0c\r\x85 \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}

/// A name as the domain takes it: trimmed, at least one character left and no
/// control character among them.
pub const NAME_PATTERN: &str = concat!(
    "^[",
    spaces!(),
    "]*[^",
    controls!(),
    spaces!(),
    "](?:[^",
    controls!(),
    "]*[^",
    controls!(),
    spaces!(),
    "])?[",
    spaces!(),
    "]*$"
);

/// A shop's id: 1–64 of a-z, 0-9, `-` and `_` (the domain's `ShopId`).
pub const SHOP_ID_PATTERN: &str = "^[a-z0-9_-]{1,64}$";

/// A plugin as a webhook names it: `name`, `name@latest` or `name@<version>`,
/// the name 1–64 of a-z, 0-9, `-` and `_` starting with a letter.
pub const PLUGIN_PATTERN: &str = "^[a-z][a-z0-9_-]{0,63}(@(latest|[0-9a-f]{12}))?$";

/// A plugin's name (in a path).
pub const PLUGIN_NAME_PATTERN: &str = "^[a-z][a-z0-9_-]{0,63}$";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PluginRef, ShopId, WebhookName};

    fn matches(pattern: &str, text: &str) -> bool {
        let schema = serde_json::json!({"type": "string", "pattern": pattern});
        jsonschema::validator_for(&schema)
            .expect("the pattern compiles")
            .is_valid(&serde_json::json!(text))
    }

    /// The patterns agree with the domain's own checks, on the edges.
    #[test]
    fn patterns_say_what_the_domain_checks() {
        for name in [
            "Orders",
            " Orders ",
            "Pesanan 🛒",
            "a",
            "x\u{a0}y",
            "\u{3000}",
            " ",
            "",
            "tab\there",
            "bell\u{7}",
            "c1\u{85}",
            "\u{2003}\u{2003}",
            "ok\u{feff}",
            "\tx\n",
            "\u{85}",
            "a\u{85}b",
            "\u{1c}x",
        ] {
            assert_eq!(
                matches(NAME_PATTERN, name),
                WebhookName::parse(name).is_ok(),
                "{name:?}"
            );
        }
        for id in [
            "mirfaith",
            "a",
            "a-b_c9",
            "",
            "A",
            "a b",
            &"x".repeat(64),
            &"x".repeat(65),
        ] {
            assert_eq!(
                matches(SHOP_ID_PATTERN, id),
                ShopId::parse(id).is_ok(),
                "{id:?}"
            );
        }
        for plugin in [
            "http",
            "mine@latest",
            "mine@0123456789ab",
            "mine@0123456789AB",
            "9lives",
            "x@",
            "mine@latest@latest",
            &"p".repeat(64),
            &"p".repeat(65),
        ] {
            assert_eq!(
                matches(PLUGIN_PATTERN, plugin),
                PluginRef::parse(plugin).is_ok(),
                "{plugin:?}"
            );
        }
    }
}
