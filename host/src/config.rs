//! `kait serve` settings: a typed struct read from an optional TOML file, then
//! overridden by `KAIT_<FIELD>` environment variables, then checked. Every field and
//! its default is documented in `kait.example.toml` at the repository root.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything `kait serve` can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address the API listens on. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where all of Kait's data is kept: a SQLite database file (the default), or
    /// a `postgres://` URL for several hosts on one PostgreSQL database.
    pub data: String,
    /// The admin key. Unset: one is generated on first start, printed once, and kept.
    pub admin_key: Option<String>,
    /// The key that seals stored secrets (32 bytes, base64). Unset: kept in a key
    /// file beside the database (`kait.key` for `kait.db`), made on first start.
    /// Required with PostgreSQL: every host needs the same one.
    pub secret_key: Option<String>,
    /// Deliveries in flight at once.
    pub workers: usize,
    /// How long a claimed delivery stays claimed; a worker that dies releases its
    /// deliveries when this runs out.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// Waits before each retry after a failed attempt; after the last, the delivery is dead.
    #[serde(with = "durations")]
    pub retry_schedule: Vec<Duration>,
    /// Random spread applied to each wait, as a fraction (0.2 = ±20%).
    pub retry_jitter: f64,
    /// A webhook whose every attempt has failed for this long is disabled.
    #[serde(with = "humantime_serde")]
    pub disable_after: Duration,
    /// After a signing-secret rotation, requests carry the old secret's signature
    /// beside the new one's for this long, so receivers can switch without
    /// dropping deliveries.
    #[serde(with = "humantime_serde")]
    pub rotation_overlap: Duration,
    /// Connect timeout of each outgoing request.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Total timeout of each outgoing request, body included.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Most response body bytes read; the rest is discarded.
    pub max_response_bytes: usize,
    /// Most requests a plugin may ask for per event.
    pub max_requests_per_event: usize,
    /// Largest request body a plugin may ask to send.
    pub max_request_body_bytes: usize,
    /// Largest accepted event body.
    pub max_event_bytes: usize,
    /// Allow destinations on private, loopback and link-local addresses (local
    /// development and tests only).
    pub allow_private_destinations: bool,
    /// Ranges destinations may use although the block-list refuses them, e.g.
    /// `["10.20.0.0/16"]` for a receiver on the local network.
    pub allow_destinations: Vec<ipnet::IpNet>,
    /// Refuse plain `http://` destinations.
    pub https_only: bool,
    /// Sends requests for one origin to another, e.g. `"https://api.telegram.org" =
    /// "http://127.0.0.1:9000"` (local fakes of Telegram and Google in tests).
    pub upstreams: BTreeMap<String, String>,
    /// Where Google service-account tokens are minted; unset: the key's own `token_uri`.
    pub google_token_url: Option<String>,
    /// How long in-flight deliveries may take to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Longest a plugin call may run before it is stopped.
    #[serde(with = "humantime_serde")]
    pub plugin_deadline: Duration,
    /// Instruction budget (wasmtime fuel) of one plugin call; unlike the deadline
    /// it does not depend on the machine's load. 0 turns fuel metering off.
    pub plugin_fuel: u64,
    /// Largest plugin component a shop may upload.
    pub max_plugin_bytes: usize,
    /// Longest the compile of an uploaded component may take.
    #[serde(with = "humantime_serde")]
    pub plugin_compile_timeout: Duration,
    /// More plugins webhooks can name, loaded from component files at start:
    /// `{ "name" = "path/to/plugin.wasm" }`.
    pub plugins: BTreeMap<String, PathBuf>,
    /// Where compiled plugins are cached; unset: `KAIT_CACHE_DIR` or the user's cache.
    pub cache_dir: Option<PathBuf>,
    /// Log filter, in `tracing_subscriber::EnvFilter` syntax.
    pub log: String,
    /// How long a portal link stays usable if unused.
    #[serde(with = "humantime_serde")]
    pub portal_link_ttl: Duration,
    /// How long a merchant's session on the page lasts at most.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// The address merchants reach Kait at (e.g. `https://hooks.example.com`),
    /// used in portal links; `https` makes the session cookie `Secure`. Unset:
    /// the address the request came to.
    pub public_url: Option<String>,
    /// Origins allowed to embed the page in a frame (e.g. the platform's own
    /// `https://shop.example.com`); empty: none may.
    pub frame_ancestors: Vec<String>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8460)),
            data: "kait.db".to_string(),
            admin_key: None,
            secret_key: None,
            workers: 64,
            lease: minutes(5),
            retry_schedule: vec![
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600),
            ],
            retry_jitter: 0.2,
            disable_after: minutes(5 * 24 * 60),
            rotation_overlap: minutes(24 * 60),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_response_bytes: 64 * 1024,
            max_requests_per_event: 10,
            max_request_body_bytes: 5 * 1024 * 1024,
            max_event_bytes: 256 * 1024,
            allow_private_destinations: false,
            allow_destinations: Vec::new(),
            https_only: false,
            upstreams: BTreeMap::new(),
            google_token_url: None,
            shutdown_grace: Duration::from_secs(30),
            plugin_deadline: Duration::from_millis(100),
            plugin_fuel: crate::runtime::DEFAULT_FUEL,
            max_plugin_bytes: 32 * 1024 * 1024,
            plugin_compile_timeout: Duration::from_secs(120),
            plugins: BTreeMap::new(),
            cache_dir: None,
            log: "info".to_string(),
            portal_link_ttl: minutes(10),
            session_ttl: minutes(12 * 60),
            public_url: None,
            frame_ancestors: Vec::new(),
        }
    }
}

/// Why the settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file or an environment variable does not fit the settings.
    #[error("invalid settings: {0}")]
    Invalid(String),
}

impl ServeConfig {
    /// Reads `file` (if any), applies `KAIT_<FIELD>` variables from `env`, and checks
    /// the result. A variable's value is read as a TOML value when it is one
    /// (`true`, `32`, `["1s", "2s"]`, `{ "a" = "b" }`) and as a string otherwise.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str::<toml::Table>(&text)
                    .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?
            }
            None => toml::Table::new(),
        };
        let fields = toml::Table::try_from(Self::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        for (name, raw) in env {
            let Some(field) = name.strip_prefix("KAIT_").map(str::to_ascii_lowercase) else {
                continue;
            };
            if fields.contains_key(&field)
                || matches!(
                    field.as_str(),
                    "admin_key" | "secret_key" | "google_token_url"
                )
            {
                table.insert(field, env_value(&raw));
            }
        }
        let config: Self = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_string()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.workers == 0 {
            return invalid("workers must be at least 1");
        }
        if !(0.0..1.0).contains(&self.retry_jitter) {
            return invalid("retry_jitter must be at least 0 and below 1");
        }
        if self.lease < Duration::from_secs(1) {
            return invalid("lease must be at least 1s");
        }
        if let Some(key) = &self.admin_key
            && key.len() < 16
        {
            return invalid("admin_key must be at least 16 characters");
        }
        if let Some(public) = &self.public_url
            && !url::Url::parse(public)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            return invalid(
                "public_url must be an http(s) address, e.g. https://hooks.example.com",
            );
        }
        if let Some(origin) = self
            .frame_ancestors
            .iter()
            .find(|o| !o.starts_with("https://") && !o.starts_with("http://"))
        {
            return Err(ConfigError::Invalid(format!(
                "frame_ancestors holds origins like https://shop.example.com, not {origin:?}"
            )));
        }
        Ok(())
    }
}

/// A list of durations as humantime strings (`["5s", "5m"]`).
mod durations {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(list: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            list.iter()
                .map(|d| humantime::format_duration(*d).to_string()),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|text| humantime::parse_duration(text).map_err(serde::de::Error::custom))
            .collect()
    }
}

fn env_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_example_file_holds_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kait.example.toml");
        let config = ServeConfig::load(Some(&example), []).unwrap();
        let defaults = ServeConfig::default();
        assert_eq!(
            toml::to_string(&config).unwrap(),
            toml::to_string(&defaults).unwrap()
        );
    }

    #[test]
    fn environment_overrides_fields() {
        let config = ServeConfig::load(
            None,
            env(&[
                ("KAIT_WORKERS", "3"),
                ("KAIT_LISTEN", "127.0.0.1:0"),
                ("KAIT_RETRY_SCHEDULE", r#"["10ms", "1s"]"#),
                ("KAIT_ADMIN_KEY", "0123456789abcdef0123"),
                (
                    "KAIT_UPSTREAMS",
                    r#"{ "https://api.telegram.org" = "http://127.0.0.1:9" }"#,
                ),
                ("KAIT_PLUGIN_DEADLINE", "2s"),
                ("KAIT_PLUGIN_FUEL", "5000000"),
                ("KAIT_ROTATION_OVERLAP", "1h"),
                ("KAIT_CACHE_DIR_UNRELATED", "x"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(config.workers, 3);
        assert_eq!(config.plugin_deadline, Duration::from_secs(2));
        assert_eq!(config.plugin_fuel, 5_000_000);
        assert_eq!(config.rotation_overlap, Duration::from_secs(3600));
        assert_eq!(config.listen.port(), 0);
        assert_eq!(
            config.retry_schedule,
            [Duration::from_millis(10), Duration::from_secs(1)]
        );
        assert_eq!(config.admin_key.as_deref(), Some("0123456789abcdef0123"));
        assert_eq!(
            config.upstreams["https://api.telegram.org"],
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn bad_settings_are_refused_with_a_reason() {
        let error = ServeConfig::load(None, env(&[("KAIT_WORKERS", "0")])).unwrap_err();
        assert!(error.to_string().contains("workers"), "{error}");
        let error = ServeConfig::load(None, env(&[("KAIT_LEASE", "soon")])).unwrap_err();
        assert!(error.to_string().contains("invalid settings"), "{error}");
    }
}
