//! The profile: where the server is and the admin key, written by `kait serve`
//! when it makes the admin key (its first start), so later `kait` commands need
//! no `--url` or `--key`. TOML, mode 0600, at `$KAIT_PROFILE`, else
//! `$XDG_CONFIG_HOME/kait/profile.toml`, else `~/.config/kait/profile.toml`.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// A server and the key to call it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The server's address, e.g. `http://127.0.0.1:8460`.
    pub url: String,
    /// The key (the admin key when `kait serve` wrote it).
    pub key: String,
}

/// What [`Profile::write`] did.
pub struct Written {
    /// Where the profile is.
    pub path: PathBuf,
    /// The url of the profile it replaced, when there was one for another server.
    pub replaced: Option<String>,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "profile (url and key, read by kait commands): {}",
            self.path.display()
        )?;
        if let Some(url) = &self.replaced {
            write!(f, " (replaced the one for {url})")?;
        }
        Ok(())
    }
}

impl Profile {
    /// Where the profile is kept.
    pub fn path() -> Result<PathBuf> {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(path) = set("KAIT_PROFILE") {
            return Ok(PathBuf::from(path));
        }
        let config = match (set("XDG_CONFIG_HOME"), set("HOME")) {
            (Some(dir), _) => PathBuf::from(dir),
            (None, Some(home)) => PathBuf::from(home).join(".config"),
            (None, None) => bail!("no place for the profile: set KAIT_PROFILE or HOME"),
        };
        Ok(config.join("kait").join("profile.toml"))
    }

    /// The profile, or `None` when there is none.
    pub fn read() -> Result<Option<Profile>> {
        let path = Self::path()?;
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let profile = toml::from_str(&text)
            .with_context(|| format!("the profile {} is not valid", path.display()))?;
        Ok(Some(profile))
    }

    /// Writes the profile (mode 0600, its folder made if need be), replacing any
    /// there: the key it held for the same server is dead once a new one is made,
    /// and one for another server is named in [`Written::replaced`].
    pub fn write(&self) -> Result<Written> {
        let path = Self::path()?;
        let replaced = Self::read()
            .ok()
            .flatten()
            .filter(|old| old.url != self.url)
            .map(|old| old.url);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot make {}", dir.display()))?;
        }
        let text = format!(
            "# Written by kait serve: the server and its admin key. Keep it private.\n{}",
            toml::to_string(self)?
        );
        // A fresh file beside it, renamed over it: never a half-written profile.
        let fresh = path.with_extension("toml.new");
        let _ = std::fs::remove_file(&fresh);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&fresh)
            .with_context(|| format!("cannot write {}", fresh.display()))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&fresh, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Written { path, replaced })
    }
}
