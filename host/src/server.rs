//! Starting and stopping `kait serve`: the service, the admin key, the API on its
//! socket and the workers, and an orderly stop (stop accepting and claiming,
//! finish what is in flight within the grace period).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api;
use crate::config::ServeConfig;
pub use crate::service::keys::AdminKey;
use crate::service::{OpenError, Service};
use crate::worker::{self, Dispatch};

/// A running server.
pub struct Server {
    /// The address the API listens on.
    pub addr: SocketAddr,
    /// The service's shared parts.
    pub service: Arc<Service>,
    /// Where the admin key came from.
    pub admin_key: AdminKey,
    stop: watch::Sender<bool>,
    api: JoinHandle<std::io::Result<()>>,
    workers: JoinHandle<()>,
    timers: JoinHandle<()>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The service could not be built.
    #[error(transparent)]
    Service(#[from] OpenError),
    /// The store refused.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl Server {
    /// Opens the service and starts the API and the workers.
    pub async fn start(config: ServeConfig) -> Result<Self, ServerError> {
        Self::start_service(Service::open(config).await?).await
    }

    /// Starts the API and the workers on an already opened service.
    pub async fn start_service(service: Arc<Service>) -> Result<Self, ServerError> {
        let admin_key = service.keys.admin_at_start().await?;
        let addr = service.config.listen;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let (stop, stopping) = watch::channel(false);
        let router = api::router(service.clone()).merge(crate::web::router(service.clone()));
        let mut api_stop = stopping.clone();
        let api = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = api_stop.wait_for(|stop| *stop).await;
                })
                .await
        });
        let timers = tokio::spawn(service.timers().run(stopping.clone()));
        let workers = tokio::spawn(worker::run(
            service.pipeline.clone(),
            service.signals.deliveries.clone(),
            Dispatch::from_config(&service.config),
            stopping,
        ));
        Ok(Self {
            addr,
            service,
            admin_key,
            stop,
            api,
            workers,
            timers,
        })
    }

    /// Stops accepting requests and claiming deliveries, and waits for in-flight
    /// work (deliveries: up to the grace period).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.workers.await;
        let _ = self.timers.await;
        let _ = self.api.await;
        self.service.close().await;
    }
}
