//! The delivery log: a webhook's deliveries, one delivery with every attempt,
//! retrying one now, and testing a webhook with a sample event.

use super::{Error, Service};
use crate::domain::{Delivery, DeliveryPage, NewEvent, Refused, new_id};
use crate::events::{self, TYPES};

impl Service {
    /// A webhook's deliveries, newest first, and the cursor of the next page.
    pub async fn deliveries(
        &self,
        shop: &str,
        webhook: &str,
        page: DeliveryPage,
    ) -> Result<(Vec<Delivery>, Option<String>), Error> {
        self.webhook(shop, webhook).await?;
        Ok(self.store.deliveries(webhook, page).await?)
    }

    /// The events most recently delivered to a webhook (newest first, at most
    /// `limit`), as `(id, type)`: real data to preview a template on.
    pub async fn recent_events(
        &self,
        shop: &str,
        webhook: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, Error> {
        let page = DeliveryPage {
            limit: Some(limit),
            ..DeliveryPage::default()
        };
        let (found, _) = self.deliveries(shop, webhook, page).await?;
        Ok(found
            .into_iter()
            .map(|d| (d.event_id, d.event_type))
            .collect())
    }

    /// A stored event of `shop`, as JSON.
    pub async fn stored_event(&self, shop: &str, id: &str) -> Result<serde_json::Value, Error> {
        let event = self
            .store
            .event(shop, id)
            .await?
            .ok_or_else(|| Refused::not_found(format!("event {id}")))?;
        serde_json::from_str(&event.body).map_err(|e| Error::Internal(e.to_string()))
    }

    /// One delivery with all its attempts.
    pub async fn delivery(&self, shop: &str, id: &str) -> Result<Delivery, Error> {
        self.store
            .delivery(shop, id)
            .await?
            .ok_or_else(|| Refused::not_found(format!("delivery {id}")).into())
    }

    /// Makes a delivery due now, whatever its state (a dead one is replayed).
    pub async fn retry_delivery(&self, shop: &str, id: &str) -> Result<Delivery, Error> {
        let delivery = self
            .store
            .retry(shop, id, self.clock.now())
            .await?
            .ok_or_else(|| Refused::not_found(format!("delivery {id}")))?;
        self.signals.deliveries.notify();
        Ok(delivery)
    }

    /// Runs the webhook's plugin on a sample event of `kind` (default
    /// `order.paid`), delivers it now, and returns the delivery with its attempt.
    /// A failed test is retried like any delivery.
    pub async fn test_webhook(
        &self,
        shop: &str,
        id: &str,
        kind: Option<String>,
    ) -> Result<Delivery, Error> {
        let webhook = self.webhook(shop, id).await?;
        let kind = kind.unwrap_or_else(|| events::DEFAULT_SAMPLE.to_string());
        let sample = events::sample(&kind).ok_or_else(|| {
            Refused::invalid(
                "unknown_event_type",
                format!(
                    "unknown event type {kind:?}; expected one of: {}",
                    TYPES.join(", ")
                ),
            )
        })?;
        let mut event: serde_json::Value =
            serde_json::from_str(sample).map_err(|e| Error::Internal(e.to_string()))?;
        let event_id = new_id("evt_test");
        event["id"] = event_id.clone().into();
        event["shop"] = shop.into();
        let new = NewEvent {
            shop: shop.to_string(),
            id: event_id,
            kind,
            body: event.to_string(),
            timer: None,
        };
        let lease = self.config.lease.as_millis() as i64;
        let claimed = self
            .store
            .claim_single(new, webhook, self.clock.now(), lease)
            .await?;
        let delivery_id = claimed.id.clone();
        self.pipeline.process(claimed).await;
        self.delivery(shop, &delivery_id).await
    }
}
