//! Abandonment timers (the rule: `crate::domain::abandonment`): one per (shop,
//! checkout), `pending` until cancelled or fired. Due times are indexed for
//! pending timers only, so waiting timers cost nothing and the next due one is
//! one index read.

use rusqlite::{Connection, params};

use super::{Sqlite, StoreError, events};
use crate::clock::Millis;
use crate::domain::abandonment::{Fired, TimerEffect, abandoned_event};

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

fn fire_due(conn: &Connection, now: Millis, limit: usize) -> Result<Fired, StoreError> {
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
        let event = abandoned_event(&shop, &checkout, due_at, &body);
        let ingested = events::insert(conn, &event, now)?;
        fired.fired += 1;
        fired.deliveries += ingested.deliveries.len();
    }
    Ok(fired)
}

pub(super) async fn fire(db: &Sqlite, now: Millis, limit: usize) -> Result<Fired, StoreError> {
    db.write(move |conn, _| fire_due(conn, now, limit)).await
}

pub(super) async fn next(db: &Sqlite) -> Result<Option<Millis>, StoreError> {
    db.scalar("SELECT min(due_at) FROM timers WHERE status = 'pending'")
        .await
}

pub(super) async fn pending(db: &Sqlite) -> Result<u64, StoreError> {
    db.scalar("SELECT count(*) FROM timers WHERE status = 'pending'")
        .await
}
