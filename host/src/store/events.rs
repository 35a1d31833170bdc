//! Ingest: one transaction stores the event and one pending delivery for each
//! active webhook of the shop subscribed to its type. The same event id twice is
//! answered with the first result and creates nothing.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Store, StoreError, new_id};
use crate::abandonment::TimerEffect;
use crate::clock::Millis;

/// An event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The shop it belongs to.
    pub shop: String,
    /// Its id (given by the platform, or derived from its content).
    pub id: String,
    /// Its type.
    pub kind: String,
    /// The event as received (JSON text).
    pub body: String,
    /// What it does to its checkout's abandonment timer.
    pub timer: Option<TimerEffect>,
}

/// An event as stored, for the worker.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Its id.
    pub id: String,
    /// Its type.
    pub kind: String,
    /// The event as received (JSON text).
    pub body: String,
}

/// One delivery created by ingest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    /// The delivery's id, also its `webhook-id` header.
    pub id: String,
    /// The webhook it goes to.
    pub webhook_id: String,
}

/// What ingest did with an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ingested {
    /// The event's id.
    pub id: String,
    /// The event's type.
    #[serde(rename = "type")]
    pub kind: String,
    /// True when this id had been received before; nothing new was created.
    pub duplicate: bool,
    /// The deliveries the event created (the first time it was received).
    pub deliveries: Vec<Created>,
}

fn existing(conn: &Connection, shop: &str, id: &str) -> Result<Option<Ingested>, StoreError> {
    let Some(kind) = conn
        .query_row(
            "SELECT type FROM events WHERE shop_id = ?1 AND id = ?2",
            [shop, id],
            |row| row.get::<_, String>(0),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, webhook_id FROM deliveries WHERE shop_id = ?1 AND event_id = ?2 ORDER BY id",
    )?;
    let deliveries = stmt
        .query_map([shop, id], |row| {
            Ok(Created {
                id: row.get(0)?,
                webhook_id: row.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Ingested {
        id: id.to_string(),
        kind,
        duplicate: true,
        deliveries,
    }))
}

/// Stores `event` and one pending delivery per active webhook subscribed to its
/// type; a known id gives the first result back and stores nothing.
pub(super) fn insert(
    conn: &Connection,
    event: &NewEvent,
    now: Millis,
) -> Result<Ingested, StoreError> {
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO events (shop_id, id, type, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![event.shop, event.id, event.kind, event.body, now])?;
    if added == 0 {
        return existing(conn, &event.shop, &event.id)?
            .ok_or_else(|| StoreError::Corrupt("event vanished".into()));
    }
    let mut targets = conn.prepare_cached(
        "SELECT id, events FROM webhooks WHERE shop_id = ?1 AND status = 'active' ORDER BY created_at, id",
    )?;
    let webhooks: Vec<(String, String)> = targets
        .query_map([&event.shop], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO deliveries (id, shop_id, webhook_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?6)",
    )?;
    let mut deliveries = Vec::new();
    for (webhook, events) in webhooks {
        let subscribed: Vec<String> =
            serde_json::from_str(&events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if !subscribed.contains(&event.kind) {
            continue;
        }
        let id = new_id("msg");
        insert.execute(params![id, event.shop, webhook, event.id, event.kind, now])?;
        deliveries.push(Created {
            id,
            webhook_id: webhook,
        });
    }
    Ok(Ingested {
        id: event.id.clone(),
        kind: event.kind.clone(),
        duplicate: false,
        deliveries,
    })
}

impl Store {
    /// Stores `event` and its deliveries, and applies its timer effect, in one
    /// transaction; answers once committed.
    pub async fn ingest(&self, event: NewEvent, now: Millis) -> Result<Ingested, StoreError> {
        self.write(move |conn| {
            let ingested = insert(conn, &event, now)?;
            if !ingested.duplicate
                && let Some(effect) = &event.timer
            {
                super::timers::apply(conn, &event.shop, effect, &event.body, now)?;
            }
            Ok(ingested)
        })
        .await
    }

    /// One stored event of `shop`.
    pub async fn event(&self, shop: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        let (shop, id) = (shop.to_string(), id.to_string());
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, type, body FROM events WHERE shop_id = ?1 AND id = ?2",
                    [shop, id],
                    |row| {
                        Ok(StoredEvent {
                            id: row.get(0)?,
                            kind: row.get(1)?,
                            body: row.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }
}
