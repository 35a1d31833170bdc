//! The domain's text enums as PostgreSQL values: stored by their one spelling,
//! and a spelling the domain does not know reads back as an error.

use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::domain::{DeliveryStatus, ErrorKind, Outcome, Plan, WebhookStatus};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

macro_rules! pg_text {
    ($($ty:ty),+) => {$(
        impl<'a> FromSql<'a> for $ty {
            fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                let text = <&str as FromSql>::from_sql(ty, raw)?;
                <$ty>::parse(text)
                    .ok_or_else(|| format!("{} {text:?}", stringify!($ty)).into())
            }

            fn accepts(ty: &Type) -> bool {
                <&str as FromSql>::accepts(ty)
            }
        }

        impl ToSql for $ty {
            fn to_sql(
                &self,
                ty: &Type,
                out: &mut bytes::BytesMut,
            ) -> Result<IsNull, BoxError> {
                self.as_str().to_sql(ty, out)
            }

            fn accepts(ty: &Type) -> bool {
                <&str as ToSql>::accepts(ty)
            }

            to_sql_checked!();
        }
    )+};
}

pg_text!(Plan, WebhookStatus, DeliveryStatus, Outcome, ErrorKind);
