//! Operations of the service itself: readiness, the metrics page, closing.

use super::{Error, Service};

impl Service {
    /// Whether the store answers (for `/readyz`).
    pub async fn ready(&self) -> Result<(), Error> {
        Ok(self.store.ping().await?)
    }

    /// The Prometheus metrics, the queue depth read now.
    pub async fn metrics_text(&self) -> Result<String, Error> {
        let depth = self.store.queue_depth().await?;
        Ok(self.metrics.render(depth))
    }

    /// Closes the store: queued writes finish, the database is left whole.
    pub async fn close(&self) {
        self.store.close().await;
    }
}
