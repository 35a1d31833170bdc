//! The service: its shared parts, built once from the settings, and the
//! operations the API and the merchant page share (`shops.rs`, `webhooks.rs`,
//! `events.rs`, `deliveries.rs`, `plugins.rs`). An operation checks the caller's
//! input with the domain's rules, does its work through the store, registry and
//! pipeline, and tells the signals what changed. Who may call it (keys,
//! sessions) is the caller's business.

mod deliveries;
mod dry_run;
mod events;
pub mod keys;
mod lifecycle;
mod operations;
mod plugins;
pub mod portal;
mod shops;
mod webhooks;

use std::sync::Arc;

use crate::abandonment::Timers;
use crate::clock::{Clock, SystemClock};
use crate::config::ServeConfig;
use crate::delivery::Sender;
use crate::domain::Refused;
use crate::metrics::Metrics;
use crate::registry::{Builtins, Registry, RegistryError};
use crate::runtime::{Runtime, RuntimeConfig, StartError};
use crate::signals::Signals;
use crate::store::{SharedStore, StoreError};
use crate::worker::Pipeline;

pub use dry_run::{DryRun, DryRunInput};
pub use keys::Keys;
pub use lifecycle::Withdrawal;
pub use plugins::Version;
pub use shops::ShopUpdated;
pub use webhooks::{WebhookChanges, WebhookInput};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The plugin runtime could not start.
    #[error(transparent)]
    Runtime(#[from] StartError),
    /// A built-in plugin could not be loaded.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client(#[from] reqwest::Error),
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule refused it; nothing changed.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else inside failed.
    #[error("{0}")]
    Internal(String),
}

/// Everything the API, the page and the workers share.
pub struct Service {
    /// The settings.
    pub config: ServeConfig,
    /// The database.
    pub store: SharedStore,
    /// The plugin runtime.
    pub runtime: Runtime,
    /// The plugins webhooks can name.
    pub registry: Registry,
    /// Attempts deliveries.
    pub pipeline: Arc<Pipeline>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// What tells the workers, the timers and the caches that something changed.
    pub signals: Signals,
    /// Shop keys.
    pub keys: Keys,
    known_shops: events::KnownShops,
}

impl Service {
    /// Opens the store, starts the runtime and loads the built-in plugins.
    pub async fn open(config: ServeConfig) -> Result<Arc<Self>, OpenError> {
        Self::open_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Service::open`] with a clock of the caller's choosing (tests).
    pub async fn open_with_clock(
        config: ServeConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, OpenError> {
        let key = crate::store::sealing::key_for(&config.data, config.secret_key.as_deref())
            .map_err(StoreError::Key)?;
        let crate::store::Backend { store, signals } =
            crate::store::open(&config.data, &key).await?;
        let mut runtime_config = RuntimeConfig {
            cache_dir: config
                .cache_dir
                .clone()
                .or_else(crate::runtime::default_cache_dir),
            ..RuntimeConfig::default()
        };
        runtime_config.limits.deadline = config.plugin_deadline;
        runtime_config.limits.fuel = config.plugin_fuel;
        let extra = config.plugins.clone();
        let (runtime, builtins) = tokio::task::spawn_blocking(move || {
            let runtime = Runtime::new(runtime_config)?;
            let builtins = Builtins::load(&runtime, &extra)?;
            Ok::<_, OpenError>((runtime, builtins))
        })
        .await
        .map_err(|e| StartError(e.to_string()))??;
        let metrics = Arc::new(Metrics::default());
        let registry = Registry::open(
            runtime.clone(),
            store.clone(),
            metrics.clone(),
            builtins,
            signals.plugins.clone(),
        )
        .await?;
        let pipeline = Arc::new(Pipeline::new(
            &config,
            store.clone(),
            registry.clone(),
            runtime.clone(),
            Sender::new(&config)?,
            clock.clone(),
            metrics.clone(),
        ));
        Ok(Arc::new(Self {
            keys: Keys::new(
                store.clone(),
                signals.keys.as_ref(),
                config.admin_key.as_deref(),
            ),
            config,
            store,
            runtime,
            registry,
            pipeline,
            clock,
            metrics,
            signals,
            known_shops: events::KnownShops::default(),
        }))
    }

    /// The abandonment timers' runner, over this service's parts.
    pub fn timers(&self) -> Timers {
        Timers {
            store: self.store.clone(),
            clock: self.clock.clone(),
            started: self.signals.timers.clone(),
            deliveries: self.signals.deliveries.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// One shop's existence, checked.
    async fn existing_shop(&self, shop: &str) -> Result<crate::domain::Shop, Error> {
        self.store
            .shop(shop)
            .await?
            .ok_or_else(|| Refused::not_found(format!("shop {shop}")).into())
    }
}
