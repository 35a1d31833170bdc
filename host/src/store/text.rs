//! Enums the store keeps as text (plans, webhook and delivery statuses): one
//! spelling per variant, used for the column, for reading it back, and by the API.

/// Gives an enum `as_str`, `parse` (a stored name it does not know is
/// [`StoreError::Corrupt`](super::StoreError::Corrupt)) and the rusqlite
/// conversions, from one list of `Variant => "name"`.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The name as stored, and as the API spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value a stored name stands for.
            pub(crate) fn parse(text: &str) -> Result<Self, $crate::store::StoreError> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    other => Err($crate::store::StoreError::Corrupt(format!(
                        "{} {other:?}",
                        stringify!($ty)
                    ))),
                }
            }
        }

        impl rusqlite::types::FromSql for $ty {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                Self::parse(value.as_str()?)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }

        impl rusqlite::types::ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }
    };
}

pub(super) use text_enum;

#[cfg(test)]
mod tests {
    use crate::store::{DeliveryStatus, Plan, WebhookStatus};

    /// The stored names are the API's (serde) names, and read back as themselves.
    #[test]
    fn stored_names_are_the_api_names() {
        fn check<T>(values: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
        where
            T: Copy + PartialEq + std::fmt::Debug + serde::Serialize,
        {
            for &value in values {
                let name = as_str(value);
                assert_eq!(serde_json::to_value(value).unwrap(), name);
                assert_eq!(parse(name), Some(value));
            }
            assert_eq!(parse("nonsense"), None);
        }
        use DeliveryStatus as D;
        check(
            &[D::Pending, D::Held, D::Succeeded, D::Skipped, D::Dead],
            D::as_str,
            |t| D::parse(t).ok(),
        );
        check(
            &[
                Plan::Free,
                Plan::Basic,
                Plan::Standard,
                Plan::Premium,
                Plan::Ultimate,
            ],
            Plan::as_str,
            |t| Plan::parse(t).ok(),
        );
        use WebhookStatus as W;
        check(&[W::Active, W::Paused, W::Disabled], W::as_str, |t| {
            W::parse(t).ok()
        });
    }
}
