//! How a webhook names its plugin: `name`, `name@latest` or `name@<version>`, where
//! a version is the first 12 hex digits of the component's SHA-256; and a shop's
//! uploaded versions as kept.

use std::fmt;

use serde_json::Value;

use super::Refused;
use crate::clock::Millis;

/// Length of a version id in hex digits.
pub const VERSION_LEN: usize = 12;

/// The version id of a component with this SHA-256 (hex).
pub fn version_of(sha256_hex: &str) -> String {
    sha256_hex.chars().take(VERSION_LEN).collect()
}

/// A plugin's name: 1–64 of `a-z`, `0-9`, `-` and `_`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PluginName(String);

impl PluginName {
    /// Checks a name (`invalid_name`).
    pub fn parse(name: &str) -> Result<Self, Refused> {
        let ok = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(Self(name.to_string()))
        } else {
            Err(Refused::invalid(
                "invalid_name",
                format!(
                    "plugin name {name:?} must be 1-64 characters of a-z, 0-9, - and _, starting with a letter"
                ),
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PluginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which version of a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// The bare name: how built-ins are named (they follow Kait's own version).
    /// Resolves like [`Pin::Latest`].
    Bare,
    /// Whatever was uploaded last, resolved at each delivery.
    Latest,
    /// Exactly this version.
    Exact(String),
}

impl Pin {
    /// A version segment: `latest`, or a 12-digit version id (lowercase hex).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "latest" {
            return Ok(Pin::Latest);
        }
        if text.len() == VERSION_LEN && text.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Ok(Pin::Exact(text.to_string()));
        }
        Err(format!(
            "version {text:?} must be \"latest\" or a {VERSION_LEN}-digit version id (lowercase hex)"
        ))
    }

    /// The exact version, if one is pinned.
    pub fn exact(&self) -> Option<&str> {
        match self {
            Pin::Exact(version) => Some(version),
            Pin::Bare | Pin::Latest => None,
        }
    }
}

/// A plugin reference: a name and a pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRef {
    /// The plugin's name.
    pub name: PluginName,
    /// Which version.
    pub pin: Pin,
}

impl PluginRef {
    /// Parses `name`, `name@latest` or `name@<version>` (`unknown_plugin`).
    pub fn parse(text: &str) -> Result<Self, Refused> {
        let refused = |message: String| Refused::invalid("unknown_plugin", message);
        let (name, pin) = match text.split_once('@') {
            Some((name, version)) => (name, Pin::parse(version).map_err(refused)?),
            None => (text, Pin::Bare),
        };
        let name = PluginName::parse(name).map_err(|e| refused(e.message))?;
        Ok(Self { name, pin })
    }

    /// Exactly version `version` of `name`.
    pub fn exact(name: PluginName, version: &str) -> Self {
        Self {
            name,
            pin: Pin::Exact(version.to_string()),
        }
    }

    /// The reference as a webhook keeps it: a built-in by its bare name (a pin
    /// would break at Kait's next upgrade), a shop's plugin as `name@latest` or
    /// `name@<version>`.
    pub fn for_webhook(self, builtin: bool) -> Result<Self, Refused> {
        let pin = match (self.pin, builtin) {
            (Pin::Exact(_), true) => {
                return Err(Refused::invalid(
                    "unknown_plugin",
                    format!(
                        "{} is built in and follows Kait's own version; name it without @version",
                        self.name
                    ),
                ));
            }
            (_, true) => Pin::Bare,
            (Pin::Bare, false) => Pin::Latest,
            (pin, false) => pin,
        };
        Ok(Self {
            name: self.name,
            pin,
        })
    }

    /// The references a webhook may keep that mean version `version` of `name`:
    /// by id, and `@latest` (or the bare name) when it is the latest.
    pub fn spellings(name: &PluginName, version: &str, is_latest: bool) -> Vec<String> {
        let mut spellings = vec![format!("{name}@{version}")];
        if is_latest {
            spellings.push(format!("{name}@latest"));
            spellings.push(name.to_string());
        }
        spellings
    }
}

impl fmt::Display for PluginRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pin {
            Pin::Bare => write!(f, "{}", self.name),
            Pin::Latest => write!(f, "{}@latest", self.name),
            Pin::Exact(version) => write!(f, "{}@{version}", self.name),
        }
    }
}

/// One uploaded version of a shop's plugin, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginVersion {
    /// The owning shop.
    pub shop_id: String,
    /// The plugin's name within the shop.
    pub name: PluginName,
    /// The version id: the first 12 hex digits of the component's SHA-256.
    pub version: String,
    /// The component's SHA-256 (hex).
    pub sha256: String,
    /// The component's size in bytes.
    pub size: u64,
    /// The plugin's `info()`: name, version, description, config_schema.
    pub info: Value,
    /// Everything the component imports.
    pub imports: Vec<String>,
    /// Upload order within the store.
    pub seq: i64,
    /// Standing among the plugin's versions: the highest not withdrawn is its
    /// latest. An upload or a promotion gives the next one.
    pub rank: i64,
    /// Uploaded at.
    pub created_at: Millis,
    /// When it was taken out of `@latest` (`None`: it was not, or promoted back).
    pub withdrawn_at: Option<Millis>,
    /// When it was last made the latest by hand (`None`: never).
    pub promoted_at: Option<Millis>,
}

impl PluginVersion {
    /// The version `name@latest` resolves to among one plugin's `versions`: the
    /// highest-ranked not withdrawn (`None` if every one is withdrawn).
    pub fn latest_of(versions: &[PluginVersion]) -> Option<&PluginVersion> {
        versions
            .iter()
            .filter(|v| v.withdrawn_at.is_none())
            .max_by_key(|v| v.rank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(version: &str, rank: i64, withdrawn_at: Option<Millis>) -> PluginVersion {
        PluginVersion {
            shop_id: "s".into(),
            name: PluginName::parse("d").unwrap(),
            version: version.into(),
            sha256: String::new(),
            size: 0,
            info: Value::Null,
            imports: Vec::new(),
            seq: 0,
            rank,
            created_at: 0,
            withdrawn_at,
            promoted_at: None,
        }
    }

    #[test]
    fn latest_is_the_highest_ranked_not_withdrawn() {
        let versions = [
            stored("a", 3, None),
            stored("b", 5, Some(1)),
            stored("c", 4, None),
        ];
        let latest = PluginVersion::latest_of(&versions).unwrap();
        assert_eq!(latest.version, "c");
        assert!(PluginVersion::latest_of(&versions[1..2]).is_none());
    }

    #[test]
    fn parses_the_three_forms() {
        let bare = PluginRef::parse("discord").unwrap();
        assert_eq!(bare.pin, Pin::Bare);
        assert_eq!(bare.to_string(), "discord");
        let latest = PluginRef::parse("discord@latest").unwrap();
        assert_eq!(latest.to_string(), "discord@latest");
        let exact = PluginRef::parse("discord@0123456789ab").unwrap();
        assert_eq!(exact.pin, Pin::Exact("0123456789ab".into()));
        assert_eq!(exact.to_string(), "discord@0123456789ab");
    }

    #[test]
    fn refuses_bad_names_and_versions() {
        for bad in [
            "",
            "Discord",
            "1abc",
            "dis cord",
            "discord@",
            "discord@v1",
            "discord@0123456789AB",
            "discord@0123456789abc",
            "@latest",
        ] {
            assert!(PluginRef::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(PluginName::parse(&"a".repeat(65)).is_err());
        assert!(PluginName::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn webhooks_keep_builtins_bare_and_shop_plugins_explicit() {
        let keep = |text: &str, builtin| {
            PluginRef::parse(text)
                .unwrap()
                .for_webhook(builtin)
                .map(|r| r.to_string())
        };
        assert_eq!(keep("http", true).unwrap(), "http");
        assert_eq!(keep("http@latest", true).unwrap(), "http");
        assert!(keep("http@0123456789ab", true).is_err());
        assert_eq!(keep("discord", false).unwrap(), "discord@latest");
        assert_eq!(
            keep("discord@0123456789ab", false).unwrap(),
            "discord@0123456789ab"
        );
    }

    #[test]
    fn latest_is_used_by_name_and_by_latest() {
        let d = PluginName::parse("d").unwrap();
        assert_eq!(
            PluginRef::spellings(&d, "0123456789ab", true),
            ["d@0123456789ab", "d@latest", "d"]
        );
        assert_eq!(
            PluginRef::spellings(&d, "0123456789ab", false),
            ["d@0123456789ab"]
        );
    }
}
