//! The plugins a webhook can name, loaded once: the built-ins (`telegram`, `sheets`,
//! `http`) and any component files the settings name, each with its `info()` and
//! the secret fields its schema marks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::builtin;
use crate::redact::SecretFields;
use crate::runtime::{CallError, LoadError, Plugin, PluginInfo, Runtime};

/// A plugin ready to run.
pub struct Entry {
    /// The name webhooks use.
    pub name: String,
    /// The compiled component.
    pub plugin: Plugin,
    /// What it says about itself.
    pub info: PluginInfo,
    /// The configuration properties it marks as secrets.
    pub secrets: SecretFields,
}

impl Entry {
    /// `name@sha256:…`, recorded with each attempt.
    pub fn version(&self) -> String {
        format!("{}@{}", self.name, self.plugin.id())
    }
}

/// Why a plugin could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// It did not load.
    #[error("plugin {name} does not load: {source}")]
    Load {
        /// Which.
        name: String,
        /// Why.
        source: LoadError,
    },
    /// Its file could not be read, or its name is taken.
    #[error("plugin {name}: {message}")]
    File {
        /// Which.
        name: String,
        /// Why.
        message: String,
    },
    /// Its `info()` failed.
    #[error("plugin {name} has no info: {source}")]
    Info {
        /// Which.
        name: String,
        /// Why.
        source: CallError,
    },
}

/// The plugins by name.
#[derive(Clone)]
pub struct Registry {
    plugins: Arc<BTreeMap<String, Arc<Entry>>>,
}

impl Registry {
    /// Loads the built-ins and the component files in `extra` (name → path), from
    /// the disk cache when it has them.
    pub fn load(
        runtime: &Runtime,
        extra: &BTreeMap<String, PathBuf>,
    ) -> Result<Self, RegistryError> {
        let mut plugins = BTreeMap::new();
        for name in builtin::NAMES {
            let entry = Self::entry(runtime, name, builtin::get(name).unwrap_or_default())?;
            plugins.insert(name.to_string(), Arc::new(entry));
        }
        for (name, path) in extra {
            let file = |message: String| RegistryError::File {
                name: name.clone(),
                message,
            };
            if plugins.contains_key(name) {
                return Err(file("the name is a built-in plugin's".into()));
            }
            let bytes = std::fs::read(path)
                .map_err(|e| file(format!("cannot read {}: {e}", path.display())))?;
            plugins.insert(name.clone(), Arc::new(Self::entry(runtime, name, &bytes)?));
        }
        Ok(Self {
            plugins: Arc::new(plugins),
        })
    }

    fn entry(runtime: &Runtime, name: &str, bytes: &[u8]) -> Result<Entry, RegistryError> {
        let named = || name.to_string();
        let plugin = runtime.load(bytes).map_err(|source| RegistryError::Load {
            name: named(),
            source,
        })?;
        let info = runtime
            .info(&plugin)
            .result
            .map_err(|source| RegistryError::Info {
                name: named(),
                source,
            })?;
        let secrets = SecretFields::from_schema(&info.config_schema);
        Ok(Entry {
            name: named(),
            plugin,
            info,
            secrets,
        })
    }

    /// The plugin a webhook names.
    pub fn get(&self, name: &str) -> Option<Arc<Entry>> {
        self.plugins.get(name).cloned()
    }

    /// The names webhooks can use.
    pub fn names(&self) -> Vec<String> {
        self.plugins.keys().cloned().collect()
    }
}
