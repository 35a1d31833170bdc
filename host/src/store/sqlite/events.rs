//! Ingest: one transaction stores the event and one pending delivery for each
//! active webhook of the shop that receives its type. The same event id twice is
//! answered with the first result and creates nothing.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Sqlite, StoreError, corrupt, timers};
use crate::clock::Millis;
use crate::domain::{CreatedDelivery, EventTypes, Ingested, NewEvent, StoredEvent, new_id};

pub(super) fn get(
    conn: &Connection,
    shop: &str,
    id: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, type, body FROM events WHERE shop_id = ?1 AND id = ?2")?
        .query_row([shop, id], |row| {
            Ok(StoredEvent {
                id: row.get(0)?,
                kind: row.get(1)?,
                body: row.get(2)?,
            })
        })
        .optional()?)
}

fn existing(conn: &Connection, shop: &str, id: &str) -> Result<Option<Ingested>, StoreError> {
    let Some(event) = get(conn, shop, id)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, webhook_id FROM deliveries WHERE shop_id = ?1 AND event_id = ?2 ORDER BY id",
    )?;
    let deliveries = stmt
        .query_map([shop, id], |row| {
            Ok(CreatedDelivery {
                id: row.get(0)?,
                webhook_id: row.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Ingested {
        id: event.id,
        kind: event.kind,
        duplicate: true,
        deliveries,
    }))
}

/// Stores `event` and one pending delivery per active webhook that receives its
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
        let events: Vec<String> = serde_json::from_str(&events).map_err(corrupt)?;
        if !EventTypes::parse(Some(events))
            .map_err(corrupt)?
            .receives(&event.kind)
        {
            continue;
        }
        let id = new_id("msg");
        insert.execute(params![id, event.shop, webhook, event.id, event.kind, now])?;
        deliveries.push(CreatedDelivery {
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

pub(super) async fn ingest(
    db: &Sqlite,
    event: NewEvent,
    now: Millis,
) -> Result<Ingested, StoreError> {
    db.write(move |conn, _| {
        let ingested = insert(conn, &event, now)?;
        if !ingested.duplicate
            && let Some(effect) = &event.timer
        {
            timers::apply(conn, &event.shop, effect, &event.body, now)?;
        }
        Ok(ingested)
    })
    .await
}

pub(super) async fn one(
    db: &Sqlite,
    shop: &str,
    id: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    let (shop, id) = (shop.to_string(), id.to_string());
    db.read(move |conn, _| get(conn, &shop, &id)).await
}
