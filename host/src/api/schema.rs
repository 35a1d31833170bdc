//! The domain's text enums in the OpenAPI document: each a string with its
//! values listed, spelled as the domain spells them.

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
