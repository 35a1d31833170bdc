//! Abandonment timers (the rule: `crate::domain::abandonment`): one per (shop,
//! checkout), `pending` until cancelled or fired. A host fires a due timer by
//! locking its row (`FOR UPDATE SKIP LOCKED`), marking it fired and storing its
//! `checkout.abandoned` in one transaction: across hosts each timer fires once,
//! and a host that dies mid-way leaves the row pending for another.

use deadpool_postgres::GenericClient;

use super::{Postgres, StoreError, events, execute, maybe, rows};
use crate::clock::Millis;
use crate::domain::abandonment::{Fired, TimerEffect, abandoned_event};

/// Applies an incoming event's effect to its checkout's timer, inside ingest's
/// transaction.
pub(super) async fn apply<C: GenericClient>(
    client: &C,
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
            let window: i64 = maybe(
                client,
                "SELECT abandonment_window_ms FROM shops WHERE id = $1",
                &[&shop],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("shop {shop} is not stored")))?
            .try_get(0)?;
            // A later start updates the data of a pending timer, never its deadline.
            execute(
                client,
                "INSERT INTO timers (shop_id, checkout_id, due_at, status, body, updated_at)
                 VALUES ($1, $2, $3, 'pending', $4, $5)
                 ON CONFLICT (shop_id, checkout_id) DO UPDATE
                 SET body = excluded.body, updated_at = excluded.updated_at
                 WHERE timers.status = 'pending'",
                &[&shop, checkout, &(created_at + window), &body, &now],
            )
            .await?;
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
            execute(
                client,
                "UPDATE timers SET status = 'cancelled', updated_at = $3
                 WHERE shop_id = $1 AND checkout_id = $2 AND status = 'pending' AND due_at > $4",
                &[&shop, checkout, &now, &until],
            )
            .await?;
        }
    }
    Ok(())
}

pub(super) async fn fire(db: &Postgres, now: Millis, limit: usize) -> Result<Fired, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let due = rows(
        &tx,
        "SELECT shop_id, checkout_id, due_at, body FROM timers
         WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at LIMIT $2
         FOR UPDATE SKIP LOCKED",
        &[&now, &(limit as i64)],
    )
    .await?;
    let mut fired = Fired::default();
    for row in due {
        let (shop, checkout, due_at, body): (String, String, Millis, String) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        );
        execute(
            &tx,
            "UPDATE timers SET status = 'fired', updated_at = $3 WHERE shop_id = $1 AND checkout_id = $2",
            &[&shop, &checkout, &now],
        )
        .await?;
        let event = abandoned_event(&shop, &checkout, due_at, &body);
        let ingested = events::insert(&tx, &event, now).await?;
        fired.fired += 1;
        fired.deliveries += ingested.deliveries.len();
    }
    tx.commit().await?;
    Ok(fired)
}

pub(super) async fn next(db: &Postgres) -> Result<Option<Millis>, StoreError> {
    db.scalar("SELECT min(due_at) FROM timers WHERE status = 'pending'")
        .await
}

pub(super) async fn pending(db: &Postgres) -> Result<u64, StoreError> {
    let count: i64 = db
        .scalar("SELECT count(*) FROM timers WHERE status = 'pending'")
        .await?;
    Ok(count as u64)
}
