//! The plugins a webhook can name, loaded once: the built-ins (`telegram`, `sheets`,
//! `http`), each with its `info()` and the secret fields its schema marks.

use std::collections::BTreeMap;
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
    /// Loads the built-ins (from the disk cache when it has them).
    pub fn builtins(runtime: &Runtime) -> Result<Self, RegistryError> {
        let mut plugins = BTreeMap::new();
        for name in builtin::NAMES {
            let bytes = builtin::get(name).unwrap_or_default();
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
            plugins.insert(
                named(),
                Arc::new(Entry {
                    name: named(),
                    plugin,
                    info,
                    secrets,
                }),
            );
        }
        Ok(Self {
            plugins: Arc::new(plugins),
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
