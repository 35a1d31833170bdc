//! The plugins a webhook can name: the built-ins (`telegram`, `sheets`, `http`), any
//! component files the settings name, and each shop's own uploaded versions.
//!
//! A webhook names its plugin by a [`PluginRef`] (`name`, `name@latest`,
//! `name@<version>`), resolved at every delivery attempt, so pointing a webhook at
//! another version, or uploading a new latest, takes effect at its next delivery.
//! A shop's plugins resolve only for that shop. Versions are compiled at upload and
//! made ready lazily after a restart, from the runtime's disk cache of native code.
//!
//! `@latest` is the highest-ranked version not withdrawn: an upload or a promotion
//! ranks a version highest, a withdrawal takes it out of `@latest`.
//!
//! The index of each shop's versions is filled from the store at start. An upload,
//! a delete, a promotion or a withdrawal updates it and publishes a
//! [`PluginChanged`] bulletin; every registry that hears one (on this host or,
//! with a shared backend, another) reloads that plugin's versions from the store
//! before its next lookup.

mod builtins;
mod index;
mod lifecycle;
mod upload;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::broadcast;

use crate::domain::{Pin, PluginName, PluginRef, PluginVersion, version_of};
use crate::metrics::Metrics;
use crate::redact::SecretFields;
use crate::runtime::{CallError, LoadError, Plugin, PluginInfo, Runtime};
use crate::signals::{Bulletin, PluginChanged};
use crate::store::{Deleted, SharedStore, StoreError};

pub use builtins::Builtins;
pub use upload::{UploadError, Uploaded};

/// A plugin version ready to run.
pub struct Entry {
    /// The name webhooks use.
    pub name: String,
    /// The version id (12 hex digits of the component's SHA-256).
    pub version: String,
    /// Whether it is one of Kait's own.
    pub builtin: bool,
    /// The compiled component.
    pub plugin: Plugin,
    /// What it says about itself.
    pub info: PluginInfo,
    /// The configuration properties it marks as secrets.
    pub secrets: SecretFields,
}

impl Entry {
    fn new(name: &str, builtin: bool, plugin: Plugin, info: PluginInfo) -> Self {
        let sha = plugin.id().trim_start_matches("sha256:");
        Self {
            name: name.to_string(),
            version: version_of(sha),
            builtin,
            secrets: SecretFields::from_schema(&info.config_schema),
            plugin,
            info,
        }
    }

    /// `name@version`, recorded with each attempt.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// Why a built-in or configured plugin could not be made ready at start.
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
    /// The stored versions could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a reference names nothing runnable.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No plugin of that name is visible to the shop.
    #[error("unknown plugin {name:?}; available: {}", available.join(", "))]
    UnknownPlugin {
        /// Which.
        name: String,
        /// What the shop can use.
        available: Vec<String>,
    },
    /// The plugin has no such version.
    #[error("plugin {name} has no version {version}; it has: {}", versions.join(", "))]
    UnknownVersion {
        /// Which plugin.
        name: String,
        /// Which version.
        version: String,
        /// What it has, newest first.
        versions: Vec<String>,
    },
    /// The version is stored but could not be made ready.
    #[error("plugin {label} cannot be loaded: {message}")]
    Load {
        /// `name@version`.
        label: String,
        /// Why.
        message: String,
    },
}

/// The key of a shop's version among those made ready.
fn ready_key(shop: &str, name: &str, version: &str) -> String {
    format!("{shop}/{name}@{version}")
}

/// Where a shop's plugin versions are indexed: (shop, name) → versions, oldest first.
type Index = BTreeMap<(String, String), Vec<PluginVersion>>;

/// The plugins by name, built-in and per shop. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    runtime: Runtime,
    store: SharedStore,
    metrics: Arc<Metrics>,
    builtins: Builtins,
    index: RwLock<Index>,
    ready: Mutex<HashMap<String, Arc<Entry>>>,
    changes: Arc<dyn Bulletin<PluginChanged>>,
    heard: Mutex<broadcast::Receiver<PluginChanged>>,
}

impl Registry {
    /// The registry over `builtins` and the versions kept in `store` (indexed now,
    /// made ready at first use). Changes are told to, and heard from, `changes`.
    pub async fn open(
        runtime: Runtime,
        store: SharedStore,
        metrics: Arc<Metrics>,
        builtins: Builtins,
        changes: Arc<dyn Bulletin<PluginChanged>>,
    ) -> Result<Self, RegistryError> {
        let heard = Mutex::new(changes.subscribe());
        let mut index = Index::new();
        for row in store.plugin_versions().await? {
            index
                .entry((row.shop_id.clone(), row.name.to_string()))
                .or_default()
                .push(row);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                runtime,
                store,
                metrics,
                builtins,
                index: RwLock::new(index),
                ready: Mutex::default(),
                changes,
                heard,
            }),
        })
    }

    /// The names `shop` can use: the built-ins, then its own (with any news
    /// from other hosts applied).
    pub async fn available(&self, shop: &str) -> Vec<String> {
        self.catch_up().await;
        self.names(shop)
    }

    /// The names `shop` can use, as the index has them now.
    fn names(&self, shop: &str) -> Vec<String> {
        let mut names = self.inner.builtins.names();
        let index = self.inner.index.read().unwrap();
        names.extend(
            index
                .keys()
                .filter(|(owner, _)| owner == shop)
                .map(|(_, name)| name.clone()),
        );
        names
    }

    /// Whether `name` is a built-in (or configured) plugin.
    pub fn is_builtin(&self, name: &str) -> bool {
        self.inner.builtins.get(name).is_some()
    }

    /// The built-in (or configured) plugin `name`.
    pub fn builtin(&self, name: &str) -> Option<Arc<Entry>> {
        self.inner.builtins.get(name)
    }

    /// A shop's versions of `name`, oldest first (with any news from other
    /// hosts applied); `None` if it has none.
    pub async fn versions(&self, shop: &str, name: &str) -> Option<Vec<PluginVersion>> {
        self.catch_up().await;
        let index = self.inner.index.read().unwrap();
        index.get(&(shop.to_string(), name.to_string())).cloned()
    }

    /// The plugin version `reference` names for `shop`, made ready.
    pub async fn resolve(
        &self,
        shop: &str,
        reference: &PluginRef,
    ) -> Result<Arc<Entry>, ResolveError> {
        if let Some(entry) = self.inner.builtins.get(reference.name.as_str()) {
            return match &reference.pin {
                Pin::Exact(version) if *version != entry.version => {
                    Err(ResolveError::UnknownVersion {
                        name: reference.name.to_string(),
                        version: version.clone(),
                        versions: vec![entry.version.clone()],
                    })
                }
                _ => Ok(entry),
            };
        }
        self.catch_up().await;
        let row = match self.row(shop, reference) {
            Ok(row) => row,
            // Another host may have added it a moment ago, its news still on
            // the way: the store decides.
            Err(_) => {
                self.refresh(shop, reference.name.as_str()).await;
                self.row(shop, reference)?
            }
        };
        self.ready(row).await
    }

    /// The stored version `reference` names for `shop`.
    fn row(&self, shop: &str, reference: &PluginRef) -> Result<PluginVersion, ResolveError> {
        let index = self.inner.index.read().unwrap();
        let Some(versions) = index.get(&(shop.to_string(), reference.name.to_string())) else {
            drop(index);
            return Err(ResolveError::UnknownPlugin {
                name: reference.name.to_string(),
                available: self.names(shop),
            });
        };
        let found = match reference.pin.exact() {
            None => PluginVersion::latest_of(versions),
            Some(version) => versions.iter().find(|v| v.version == version),
        };
        found.cloned().ok_or_else(|| ResolveError::UnknownVersion {
            name: reference.name.to_string(),
            version: reference.pin.exact().unwrap_or("latest").to_string(),
            versions: versions.iter().rev().map(|v| v.version.clone()).collect(),
        })
    }

    /// The version made ready: from memory, else from the stored bytes through the
    /// runtime's disk cache (no compile when the cache has it).
    async fn ready(&self, row: PluginVersion) -> Result<Arc<Entry>, ResolveError> {
        let key = ready_key(&row.shop_id, row.name.as_str(), &row.version);
        if let Some(entry) = self.inner.ready.lock().unwrap().get(&key) {
            return Ok(entry.clone());
        }
        let label = format!("{}@{}", row.name, row.version);
        let failed = |message: String| ResolveError::Load {
            label: label.clone(),
            message,
        };
        let bytes = self
            .inner
            .store
            .plugin_bytes(&row.sha256)
            .await
            .map_err(|e| failed(e.to_string()))?
            .ok_or_else(|| failed("its component bytes are missing from the store".into()))?;
        let runtime = self.inner.runtime.clone();
        let name = row.name.to_string();
        let entry = tokio::task::spawn_blocking(move || {
            let plugin = runtime.load(&bytes).map_err(|e| e.to_string())?;
            let info = runtime.info(&plugin).result.map_err(|e| e.to_string())?;
            Ok::<_, String>(Entry::new(&name, false, plugin, info))
        })
        .await
        .map_err(|e| failed(e.to_string()))?
        .map_err(failed)?;
        self.inner.metrics.plugin_load(entry.plugin.was_cached());
        let entry = Arc::new(entry);
        self.inner.ready.lock().unwrap().insert(key, entry.clone());
        Ok(entry)
    }

    /// Deletes a shop's version unless a webhook uses it.
    pub async fn delete(
        &self,
        shop: &str,
        name: &PluginName,
        version: &str,
    ) -> Result<Deleted, StoreError> {
        let deleted = self
            .inner
            .store
            .delete_plugin_version(shop, name, version)
            .await?;
        if let Deleted::Done { orphaned } = &deleted {
            if let Some(sha256) = orphaned
                && !self.inner.builtins.has_content(sha256)
            {
                self.inner.runtime.forget(sha256);
            }
            let key = (shop.to_string(), name.to_string());
            let mut index = self.inner.index.write().unwrap();
            if let Some(versions) = index.get_mut(&key) {
                versions.retain(|v| v.version != version);
                if versions.is_empty() {
                    index.remove(&key);
                }
            }
            drop(index);
            let key = ready_key(shop, name.as_str(), version);
            self.inner.ready.lock().unwrap().remove(&key);
            self.announce(shop, name);
        }
        Ok(deleted)
    }

    /// Tells every registry that `shop`'s plugin `name` changed.
    fn announce(&self, shop: &str, name: &PluginName) {
        self.inner.changes.publish(PluginChanged {
            shop: shop.to_string(),
            name: name.to_string(),
        });
    }
}
