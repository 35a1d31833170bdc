//! The [`Store`](crate::store::Store) interface on SQLite: the backend's own
//! four methods here, the rest one call each into the file that owns its table
//! (see `store/by_tables.rs`).

use rusqlite::OptionalExtension;

use super::{Sqlite, deliveries, events, plugins, sessions, shops, timers, webhooks};
use crate::clock::Millis;
use crate::domain::abandonment::Fired;
use crate::domain::{
    AttemptRecord, Claimed, Delivery, DeliveryPage, Ingested, NewEvent, NewShop, Plan, PlanChange,
    PluginName, PluginVersion, PortalLink, Session, Shop, StoredEvent, Webhook,
};
use crate::store::{Deleted, StoreError, Withdrawn};

impl Sqlite {
    async fn ping(&self) -> Result<(), StoreError> {
        self.scalar::<i64>("SELECT count(*) FROM shops").await?;
        Ok(())
    }

    async fn shut(&self) {
        self.readers.idle.lock().unwrap().clear();
        self.writer.close().await;
    }

    async fn meta_get(&self, key: &'static str) -> Result<Option<String>, StoreError> {
        self.read(move |conn, _| {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()?)
        })
        .await
    }

    async fn meta_put(&self, key: &'static str, value: String) -> Result<String, StoreError> {
        self.write(move |conn, _| {
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
                [key, &value],
            )?;
            Ok(
                conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
    }

    async fn meta_set(&self, key: &'static str, value: String) -> Result<(), StoreError> {
        self.write(move |conn, _| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, &value],
            )?;
            Ok(())
        })
        .await
    }
}

crate::store::by_tables::store_by_tables!(Sqlite);
