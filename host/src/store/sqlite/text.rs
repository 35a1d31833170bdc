//! The domain's text enums as SQLite values: stored by their one spelling, and a
//! spelling the domain does not know reads back as corrupt.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::{DeliveryStatus, ErrorKind, Outcome, Plan, WebhookStatus};

macro_rules! sql_text {
    ($($ty:ty),+) => {$(
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                <$ty>::parse(text).ok_or_else(|| {
                    FromSqlError::Other(format!("{} {text:?}", stringify!($ty)).into())
                })
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }
    )+};
}

sql_text!(Plan, WebhookStatus, DeliveryStatus, Outcome, ErrorKind);
