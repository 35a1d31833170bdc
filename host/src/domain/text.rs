//! Enums kept as text (plans, webhook and delivery statuses, outcomes, error
//! kinds): one spelling per variant, used by the store, the API and the logs.

/// Gives an enum `ALL`, `as_str` and `parse`, from one list of `Variant => "name"`.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$(Self::$variant),+];

            /// The name, as stored and as the API spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value a name stands for.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown {} {text:?}; expected one of: {}",
                        stringify!($ty),
                        names.join(", ")
                    ))
                })
            }
        }
    };
}

pub(super) use text_enum;

#[cfg(test)]
mod tests {
    use crate::domain::{DeliveryStatus, ErrorKind, Outcome, Plan, WebhookStatus};

    fn round_trips<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
    {
        for &value in all {
            let name = as_str(value);
            assert_eq!(serde_json::to_value(value).unwrap(), name);
            assert_eq!(parse(name), Some(value));
            assert_eq!(serde_json::from_value::<T>(name.into()).unwrap(), value);
        }
        assert_eq!(parse("nonsense"), None);
        assert!(serde_json::from_value::<T>("nonsense".into()).is_err());
    }

    /// Every spelling reads back as itself, in serde and in `parse`.
    #[test]
    fn names_round_trip() {
        round_trips(
            DeliveryStatus::ALL,
            DeliveryStatus::as_str,
            DeliveryStatus::parse,
        );
        round_trips(Plan::ALL, Plan::as_str, Plan::parse);
        round_trips(
            WebhookStatus::ALL,
            WebhookStatus::as_str,
            WebhookStatus::parse,
        );
        round_trips(Outcome::ALL, Outcome::as_str, Outcome::parse);
        round_trips(ErrorKind::ALL, ErrorKind::as_str, ErrorKind::parse);
        assert_eq!(Plan::ALL.len(), 5);
        assert_eq!(DeliveryStatus::ALL.len(), 5);
    }
}
