//! How a webhook names its plugin: `name`, `name@latest` or `name@<version>`, where
//! a version is the first 12 hex digits of the component's SHA-256.

use std::fmt;

/// Which version of a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// Whatever was uploaded last, resolved at each delivery.
    Latest,
    /// Exactly this version.
    Exact(String),
}

/// A parsed plugin reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The plugin's name.
    pub name: String,
    /// Which version.
    pub pin: Pin,
}

/// Length of a version id in hex digits.
pub const VERSION_LEN: usize = 12;

/// The version id of a component with this SHA-256 (hex).
pub fn version_of(sha256_hex: &str) -> String {
    sha256_hex.chars().take(VERSION_LEN).collect()
}

/// Checks a plugin name: 1–64 of `a-z`, `0-9`, `-` and `_`, starting with a letter.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "plugin name {name:?} must be 1-64 characters of a-z, 0-9, - and _, starting with a letter"
        ))
    }
}

/// Checks a version id: `latest`, or 12 lowercase hex digits.
pub fn parse_pin(text: &str) -> Result<Pin, String> {
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

impl Reference {
    /// Parses `name`, `name@latest` or `name@<version>`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, pin) = match text.split_once('@') {
            Some((name, version)) => (name, parse_pin(version)?),
            None => (text, Pin::Latest),
        };
        check_name(name)?;
        Ok(Self {
            name: name.to_string(),
            pin,
        })
    }

    /// The references a webhook may have stored that mean this version: by id, and
    /// `@latest` (or the bare name) when it is the latest.
    pub fn spellings(name: &str, version: &str, is_latest: bool) -> Vec<String> {
        let mut spellings = vec![format!("{name}@{version}")];
        if is_latest {
            spellings.push(format!("{name}@latest"));
            spellings.push(name.to_string());
        }
        spellings
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pin {
            Pin::Latest => write!(f, "{}@latest", self.name),
            Pin::Exact(version) => write!(f, "{}@{version}", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let latest = Reference::parse("discord").unwrap();
        assert_eq!(latest.pin, Pin::Latest);
        assert_eq!(Reference::parse("discord@latest").unwrap(), latest);
        let exact = Reference::parse("discord@0123456789ab").unwrap();
        assert_eq!(exact.pin, Pin::Exact("0123456789ab".into()));
        assert_eq!(exact.to_string(), "discord@0123456789ab");
        assert_eq!(latest.to_string(), "discord@latest");
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
            assert!(Reference::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(check_name(&"a".repeat(65)).is_err());
        assert!(check_name(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn latest_is_used_by_name_and_by_latest() {
        assert_eq!(
            Reference::spellings("d", "0123456789ab", true),
            ["d@0123456789ab", "d@latest", "d"]
        );
        assert_eq!(
            Reference::spellings("d", "0123456789ab", false),
            ["d@0123456789ab"]
        );
    }
}
