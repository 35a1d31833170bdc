//! Abandonment timers (see `crate::abandonment`): one per (shop, checkout),
//! `pending` until cancelled or fired. Due times are indexed for pending timers
//! only, so waiting timers cost nothing and the next due one is one index read.

use rusqlite::{Connection, params};
use serde_json::{Value, json};

use super::events::{NewEvent, insert};
use super::{Store, StoreError};
use crate::abandonment::TimerEffect;
use crate::clock::{Millis, rfc3339};

/// What one round of firing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    /// Timers fired (each emitted one `checkout.abandoned`).
    pub fired: usize,
    /// Deliveries those events created.
    pub deliveries: usize,
}

/// Applies an incoming event's effect to its checkout's timer, inside ingest's
/// transaction.
pub(super) fn apply(
    conn: &Connection,
    shop: &str,
    effect: &TimerEffect,
    body: &str,
    now: Millis,
) -> Result<(), StoreError> {
    match effect {
        TimerEffect::Start {
            checkout,
            created_at,
        } => {
            let window: Millis = conn.query_row(
                "SELECT abandonment_window_ms FROM shops WHERE id = ?1",
                [shop],
                |row| row.get(0),
            )?;
            // A later start updates the data of a pending timer, never its deadline.
            conn.prepare_cached(
                "INSERT INTO timers (shop_id, checkout_id, due_at, status, body, updated_at)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?5)
                 ON CONFLICT (shop_id, checkout_id) DO UPDATE
                 SET body = excluded.body, updated_at = excluded.updated_at
                 WHERE timers.status = 'pending'",
            )?
            .execute(params![shop, checkout, created_at + window, body, now])?;
        }
        TimerEffect::Cancel {
            checkout,
            before_deadline_only,
        } => {
            let until = if *before_deadline_only {
                now
            } else {
                Millis::MIN
            };
            conn.prepare_cached(
                "UPDATE timers SET status = 'cancelled', updated_at = ?3
                 WHERE shop_id = ?1 AND checkout_id = ?2 AND status = 'pending' AND due_at > ?4",
            )?
            .execute(params![shop, checkout, now, until])?;
        }
    }
    Ok(())
}

/// The `checkout.abandoned` event a timer emits: the latest checkout data Kait has.
fn abandoned(shop: &str, checkout: &str, due: Millis, started: &str) -> NewEvent {
    let started: Value = serde_json::from_str(started).unwrap_or_default();
    let event = json!({
        "id": format!("evt_abandoned_{checkout}"),
        "type": "checkout.abandoned",
        "shop": shop,
        "occurred_at": rfc3339(due),
        "data": started["data"],
    });
    NewEvent {
        shop: shop.to_string(),
        id: format!("evt_abandoned_{checkout}"),
        kind: "checkout.abandoned".to_string(),
        body: event.to_string(),
        timer: None,
    }
}

fn fire(conn: &Connection, now: Millis, limit: usize) -> Result<Fired, StoreError> {
    let due: Vec<(String, String, Millis, String)> = conn
        .prepare_cached(
            "SELECT shop_id, checkout_id, due_at, body FROM timers
             WHERE status = 'pending' AND due_at <= ?1 ORDER BY due_at LIMIT ?2",
        )?
        .query_map(params![now, limit as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut done = conn.prepare_cached(
        "UPDATE timers SET status = 'fired', updated_at = ?3 WHERE shop_id = ?1 AND checkout_id = ?2",
    )?;
    let mut fired = Fired::default();
    for (shop, checkout, due_at, body) in due {
        done.execute(params![shop, checkout, now])?;
        let ingested = insert(conn, &abandoned(&shop, &checkout, due_at, &body), now)?;
        fired.fired += 1;
        fired.deliveries += ingested.deliveries.len();
    }
    Ok(fired)
}

impl Store {
    /// Fires up to `limit` timers due by `now`: each is marked fired and its
    /// `checkout.abandoned` stored with its deliveries, in one transaction.
    pub async fn fire_timers(&self, now: Millis, limit: usize) -> Result<Fired, StoreError> {
        self.write(move |conn| fire(conn, now, limit)).await
    }

    /// When the next pending timer falls due.
    pub async fn next_timer(&self) -> Result<Option<Millis>, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT min(due_at) FROM timers WHERE status = 'pending'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }

    /// Pending timers (for metrics and the load command).
    pub async fn pending_timers(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM timers WHERE status = 'pending'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }
}
