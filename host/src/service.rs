//! The running service's shared parts, built once from the settings and handed to
//! the API and the workers: store, plugin runtime and registry, sender, clock and
//! metrics, plus the signal ingest uses to wake the workers.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::{Clock, SystemClock};
use crate::config::ServeConfig;
use crate::delivery::Sender;
use crate::metrics::Metrics;
use crate::registry::{Builtins, Registry, RegistryError};
use crate::runtime::{Runtime, RuntimeConfig, StartError};
use crate::store::{Store, StoreError};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The store could not be opened.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The plugin runtime could not start.
    #[error("{0}")]
    Runtime(#[from] StartError),
    /// A built-in plugin could not be loaded.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Everything the API and the workers share.
pub struct Service {
    /// The settings.
    pub config: ServeConfig,
    /// The database.
    pub store: Store,
    /// The plugin runtime.
    pub runtime: Runtime,
    /// The plugins webhooks can name.
    pub registry: Registry,
    /// Sends plugin requests.
    pub sender: Sender,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Tells the workers new deliveries are due.
    pub wake: Notify,
    /// Tells the abandonment timers a new timer was started.
    pub timers_changed: Notify,
}

impl Service {
    /// Opens the store, starts the runtime and loads the built-in plugins.
    pub async fn open(config: ServeConfig) -> Result<Arc<Self>, ServiceError> {
        Self::open_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Service::open`] with a clock of the caller's choosing (tests).
    pub async fn open_with_clock(
        config: ServeConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, ServiceError> {
        let key_file = config.data.with_extension("key");
        let key = crate::store::store_key(config.secret_key.as_deref(), &key_file)
            .map_err(StoreError::Key)?;
        let store = Store::open(&config.data, &key)?;
        let mut runtime_config = RuntimeConfig {
            cache_dir: config
                .cache_dir
                .clone()
                .or_else(crate::runtime::default_cache_dir),
            ..RuntimeConfig::default()
        };
        runtime_config.limits.deadline = config.plugin_deadline;
        let extra = config.plugins.clone();
        let (runtime, builtins) = tokio::task::spawn_blocking(move || {
            let runtime = Runtime::new(runtime_config)?;
            let builtins = Builtins::load(&runtime, &extra)?;
            Ok::<_, ServiceError>((runtime, builtins))
        })
        .await
        .map_err(|e| StartError(e.to_string()))??;
        let metrics = Arc::new(Metrics::default());
        let registry =
            Registry::open(runtime.clone(), store.clone(), metrics.clone(), builtins).await?;
        Ok(Arc::new(Self {
            sender: Sender::new(&config)?,
            config,
            store,
            runtime,
            registry,
            clock,
            metrics,
            wake: Notify::new(),
            timers_changed: Notify::new(),
        }))
    }
}
