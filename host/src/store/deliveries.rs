//! Deliveries and their attempts: the job queue and the delivery log in one.
//!
//! A delivery is `pending` until it succeeds, is skipped by its plugin, or runs out
//! of retries (`dead`); while its webhook is paused or disabled it is `held`.
//! Claiming pushes `next_attempt_at` out by the lease and bumps `lease`: a worker
//! that dies simply lets the lease run out, and a late answer from a worker whose
//! lease was taken over is ignored.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::webhooks::{self, WebhookRow, WebhookStatus};
use super::{Store, StoreError, StoredEvent};
use crate::clock::{Millis, rfc3339};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Waiting for its webhook to be resumed.
    Held,
    /// Every request was answered with 2xx.
    Succeeded,
    /// The plugin chose to send nothing.
    Skipped,
    /// Out of retries; can be retried by hand.
    Dead,
}

super::text::text_enum!(DeliveryStatus {
    Pending => "pending",
    Held => "held",
    Succeeded => "succeeded",
    Skipped => "skipped",
    Dead => "dead",
});

/// One attempt at a delivery, as the delivery log shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub n: u32,
    /// When it started (RFC 3339).
    pub at: String,
    /// How long it took, plugin and requests together.
    pub duration_ms: u64,
    /// `succeeded`, `failed` or `skipped`.
    pub outcome: String,
    /// What kind of failure, e.g. `http_status`, `timeout`, `connect`, `plugin_error`.
    pub error_kind: Option<String>,
    /// The failure, in words.
    pub error: Option<String>,
    /// The plugin version that produced the requests (`name@<version>`).
    pub plugin: String,
    /// The plugin's log lines.
    #[schema(value_type = Vec<Object>)]
    pub logs: serde_json::Value,
    /// Each request as sent (secrets redacted) with its response.
    #[schema(value_type = Vec<Object>)]
    pub requests: serde_json::Value,
}

/// A delivery of one event to one webhook.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// `msg_…`, also the `webhook-id` header, stable across retries.
    pub id: String,
    /// The webhook.
    pub webhook_id: String,
    /// The event.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due, if one is.
    pub next_attempt_at: Option<String>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Created at (RFC 3339).
    pub created_at: String,
    /// Last changed at (RFC 3339).
    pub updated_at: String,
    /// Every attempt, oldest first (only when one delivery is fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_log: Option<Vec<Attempt>>,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// At most this many (default 50, at most 250).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A delivery claimed by a worker, with what it needs to attempt it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery's id.
    pub id: String,
    /// The claim's token; the answer must carry it.
    pub lease: i64,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The webhook, as it is now.
    pub webhook: WebhookRow,
    /// The event.
    pub event: StoredEvent,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Finished: `Succeeded` or `Skipped`.
    Done(DeliveryStatus),
    /// Try again at this time.
    RetryAt(Millis),
    /// Out of retries.
    Dead,
}

/// What an attempt means for its webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEffect {
    /// Nothing (a skip).
    None,
    /// It worked: the webhook is not failing.
    Succeeded,
    /// It failed: disable the webhook once it has failed for `disable_after` ms.
    Failed {
        /// How long failing is tolerated.
        disable_after: Millis,
    },
    /// Disable the webhook now, for this reason (410 Gone).
    Disable(String),
}

/// An attempt to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery: String,
    /// The claim's token.
    pub lease: i64,
    /// When it started.
    pub at: Millis,
    /// How long it took.
    pub duration_ms: u64,
    /// `succeeded`, `failed` or `skipped`.
    pub outcome: &'static str,
    /// What kind of failure.
    pub error_kind: Option<String>,
    /// The failure, in words.
    pub error: Option<String>,
    /// The plugin version.
    pub plugin: String,
    /// Log lines (JSON array).
    pub logs: String,
    /// Requests and responses (JSON array).
    pub requests: String,
    /// What next.
    pub next: Next,
    /// What it means for the webhook.
    pub webhook: WebhookEffect,
}

const COLUMNS: &str = "id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, \
                       last_error, created_at, updated_at";

fn delivery(row: &Row) -> rusqlite::Result<(Delivery, Millis)> {
    let status: DeliveryStatus = row.get(4)?;
    let next: Option<Millis> = row.get(6)?;
    let created: Millis = row.get(8)?;
    Ok((
        Delivery {
            id: row.get(0)?,
            webhook_id: row.get(1)?,
            event_id: row.get(2)?,
            event_type: row.get(3)?,
            status,
            attempts: row.get(5)?,
            next_attempt_at: next
                .filter(|_| status == DeliveryStatus::Pending)
                .map(rfc3339),
            last_error: row.get(7)?,
            created_at: rfc3339(created),
            updated_at: rfc3339(row.get(9)?),
            attempt_log: None,
        },
        created,
    ))
}

fn attempts(conn: &Connection, delivery: &str) -> Result<Vec<Attempt>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT n, at, duration_ms, outcome, error_kind, error, plugin, logs, requests
         FROM attempts WHERE delivery_id = ?1 ORDER BY n",
    )?;
    let rows = stmt.query_map([delivery], |row| {
        let json = |i| -> rusqlite::Result<serde_json::Value> {
            Ok(serde_json::from_str(&row.get::<_, String>(i)?).unwrap_or_default())
        };
        Ok(Attempt {
            n: row.get(0)?,
            at: rfc3339(row.get(1)?),
            duration_ms: row.get(2)?,
            outcome: row.get(3)?,
            error_kind: row.get(4)?,
            error: row.get(5)?,
            plugin: row.get(6)?,
            logs: json(7)?,
            requests: json(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn get(conn: &Connection, shop: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
    let Some(row) = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1 AND shop_id = ?2"),
            [id, shop],
            delivery,
        )
        .optional()?
    else {
        return Ok(None);
    };
    let (mut delivery, _) = row;
    delivery.attempt_log = Some(attempts(conn, id)?);
    Ok(Some(delivery))
}

fn record(conn: &Connection, r: &AttemptRecord) -> Result<bool, StoreError> {
    let webhook: Option<(String, String)> = conn
        .query_row(
            "SELECT w.id, w.status FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.id = ?1 AND d.lease = ?2",
            params![r.delivery, r.lease],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((webhook, webhook_status)) = webhook else {
        return Ok(false);
    };
    let (status, next_at) = match r.next {
        Next::Done(status) => (status, None),
        Next::RetryAt(at) if webhook_status == "active" => (DeliveryStatus::Pending, Some(at)),
        Next::RetryAt(at) => (DeliveryStatus::Held, Some(at)),
        Next::Dead => (DeliveryStatus::Dead, None),
    };
    conn.prepare_cached(
        "UPDATE deliveries SET status = ?3, attempts = attempts + 1, next_attempt_at = ?4,
             last_error = ?5, updated_at = ?6
         WHERE id = ?1 AND lease = ?2",
    )?
    .execute(params![
        r.delivery,
        r.lease,
        status.as_str(),
        next_at,
        r.error,
        r.at + r.duration_ms as i64
    ])?;
    conn.prepare_cached(
        "INSERT INTO attempts (delivery_id, n, at, duration_ms, outcome, error_kind, error, plugin, logs, requests)
         VALUES (?1, (SELECT attempts FROM deliveries WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        r.delivery,
        r.at,
        r.duration_ms,
        r.outcome,
        r.error_kind,
        r.error,
        r.plugin,
        r.logs,
        r.requests
    ])?;
    match &r.webhook {
        WebhookEffect::None => {}
        WebhookEffect::Succeeded => {
            conn.prepare_cached(
                "UPDATE webhooks SET failing_since = NULL WHERE id = ?1 AND failing_since IS NOT NULL",
            )?
            .execute([&webhook])?;
        }
        WebhookEffect::Failed { disable_after } => {
            conn.prepare_cached(
                "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?2) WHERE id = ?1",
            )?
            .execute(params![webhook, r.at])?;
            let since: Millis = conn.query_row(
                "SELECT failing_since FROM webhooks WHERE id = ?1",
                [&webhook],
                |row| row.get(0),
            )?;
            if webhook_status == "active" && r.at - since >= *disable_after {
                let reason = format!(
                    "every attempt has failed since {}; fix the destination and resume the webhook",
                    rfc3339(since)
                );
                webhooks::set_status(conn, &webhook, WebhookStatus::Disabled, Some(&reason), r.at)?;
            }
        }
        WebhookEffect::Disable(reason) => {
            webhooks::set_status(conn, &webhook, WebhookStatus::Disabled, Some(reason), r.at)?;
        }
    }
    Ok(true)
}

fn claim(
    conn: &Connection,
    now: Millis,
    lease_ms: Millis,
    limit: usize,
) -> Result<Vec<Claimed>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE deliveries SET next_attempt_at = ?1, lease = lease + 1
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?2
                      ORDER BY next_attempt_at LIMIT ?3)
         RETURNING id, shop_id, webhook_id, event_id, lease, attempts",
    )?;
    let rows: Vec<(String, String, String, String, i64, u32)> = stmt
        .query_map(params![now + lease_ms, now, limit as i64], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut hooks: HashMap<String, WebhookRow> = HashMap::new();
    let mut event =
        conn.prepare_cached("SELECT id, type, body FROM events WHERE shop_id = ?1 AND id = ?2")?;
    let mut claimed = Vec::with_capacity(rows.len());
    for (id, shop, webhook, event_id, lease, attempts) in rows {
        if !hooks.contains_key(&webhook) {
            let Some(row) = webhooks::get(conn, &shop, &webhook)? else {
                continue;
            };
            hooks.insert(webhook.clone(), row);
        }
        let event = event.query_row([&shop, &event_id], |row| {
            Ok(StoredEvent {
                id: row.get(0)?,
                kind: row.get(1)?,
                body: row.get(2)?,
            })
        })?;
        claimed.push(Claimed {
            id,
            lease,
            attempts,
            webhook: hooks[&webhook].clone(),
            event,
        });
    }
    Ok(claimed)
}

impl Store {
    /// Claims up to `limit` due deliveries for `lease_ms`.
    pub async fn claim(
        &self,
        now: Millis,
        lease_ms: Millis,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        self.write(move |conn| claim(conn, now, lease_ms, limit))
            .await
    }

    /// Records an attempt and its consequences; `false` if the claim was lost
    /// (the lease ran out and another worker took over, or the webhook was deleted).
    pub async fn record(&self, attempt: AttemptRecord) -> Result<bool, StoreError> {
        self.write(move |conn| record(conn, &attempt)).await
    }

    /// The earliest time a pending delivery falls due.
    pub async fn next_due(&self) -> Result<Option<Millis>, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }

    /// Deliveries waiting for an attempt.
    pub async fn queue_depth(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM deliveries WHERE status = 'pending'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }

    /// One delivery of `shop`, with its attempts.
    pub async fn delivery(&self, shop: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
        let (shop, id) = (shop.to_string(), id.to_string());
        self.read(move |conn| get(conn, &shop, &id)).await
    }

    /// A webhook's deliveries, newest first, one page at a time; returns the page
    /// and the cursor of the next one.
    pub async fn deliveries(
        &self,
        webhook: &str,
        filter: DeliveryFilter,
    ) -> Result<(Vec<Delivery>, Option<String>), StoreError> {
        let webhook = webhook.to_string();
        self.read(move |conn| {
            let limit = filter.limit.unwrap_or(50).clamp(1, 250);
            let (before_at, before_id) = filter
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
            let status = filter.status.map(DeliveryStatus::as_str);
            let rows = stmt.query_map(
                params![webhook, status, before_at, before_id, limit as i64 + 1],
                delivery,
            )?;
            let mut page = Vec::new();
            for row in rows {
                page.push(row?);
            }
            let next = if page.len() > limit {
                page.truncate(limit);
                page.last()
                    .map(|(d, created)| format!("{created}_{}", d.id))
            } else {
                None
            };
            Ok((page.into_iter().map(|(d, _)| d).collect(), next))
        })
        .await
    }

    /// Makes a delivery due now (again), whatever its state; `None` if there is no
    /// such delivery. A delivery of a paused webhook is held until it resumes.
    pub async fn retry(
        &self,
        shop: &str,
        id: &str,
        now: Millis,
    ) -> Result<Option<Delivery>, StoreError> {
        let (shop, id) = (shop.to_string(), id.to_string());
        self.write(move |conn| {
            conn.execute(
                "UPDATE deliveries SET next_attempt_at = ?3, updated_at = ?3, lease = lease + 1,
                     status = CASE (SELECT status FROM webhooks WHERE id = deliveries.webhook_id)
                              WHEN 'active' THEN 'pending' ELSE 'held' END
                 WHERE id = ?1 AND shop_id = ?2",
                params![id, shop, now],
            )?;
            get(conn, &shop, &id)
        })
        .await
    }
}

impl Store {
    /// Stores `event` with one delivery to `webhook` only, already claimed for
    /// `lease_ms`, so the caller can attempt it at once (a webhook test).
    pub async fn claim_single(
        &self,
        event: super::NewEvent,
        webhook: WebhookRow,
        now: Millis,
        lease_ms: Millis,
    ) -> Result<Claimed, StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO events (shop_id, id, type, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![event.shop, event.id, event.kind, event.body, now],
            )?;
            let id = super::new_id("msg");
            conn.execute(
                "INSERT INTO deliveries (id, shop_id, webhook_id, event_id, event_type, status, next_attempt_at, lease, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, 1, ?7, ?7)",
                params![id, event.shop, webhook.id, event.id, event.kind, now + lease_ms, now],
            )?;
            Ok(Claimed {
                id,
                lease: 1,
                attempts: 0,
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
}
