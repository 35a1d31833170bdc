//! The plugins every shop can use: Kait's own (`telegram`, `sheets`, `http`) and any
//! component files the settings name, loaded once at start.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Entry, RegistryError};
use crate::builtin;
use crate::runtime::Runtime;

/// The built-in and configured plugins by name.
#[derive(Clone, Default)]
pub struct Builtins {
    plugins: BTreeMap<String, Arc<Entry>>,
}

impl Builtins {
    /// Loads the built-ins and the component files in `extra` (name → path), from
    /// the disk cache when it has them.
    pub fn load(
        runtime: &Runtime,
        extra: &BTreeMap<String, PathBuf>,
    ) -> Result<Self, RegistryError> {
        let mut plugins = BTreeMap::new();
        for name in builtin::NAMES {
            let entry = entry(runtime, name, builtin::get(name).unwrap_or_default())?;
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
            crate::domain::PluginName::parse(name).map_err(|e| file(e.message))?;
            let bytes = std::fs::read(path)
                .map_err(|e| file(format!("cannot read {}: {e}", path.display())))?;
            plugins.insert(name.clone(), Arc::new(entry(runtime, name, &bytes)?));
        }
        Ok(Self { plugins })
    }

    /// The plugin called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Entry>> {
        self.plugins.get(name).cloned()
    }

    /// Whether one of them is the component with this SHA-256 (hex).
    pub fn has_content(&self, sha256: &str) -> bool {
        let id = format!("sha256:{sha256}");
        self.plugins.values().any(|entry| entry.plugin.id() == id)
    }

    /// Their names.
    pub fn names(&self) -> Vec<String> {
        self.plugins.keys().cloned().collect()
    }
}

fn entry(runtime: &Runtime, name: &str, bytes: &[u8]) -> Result<Entry, RegistryError> {
    let plugin = runtime.load(bytes).map_err(|source| RegistryError::Load {
        name: name.to_string(),
        source,
    })?;
    let info = runtime
        .info(&plugin)
        .result
        .map_err(|source| RegistryError::Info {
            name: name.to_string(),
            source,
        })?;
    Ok(Entry::new(name, true, plugin, info))
}
