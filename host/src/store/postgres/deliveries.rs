//! Deliveries and their attempts: the job queue and the delivery log in one.
//!
//! A delivery is `pending` until it succeeds, is skipped by its plugin, or runs out
//! of retries (`dead`); while its webhook is paused or disabled it is `held`.
//! Claiming takes due rows with `FOR UPDATE SKIP LOCKED`, pushes
//! `next_attempt_at` out by the lease and bumps `lease`: two hosts never claim
//! the same row, a host that dies lets the lease run out, and a late answer from
//! a host whose lease was taken over is ignored. `done_requests` (a JSON array
//! of positions) records which requests of a fan-out have had a 2xx, written
//! with the attempt.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{
    Postgres, StoreError, corrupt, execute, maybe, one as one_row, retrying, rows, storable,
    webhooks,
};
use crate::clock::Millis;
use crate::domain::{
    Attempt, AttemptRecord, Attempted, Claimed, Delivery, DeliveryPage, DeliveryStatus, NewEvent,
    Next, StoredEvent, Webhook, WebhookEffect, WebhookStatus, json_text, new_id,
};
use crate::store::sealing::Cipher;

const COLUMNS: &str = "id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, \
                       last_error, created_at, updated_at";

fn delivery(row: &Row) -> Result<Delivery, StoreError> {
    let status: DeliveryStatus = row.try_get(4)?;
    let next: Option<Millis> = row.try_get(6)?;
    Ok(Delivery {
        id: row.try_get(0)?,
        webhook_id: row.try_get(1)?,
        event_id: row.try_get(2)?,
        event_type: row.try_get(3)?,
        status,
        attempts: row.try_get::<_, i32>(5)? as u32,
        next_attempt_at: next.filter(|_| status == DeliveryStatus::Pending),
        last_error: row.try_get(7)?,
        created_at: row.try_get(8)?,
        updated_at: row.try_get(9)?,
        attempt_log: None,
    })
}

async fn attempts<C: GenericClient>(
    client: &C,
    delivery: &str,
) -> Result<Vec<Attempt>, StoreError> {
    rows(
        client,
        "SELECT n, at, duration_ms, outcome, error_kind, error, plugin, logs, requests
         FROM attempts WHERE delivery_id = $1 ORDER BY n",
        &[&delivery],
    )
    .await?
    .iter()
    .map(|row| {
        Ok(Attempt {
            n: row.try_get::<_, i32>(0)? as u32,
            attempted: Attempted {
                at: row.try_get(1)?,
                duration_ms: row.try_get::<_, i64>(2)? as u64,
                outcome: row.try_get(3)?,
                error_kind: row.try_get(4)?,
                error: row.try_get(5)?,
                plugin: row.try_get(6)?,
                logs: json_text(row.try_get(7)?),
                requests: json_text(row.try_get(8)?),
            },
        })
    })
    .collect()
}

async fn get<C: GenericClient>(
    client: &C,
    shop: &str,
    id: &str,
) -> Result<Option<Delivery>, StoreError> {
    let found = maybe(
        client,
        &format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1 AND shop_id = $2"),
        &[&id, &shop],
    )
    .await?;
    let Some(row) = found else {
        return Ok(None);
    };
    let mut delivery = delivery(&row)?;
    delivery.attempt_log = Some(attempts(client, id).await?);
    Ok(Some(delivery))
}

async fn record<C: GenericClient>(client: &C, record: &AttemptRecord) -> Result<bool, StoreError> {
    let (r, a) = (record, &record.attempted);
    if matches!(
        r.webhook,
        WebhookEffect::Failed(_) | WebhookEffect::Disable(_)
    ) {
        // The webhook's row before the delivery's, as pausing takes them.
        execute(
            client,
            "SELECT 1 FROM webhooks WHERE id = (SELECT webhook_id FROM deliveries WHERE id = $1)
             FOR NO KEY UPDATE",
            &[&r.delivery],
        )
        .await?;
    }
    let error = storable(a.error.as_deref());
    let found = maybe(
        client,
        "SELECT w.id, w.status, d.attempts FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.id = $1 AND d.lease = $2 FOR UPDATE OF d",
        &[&r.delivery, &r.lease],
    )
    .await?;
    let Some(found) = found else {
        return Ok(false);
    };
    let webhook: String = found.try_get(0)?;
    let active = found.try_get::<_, WebhookStatus>(1)? == WebhookStatus::Active;
    let n = found.try_get::<_, i32>(2)? + 1;
    let (status, next_at) = match r.next {
        Next::Done(status) => (status, None),
        Next::RetryAt(at) if active => (DeliveryStatus::Pending, Some(at)),
        Next::RetryAt(at) => (DeliveryStatus::Held, Some(at)),
        Next::Dead => (DeliveryStatus::Dead, None),
    };
    execute(
        client,
        "UPDATE deliveries SET status = $2, attempts = $3, next_attempt_at = $4,
             last_error = $5, updated_at = $6, done_requests = $7
         WHERE id = $1",
        &[
            &r.delivery,
            &status,
            &n,
            &next_at,
            &error,
            &(a.at + a.duration_ms as i64),
            &serde_json::to_string(&r.done_requests).unwrap_or_else(|_| "[]".into()),
        ],
    )
    .await?;
    execute(
        client,
        "INSERT INTO attempts (delivery_id, n, at, duration_ms, outcome, error_kind, error, plugin, logs, requests)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &r.delivery,
            &n,
            &a.at,
            &(a.duration_ms as i64),
            &a.outcome,
            &a.error_kind,
            &error,
            &a.plugin,
            &a.logs.get(),
            &a.requests.get(),
        ],
    )
    .await?;
    match &r.webhook {
        WebhookEffect::None => {}
        WebhookEffect::Succeeded => {
            execute(
                client,
                "UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
                &[&webhook],
            )
            .await?;
        }
        WebhookEffect::Failed(rule) => {
            let since: Millis = one_row(
                client,
                "UPDATE webhooks SET failing_since = COALESCE(failing_since, $2) WHERE id = $1
                 RETURNING failing_since",
                &[&webhook, &a.at],
            )
            .await?
            .try_get(0)?;
            if active && let Some(reason) = rule.reason(since, a.at) {
                webhooks::set_status(
                    client,
                    &webhook,
                    WebhookStatus::Disabled,
                    Some(&reason),
                    a.at,
                )
                .await?;
            }
        }
        WebhookEffect::Disable(reason) => {
            webhooks::set_status(
                client,
                &webhook,
                WebhookStatus::Disabled,
                Some(reason),
                a.at,
            )
            .await?;
        }
    }
    Ok(true)
}

async fn claim<C: GenericClient>(
    client: &C,
    cipher: &Cipher,
    now: Millis,
    lease_ms: Millis,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let taken = rows(
        client,
        "UPDATE deliveries d SET next_attempt_at = $1, lease = d.lease + 1
         FROM (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $2
               ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
         WHERE d.id = due.id
         RETURNING d.id, d.shop_id, d.webhook_id, d.event_id, d.lease, d.attempts,
                   d.done_requests",
        &[&(now + lease_ms), &now, &(limit as i64)],
    )
    .await?;
    let mut hooks: HashMap<String, Webhook> = HashMap::new();
    let mut claimed = Vec::with_capacity(taken.len());
    for row in taken {
        let (id, shop, webhook, event_id): (String, String, String, String) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        );
        if !hooks.contains_key(&webhook) {
            let Some(found) = webhooks::get(client, cipher, &shop, &webhook).await? else {
                continue;
            };
            hooks.insert(webhook.clone(), found);
        }
        let Some(event) = super::events::get(client, &shop, &event_id).await? else {
            return Err(StoreError::Corrupt(format!(
                "delivery {id} names event {event_id}, which is not stored"
            )));
        };
        claimed.push(Claimed {
            id,
            lease: row.try_get(4)?,
            attempts: row.try_get::<_, i32>(5)? as u32,
            done_requests: serde_json::from_str(row.try_get::<_, &str>(6)?).map_err(corrupt)?,
            webhook: hooks[&webhook].clone(),
            event,
        });
    }
    Ok(claimed)
}

pub(super) async fn claim_due(
    db: &Postgres,
    now: Millis,
    lease_ms: Millis,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let claimed = claim(&tx, &db.cipher, now, lease_ms, limit).await?;
    tx.commit().await?;
    Ok(claimed)
}

pub(super) async fn record_attempt(
    db: &Postgres,
    attempt: AttemptRecord,
) -> Result<bool, StoreError> {
    retrying(|| async {
        let mut client = db.client().await?;
        let tx = client.transaction().await?;
        let kept = record(&tx, &attempt).await?;
        tx.commit().await?;
        Ok(kept)
    })
    .await
}

pub(super) async fn next_due(db: &Postgres) -> Result<Option<Millis>, StoreError> {
    db.scalar("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'")
        .await
}

pub(super) async fn queue_depth(db: &Postgres) -> Result<u64, StoreError> {
    let count: i64 = db
        .scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        .await?;
    Ok(count as u64)
}

pub(super) async fn one(
    db: &Postgres,
    shop: &str,
    id: &str,
) -> Result<Option<Delivery>, StoreError> {
    let mut client = db.client().await?;
    // One snapshot for the delivery and its attempts.
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let found = get(&tx, shop, id).await?;
    tx.commit().await?;
    Ok(found)
}

pub(super) async fn page(
    db: &Postgres,
    webhook: &str,
    page: DeliveryPage,
) -> Result<(Vec<Delivery>, Option<String>), StoreError> {
    let client = db.client().await?;
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
    let status = page.status;
    let mut found = rows(
        &client,
        &format!(
            "SELECT {COLUMNS} FROM deliveries
             WHERE webhook_id = $1 AND ($2::TEXT IS NULL OR status = $2)
               AND (created_at < $3 OR (created_at = $3 AND ($4 = '' OR id < $4)))
             ORDER BY created_at DESC, id DESC LIMIT $5"
        ),
        &[
            &webhook,
            &status,
            &before_at,
            &before_id,
            &(limit as i64 + 1),
        ],
    )
    .await?
    .iter()
    .map(delivery)
    .collect::<Result<Vec<_>, _>>()?;
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(|d| format!("{}_{}", d.created_at, d.id))
    } else {
        None
    };
    Ok((found, next))
}

pub(super) async fn retry(
    db: &Postgres,
    shop: &str,
    id: &str,
    now: Millis,
) -> Result<Option<Delivery>, StoreError> {
    retrying(|| retry_once(db, shop, id, now)).await
}

async fn retry_once(
    db: &Postgres,
    shop: &str,
    id: &str,
    now: Millis,
) -> Result<Option<Delivery>, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    execute(
        &tx,
        "UPDATE deliveries SET next_attempt_at = $3, updated_at = $3, lease = lease + 1,
             done_requests = CASE status WHEN 'succeeded' THEN '[]' ELSE done_requests END,
             status = CASE (SELECT status FROM webhooks WHERE id = deliveries.webhook_id)
                      WHEN 'active' THEN 'pending' ELSE 'held' END
         WHERE id = $1 AND shop_id = $2",
        &[&id, &shop, &now],
    )
    .await?;
    let found = get(&tx, shop, id).await?;
    tx.commit().await?;
    Ok(found)
}

pub(super) async fn claim_single(
    db: &Postgres,
    event: NewEvent,
    webhook: Webhook,
    now: Millis,
    lease_ms: Millis,
) -> Result<Claimed, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    execute(
        &tx,
        "INSERT INTO events (shop_id, id, type, body, received_at) VALUES ($1, $2, $3, $4, $5)",
        &[&event.shop, &event.id, &event.kind, &event.body, &now],
    )
    .await?;
    let id = new_id("msg");
    execute(
        &tx,
        "INSERT INTO deliveries (id, shop_id, webhook_id, event_id, event_type, status, next_attempt_at, lease, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, 1, $7, $7)",
        &[&id, &event.shop, &webhook.id, &event.id, &event.kind, &(now + lease_ms), &now],
    )
    .await?;
    tx.commit().await?;
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
}
