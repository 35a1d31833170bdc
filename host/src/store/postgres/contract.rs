//! The [`Store`](crate::store::Store) interface on PostgreSQL: the backend's own
//! four methods here, the rest one call each into the file that owns its table
//! (see `store/by_tables.rs`).

use super::{
    Postgres, deliveries, events, execute, maybe, one, plugins, sessions, shops, timers, webhooks,
};
use crate::clock::Millis;
use crate::domain::abandonment::Fired;
use crate::domain::{
    AttemptRecord, Claimed, Delivery, DeliveryPage, Ingested, NewEvent, NewShop, Plan, PlanChange,
    PluginName, PluginVersion, PortalLink, Session, Shop, StoredEvent, Webhook,
};
use crate::store::{Deleted, StoreError, Withdrawn};

impl Postgres {
    async fn ping(&self) -> Result<(), StoreError> {
        self.scalar::<i32>("SELECT 1").await?;
        Ok(())
    }

    async fn shut(&self) {
        self.pool.close();
    }

    async fn meta_get(&self, key: &'static str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        maybe(&client, "SELECT value FROM meta WHERE key = $1", &[&key])
            .await?
            .map(|row| Ok(row.try_get(0)?))
            .transpose()
    }

    async fn meta_put(&self, key: &'static str, value: String) -> Result<String, StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&key, &value],
        )
        .await?;
        Ok(
            one(&client, "SELECT value FROM meta WHERE key = $1", &[&key])
                .await?
                .try_get(0)?,
        )
    }

    async fn meta_set(&self, key: &'static str, value: String) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .await?;
        Ok(())
    }
}

crate::store::by_tables::store_by_tables!(Postgres);
