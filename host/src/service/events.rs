//! Ingest: an event checked, stored with its deliveries and its effect on its
//! checkout's abandonment timer (one commit), then the workers and the timers
//! told. Anything refused is refused whole.

use std::collections::HashSet;
use std::sync::Mutex;

use super::{Error, Service};
use crate::domain::abandonment::{self, TimerEffect};
use crate::domain::{Ingested, NewEvent, Refused};
use crate::events::{self, EventError};

/// Shops known to exist. Shops are never deleted, so a yes is remembered and the
/// hot ingest path skips the database read.
#[derive(Default)]
pub(super) struct KnownShops(Mutex<HashSet<String>>);

fn refusal(error: EventError) -> Refused {
    let code = match &error {
        EventError::Malformed(_) | EventError::TooDeep => {
            return Refused::malformed("malformed_event", error.to_string());
        }
        EventError::UnknownType(_) => "unknown_event_type",
        EventError::MissingCheckout => "missing_checkout",
        EventError::BadTime(_) => "invalid_occurred_at",
        EventError::BadId => "invalid_event_id",
    };
    Refused::invalid(code, error.to_string())
}

impl Service {
    /// Whether the shop exists (remembered once it does).
    pub async fn shop_exists(&self, shop: &str) -> Result<bool, Error> {
        if self.known_shops.0.lock().unwrap().contains(shop) {
            return Ok(true);
        }
        let exists = self.store.shop(shop).await?.is_some();
        if exists {
            self.known_shops.0.lock().unwrap().insert(shop.to_string());
        }
        Ok(exists)
    }

    /// Accepts an event (JSON text) for `shop`. Returns once the event and all its
    /// deliveries are committed. The same id twice answers with the first result
    /// (`duplicate`) and creates nothing.
    pub async fn ingest(&self, shop: &str, text: &str) -> Result<Ingested, Error> {
        let event = events::parse(text).map_err(refusal)?;
        if event.shop != shop {
            return Err(Refused::invalid(
                "shop_mismatch",
                format!(
                    "the event is for shop {:?} but was posted to shop {shop:?}",
                    event.shop
                ),
            )
            .into());
        }
        if !self.shop_exists(shop).await? {
            return Err(Refused::not_found(format!("shop {shop}")).into());
        }
        let new = NewEvent {
            timer: abandonment::effect(&event),
            shop: shop.to_string(),
            id: event.id,
            kind: event.kind,
            body: text.to_string(),
        };
        let new_timer = matches!(new.timer, Some(TimerEffect::Start { .. }));
        let ingested = self.store.ingest(new, self.clock.now()).await?;
        if !ingested.duplicate {
            if new_timer {
                self.signals.timers.notify();
            }
            self.metrics.event_accepted(&ingested.kind);
            if !ingested.deliveries.is_empty() {
                self.signals.deliveries.notify();
            }
        }
        Ok(ingested)
    }

    /// One stored event of `shop`, as JSON text in the event format with its id
    /// written in (a derived id too).
    pub async fn event(&self, shop: &str, id: &str) -> Result<String, Error> {
        if !self.shop_exists(shop).await? {
            return Err(Refused::not_found(format!("shop {shop}")).into());
        }
        let stored = (self.store.event(shop, id).await?)
            .ok_or_else(|| Refused::not_found(format!("event {id}")))?;
        events::with_id(&stored.body, &stored.id).map_err(|e| Error::Internal(e.to_string()))
    }
}
