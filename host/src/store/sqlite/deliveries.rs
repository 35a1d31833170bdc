//! Deliveries and their attempts: the job queue and the delivery log in one.
//!
//! A delivery is `pending` until it succeeds, is skipped by its plugin, or runs out
//! of retries (`dead`); while its webhook is paused or disabled it is `held`.
//! Claiming pushes `next_attempt_at` out by the lease and bumps `lease`: a worker
//! that dies simply lets the lease run out, and a late answer from a worker whose
//! lease was taken over is ignored. `done_requests` (a JSON array of positions)
//! records which requests of a fan-out have had a 2xx, written with the attempt.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Sqlite, StoreError, corrupt, webhooks};
use crate::clock::Millis;
use crate::domain::{
    Attempt, AttemptRecord, Attempted, Claimed, Delivery, DeliveryPage, DeliveryStatus, JsonText,
    NewEvent, Next, StoredEvent, Webhook, WebhookEffect, WebhookStatus, json_text, new_id,
};
use crate::store::sealing::Cipher;

const COLUMNS: &str = "id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, \
                       last_error, created_at, updated_at";

fn delivery(row: &Row) -> rusqlite::Result<Delivery> {
    let status: DeliveryStatus = row.get(4)?;
    let next: Option<Millis> = row.get(6)?;
    Ok(Delivery {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        event_id: row.get(2)?,
        event_type: row.get(3)?,
        status,
        attempts: row.get(5)?,
        next_attempt_at: next.filter(|_| status == DeliveryStatus::Pending),
        last_error: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        attempt_log: None,
    })
}

fn attempts(conn: &Connection, delivery: &str) -> Result<Vec<Attempt>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT n, at, duration_ms, outcome, error_kind, error, plugin, logs, requests
         FROM attempts WHERE delivery_id = ?1 ORDER BY n",
    )?;
    let rows = stmt.query_map([delivery], |row| {
        let json = |i| -> rusqlite::Result<JsonText> { Ok(json_text(row.get(i)?)) };
        Ok(Attempt {
            n: row.get(0)?,
            attempted: Attempted {
                at: row.get(1)?,
                duration_ms: row.get(2)?,
                outcome: row.get(3)?,
                error_kind: row.get(4)?,
                error: row.get(5)?,
                plugin: row.get(6)?,
                logs: json(7)?,
                requests: json(8)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn get(conn: &Connection, shop: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
    let Some(mut delivery) = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1 AND shop_id = ?2"),
            [id, shop],
            delivery,
        )
        .optional()?
    else {
        return Ok(None);
    };
    delivery.attempt_log = Some(attempts(conn, id)?);
    Ok(Some(delivery))
}

fn record(conn: &Connection, record: &AttemptRecord) -> Result<bool, StoreError> {
    let (r, a) = (record, &record.attempted);
    let webhook: Option<(String, WebhookStatus)> = conn
        .prepare_cached(
            "SELECT w.id, w.status FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.id = ?1 AND d.lease = ?2",
        )?
        .query_row(params![r.delivery, r.lease], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((webhook, webhook_status)) = webhook else {
        return Ok(false);
    };
    let active = webhook_status == WebhookStatus::Active;
    let (status, next_at) = match r.next {
        Next::Done(status) => (status, None),
        Next::RetryAt(at) if active => (DeliveryStatus::Pending, Some(at)),
        Next::RetryAt(at) => (DeliveryStatus::Held, Some(at)),
        Next::Dead => (DeliveryStatus::Dead, None),
    };
    conn.prepare_cached(
        "UPDATE deliveries SET status = ?3, attempts = attempts + 1, next_attempt_at = ?4,
             last_error = ?5, updated_at = ?6, done_requests = ?7
         WHERE id = ?1 AND lease = ?2",
    )?
    .execute(params![
        r.delivery,
        r.lease,
        status,
        next_at,
        a.error,
        a.at + a.duration_ms as i64,
        positions_text(&r.done_requests)
    ])?;
    conn.prepare_cached(
        "INSERT INTO attempts (delivery_id, n, at, duration_ms, outcome, error_kind, error, plugin, logs, requests)
         VALUES (?1, (SELECT attempts FROM deliveries WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        r.delivery,
        a.at,
        a.duration_ms,
        a.outcome,
        a.error_kind,
        a.error,
        a.plugin,
        a.logs.get(),
        a.requests.get()
    ])?;
    match &r.webhook {
        WebhookEffect::None => {}
        WebhookEffect::Succeeded => {
            conn.prepare_cached(
                "UPDATE webhooks SET failing_since = NULL WHERE id = ?1 AND failing_since IS NOT NULL",
            )?
            .execute([&webhook])?;
        }
        WebhookEffect::Failed(rule) => {
            conn.prepare_cached(
                "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?2) WHERE id = ?1",
            )?
            .execute(params![webhook, a.at])?;
            let since: Millis = conn.query_row(
                "SELECT failing_since FROM webhooks WHERE id = ?1",
                [&webhook],
                |row| row.get(0),
            )?;
            if active && let Some(reason) = rule.reason(since, a.at) {
                webhooks::set_status(conn, &webhook, WebhookStatus::Disabled, Some(&reason), a.at)?;
            }
        }
        WebhookEffect::Disable(reason) => {
            webhooks::set_status(conn, &webhook, WebhookStatus::Disabled, Some(reason), a.at)?;
        }
    }
    Ok(true)
}

/// Positions as the `done_requests` column keeps them.
fn positions_text(positions: &[usize]) -> String {
    serde_json::to_string(positions).unwrap_or_else(|_| "[]".into())
}

fn claim(
    conn: &Connection,
    cipher: &Cipher,
    now: Millis,
    lease_ms: Millis,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE deliveries SET next_attempt_at = ?1, lease = lease + 1
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?2
                      ORDER BY next_attempt_at LIMIT ?3)
         RETURNING id, shop_id, webhook_id, event_id, lease, attempts, done_requests",
    )?;
    type Taken = (String, String, String, String, i64, u32, String);
    let rows: Vec<Taken> = stmt
        .query_map(params![now + lease_ms, now, limit as i64], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut hooks: HashMap<String, Webhook> = HashMap::new();
    let mut claimed = Vec::with_capacity(rows.len());
    for (id, shop, webhook, event_id, lease, attempts, done) in rows {
        if !hooks.contains_key(&webhook) {
            let Some(found) = webhooks::get(conn, cipher, &shop, &webhook)? else {
                continue;
            };
            hooks.insert(webhook.clone(), found);
        }
        let Some(event) = super::events::get(conn, &shop, &event_id)? else {
            return Err(StoreError::Corrupt(format!(
                "delivery {id} names event {event_id}, which is not stored"
            )));
        };
        claimed.push(Claimed {
            id,
            lease,
            attempts,
            done_requests: serde_json::from_str(&done).map_err(corrupt)?,
            webhook: hooks[&webhook].clone(),
            event,
        });
    }
    Ok(claimed)
}

pub(super) async fn claim_due(
    db: &Sqlite,
    now: Millis,
    lease_ms: Millis,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    db.write(move |conn, cipher| claim(conn, cipher, now, lease_ms, limit))
        .await
}

pub(super) async fn record_attempt(
    db: &Sqlite,
    attempt: AttemptRecord,
) -> Result<bool, StoreError> {
    db.write(move |conn, _| record(conn, &attempt)).await
}

pub(super) async fn next_due(db: &Sqlite) -> Result<Option<Millis>, StoreError> {
    db.scalar("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'")
        .await
}

pub(super) async fn queue_depth(db: &Sqlite) -> Result<u64, StoreError> {
    db.scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        .await
}

pub(super) async fn one(db: &Sqlite, shop: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
    let (shop, id) = (shop.to_string(), id.to_string());
    db.read(move |conn, _| get(conn, &shop, &id)).await
}

pub(super) async fn page(
    db: &Sqlite,
    webhook: &str,
    page: DeliveryPage,
) -> Result<(Vec<Delivery>, Option<String>), StoreError> {
    let webhook = webhook.to_string();
    db.read(move |conn, _| {
        let limit = page.size();
        let (before_at, before_id) = page
            .cursor
            .as_deref()
            .and_then(|c| {
                c.split_once('_')
                    .map(|(at, id)| (at.parse().ok(), id.to_string()))
            })
            .and_then(|(at, id)| Some((at?, id)))
            .unwrap_or((Millis::MAX, String::new()));
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM deliveries
             WHERE webhook_id = ?1 AND (?2 IS NULL OR status = ?2)
               AND (created_at < ?3 OR (created_at = ?3 AND (?4 = '' OR id < ?4)))
             ORDER BY created_at DESC, id DESC LIMIT ?5"
        ))?;
        let rows = stmt.query_map(
            params![webhook, page.status, before_at, before_id, limit as i64 + 1],
            delivery,
        )?;
        let mut found: Vec<Delivery> = rows.collect::<Result<_, _>>()?;
        let next = if found.len() > limit {
            found.truncate(limit);
            found.last().map(|d| format!("{}_{}", d.created_at, d.id))
        } else {
            None
        };
        Ok((found, next))
    })
    .await
}

pub(super) async fn retry(
    db: &Sqlite,
    shop: &str,
    id: &str,
    now: Millis,
) -> Result<Option<Delivery>, StoreError> {
    let (shop, id) = (shop.to_string(), id.to_string());
    db.write(move |conn, _| {
        conn.execute(
            "UPDATE deliveries SET next_attempt_at = ?3, updated_at = ?3, lease = lease + 1,
                 done_requests = CASE status WHEN 'succeeded' THEN '[]' ELSE done_requests END,
                 status = CASE (SELECT status FROM webhooks WHERE id = deliveries.webhook_id)
                          WHEN 'active' THEN 'pending' ELSE 'held' END
             WHERE id = ?1 AND shop_id = ?2",
            params![id, shop, now],
        )?;
        get(conn, &shop, &id)
    })
    .await
}

pub(super) async fn claim_single(
    db: &Sqlite,
    event: NewEvent,
    webhook: Webhook,
    now: Millis,
    lease_ms: Millis,
) -> Result<Claimed, StoreError> {
    db.write(move |conn, _| {
        conn.execute(
            "INSERT INTO events (shop_id, id, type, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![event.shop, event.id, event.kind, event.body, now],
        )?;
        let id = new_id("msg");
        conn.execute(
            "INSERT INTO deliveries (id, shop_id, webhook_id, event_id, event_type, status, next_attempt_at, lease, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, 1, ?7, ?7)",
            params![id, event.shop, webhook.id, event.id, event.kind, now + lease_ms, now],
        )?;
        Ok(Claimed {
            id,
            lease: 1,
            attempts: 0,
            done_requests: Vec::new(),
            webhook,
            event: StoredEvent {
                id: event.id,
                kind: event.kind,
                body: event.body,
            },
        })
    })
    .await
}
