//! Everything a merchant reads, in Malay and English, from one file (the
//! repository's `catalogue.toml`, which the plugins read too), and how the page's
//! language is chosen: a `lang` the merchant picked (kept in a
//! cookie), else Malay when the browser asks for it, else English.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Melayu.
    Ms,
    /// English.
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

    /// The language a code names.
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "ms" => Some(Lang::Ms),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other one (the switch on every page).
    pub fn other(self) -> Self {
        match self {
            Lang::Ms => Lang::En,
            Lang::En => Lang::Ms,
        }
    }

    /// Malay if the browser's `Accept-Language` names it (`ms`, `ms-MY`), else English.
    pub fn from_accept(accept: &str) -> Self {
        let asks_malay = accept.split(',').any(|part| {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            tag == "ms" || tag.starts_with("ms-")
        });
        if asks_malay { Lang::Ms } else { Lang::En }
    }
}

#[derive(Deserialize)]
struct Both<T> {
    en: T,
    ms: T,
}

impl<T> Both<T> {
    fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Ms => &self.ms,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize)]
struct Catalogue {
    strings: BTreeMap<String, Both<String>>,
    events: BTreeMap<String, Both<(String, String)>>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    toml::from_str(include_str!("../../catalogue.toml")).expect("catalogue.toml is valid")
});

/// Every string of the page in `lang`, by key.
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    CATALOGUE
        .strings
        .iter()
        .map(|(key, both)| (key.as_str(), both.get(lang).as_str()))
        .collect()
}

/// An event type's title and when it fires, in `lang`, as the seed says.
pub fn event(kind: &str, lang: Lang) -> Option<(&'static str, &'static str)> {
    let (title, when) = CATALOGUE.events.get(kind)?.get(lang);
    Some((title.as_str(), when.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_has_its_seed_title_in_both_languages() {
        for kind in crate::events::TYPES {
            for lang in [Lang::Ms, Lang::En] {
                let (title, when) = event(kind, lang).unwrap_or_else(|| panic!("{kind}"));
                assert!(!title.is_empty() && !when.is_empty(), "{kind}");
            }
        }
        assert_eq!(
            event("order.processing", Lang::En).unwrap().0,
            "Order Status Processing"
        );
    }

    #[test]
    fn malay_when_the_browser_asks_for_it() {
        assert_eq!(Lang::from_accept("ms-MY,ms;q=0.9,en;q=0.8"), Lang::Ms);
        assert_eq!(Lang::from_accept("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept(""), Lang::En);
    }
}
