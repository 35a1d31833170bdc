//! What a merchant reads, in Malay and English, from the repository's one
//! catalogue (`catalogue.toml`, which the host reads too): the seed's event titles
//! and the built-in plugins' texts, such as Telegram's default message.
//!
//! The catalogue is read when the kit is built (`build.rs`), so a component holds
//! only these strings, not the file or a parser.
//!
//! ```
//! use kait_pdk::catalogue::{self, Lang};
//!
//! assert_eq!(catalogue::event_title("order.processing", Lang::En), Some("Order Status Processing"));
//! assert!(catalogue::text("telegram.default_message", Lang::Ms).unwrap().contains("Jumlah"));
//! ```

use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// A language the catalogue is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Melayu (`ms`), the seed's merchants' language.
    Ms,
    /// English (`en`), the default of templates that do not choose.
    #[default]
    En,
}

impl Lang {
    /// `ms` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ms => "ms",
            Lang::En => "en",
        }
    }
}

/// The seed's title of the event type `kind` ("Order Status Processing"), if the
/// catalogue lists the type.
pub fn event_title(kind: &str, lang: Lang) -> Option<&'static str> {
    event(kind, lang).map(|[title, _]| title)
}

/// When the event type `kind` fires, in the seed's words.
pub fn event_when(kind: &str, lang: Lang) -> Option<&'static str> {
    event(kind, lang).map(|[_, when]| when)
}

/// Every event type the catalogue lists, in its order.
pub fn event_types() -> impl Iterator<Item = &'static str> {
    EVENTS.iter().map(|(kind, _, _)| *kind)
}

fn event(kind: &str, lang: Lang) -> Option<[&'static str; 2]> {
    let (_, en, ms) = EVENTS.iter().find(|(k, _, _)| *k == kind)?;
    Some(match lang {
        Lang::En => *en,
        Lang::Ms => *ms,
    })
}

/// The text at `key` (a dotted path such as `telegram.default_message`) in `lang`.
pub fn text(key: &str, lang: Lang) -> Option<&'static str> {
    let at = TEXTS.binary_search_by(|(k, _, _)| (*k).cmp(key)).ok()?;
    let (_, en, ms) = TEXTS[at];
    Some(match lang {
        Lang::En => en,
        Lang::Ms => ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_the_seeds_in_both_languages() {
        assert_eq!(event_types().count(), 10);
        for kind in event_types() {
            for lang in [Lang::Ms, Lang::En] {
                assert!(!event_title(kind, lang).unwrap().is_empty(), "{kind}");
                assert!(!event_when(kind, lang).unwrap().is_empty(), "{kind}");
            }
        }
        assert_eq!(
            event_title("order.completed", Lang::Ms),
            Some("Order Status Completed")
        );
        assert_eq!(event_title("order.unknown", Lang::En), None);
    }

    #[test]
    fn texts_are_found_by_their_path() {
        let ms = text("telegram.default_message", Lang::Ms).unwrap();
        let en = text("telegram.default_message", Lang::En).unwrap();
        assert!(ms.contains("Pelanggan") && en.contains("Customer"));
        assert_eq!(text("telegram", Lang::En), None);
        assert_eq!(
            text("strings.title", Lang::En),
            None,
            "the page's strings stay out"
        );
    }

    #[test]
    fn languages_read_as_their_codes() {
        let lang: Lang = serde_json::from_str("\"ms\"").unwrap();
        assert_eq!((lang, lang.code()), (Lang::Ms, "ms"));
        assert!(serde_json::from_str::<Lang>("\"fr\"").is_err());
    }
}
