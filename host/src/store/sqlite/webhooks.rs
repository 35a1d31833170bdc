//! Webhooks: what a shop subscribed, to which plugin, with which configuration.
//! The configuration and the signing secrets (the current one, and the one a
//! rotation replaced) are sealed before they are written.
//! Pausing holds the webhook's waiting deliveries; resuming releases them.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Sqlite, StoreError, corrupt};
use crate::clock::Millis;
use crate::domain::{EventTypes, PluginRef, PreviousSecret, Webhook, WebhookName, WebhookStatus};
use crate::store::sealing::Cipher;

const COLUMNS: &str = "id, shop_id, name, status, disabled_reason, events, plugin, config, \
                       signing_secret, failing_since, created_at, updated_at, previous_secret, \
                       previous_secret_until";

/// A row as read: text still to be checked, secrets still sealed.
struct Raw {
    id: String,
    shop_id: String,
    name: String,
    status: WebhookStatus,
    disabled_reason: Option<String>,
    events: String,
    plugin: String,
    config: String,
    signing_secret: String,
    failing_since: Option<Millis>,
    created_at: Millis,
    updated_at: Millis,
    previous_secret: Option<String>,
    previous_secret_until: Option<Millis>,
}

fn raw(row: &Row) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        shop_id: row.get(1)?,
        name: row.get(2)?,
        status: row.get(3)?,
        disabled_reason: row.get(4)?,
        events: row.get(5)?,
        plugin: row.get(6)?,
        config: row.get(7)?,
        signing_secret: row.get(8)?,
        failing_since: row.get(9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
        previous_secret: row.get(12)?,
        previous_secret_until: row.get(13)?,
    })
}

fn webhook(raw: Raw, cipher: &Cipher) -> Result<Webhook, StoreError> {
    let events: Vec<String> = serde_json::from_str(&raw.events).map_err(corrupt)?;
    Ok(Webhook {
        name: WebhookName::parse(&raw.name).map_err(corrupt)?,
        events: EventTypes::parse(Some(events)).map_err(corrupt)?,
        plugin: PluginRef::parse(&raw.plugin).map_err(corrupt)?,
        config: cipher.open(&raw.config)?,
        signing_secret: cipher.open(&raw.signing_secret)?,
        previous_secret: match (raw.previous_secret, raw.previous_secret_until) {
            (Some(sealed), Some(until)) => Some(PreviousSecret {
                secret: cipher.open(&sealed)?,
                until,
            }),
            _ => None,
        },
        id: raw.id,
        shop_id: raw.shop_id,
        status: raw.status,
        disabled_reason: raw.disabled_reason,
        failing_since: raw.failing_since,
        created_at: raw.created_at,
        updated_at: raw.updated_at,
    })
}

fn events_text(events: &EventTypes) -> String {
    serde_json::to_string(events.as_slice()).unwrap_or_default()
}

pub(super) fn get(
    conn: &Connection,
    cipher: &Cipher,
    shop: &str,
    id: &str,
) -> Result<Option<Webhook>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE id = ?1 AND shop_id = ?2"
    ))?
    .query_row([id, shop], raw)
    .optional()?
    .map(|raw| webhook(raw, cipher))
    .transpose()
}

/// Sets a webhook's status. Leaving `active` holds its waiting deliveries;
/// returning to it releases them, due now.
pub(super) fn set_status(
    conn: &Connection,
    id: &str,
    status: WebhookStatus,
    reason: Option<&str>,
    now: Millis,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE webhooks SET status = ?2, disabled_reason = ?3, updated_at = ?4,
             failing_since = CASE WHEN ?2 = 'active' THEN NULL ELSE failing_since END
         WHERE id = ?1",
        params![id, status, reason, now],
    )?;
    if status == WebhookStatus::Active {
        conn.execute(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, updated_at = ?2
             WHERE webhook_id = ?1 AND status = 'held'",
            params![id, now],
        )?;
    } else {
        conn.execute(
            "UPDATE deliveries SET status = 'held', updated_at = ?2
             WHERE webhook_id = ?1 AND status = 'pending'",
            params![id, now],
        )?;
    }
    Ok(())
}

pub(super) async fn create(db: &Sqlite, webhook: Webhook) -> Result<Webhook, StoreError> {
    db.write(move |conn, cipher| {
        conn.execute(
            &format!(
                "INSERT INTO webhooks ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ),
            params![
                webhook.id,
                webhook.shop_id,
                webhook.name.as_str(),
                webhook.status,
                webhook.disabled_reason,
                events_text(&webhook.events),
                webhook.plugin.to_string(),
                cipher.seal(&webhook.config),
                cipher.seal(&webhook.signing_secret),
                webhook.failing_since,
                webhook.created_at,
                webhook.updated_at,
                webhook
                    .previous_secret
                    .as_ref()
                    .map(|p| cipher.seal(&p.secret)),
                webhook.previous_secret.as_ref().map(|p| p.until),
            ],
        )?;
        Ok(webhook)
    })
    .await
}

pub(super) async fn one(db: &Sqlite, shop: &str, id: &str) -> Result<Option<Webhook>, StoreError> {
    let (shop, id) = (shop.to_string(), id.to_string());
    db.read(move |conn, cipher| get(conn, cipher, &shop, &id))
        .await
}

pub(super) async fn list(db: &Sqlite, shop: &str) -> Result<Vec<Webhook>, StoreError> {
    let shop = shop.to_string();
    db.read(move |conn, cipher| {
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM webhooks WHERE shop_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([shop], raw)?;
        rows.map(|row| webhook(row?, cipher)).collect()
    })
    .await
}

pub(super) async fn update(
    db: &Sqlite,
    webhook: Webhook,
    now: Millis,
) -> Result<Option<Webhook>, StoreError> {
    db.write(move |conn, cipher| {
        let Some(old) = get(conn, cipher, &webhook.shop_id, &webhook.id)? else {
            return Ok(None);
        };
        conn.execute(
            "UPDATE webhooks SET name = ?2, events = ?3, plugin = ?4, config = ?5, updated_at = ?6
             WHERE id = ?1",
            params![
                webhook.id,
                webhook.name.as_str(),
                events_text(&webhook.events),
                webhook.plugin.to_string(),
                cipher.seal(&webhook.config),
                now
            ],
        )?;
        if old.status != webhook.status {
            set_status(conn, &webhook.id, webhook.status, None, now)?;
        }
        get(conn, cipher, &webhook.shop_id, &webhook.id)
    })
    .await
}

pub(super) async fn rotate_secret(
    db: &Sqlite,
    shop: &str,
    id: &str,
    secret: String,
    now: Millis,
    previous_until: Millis,
) -> Result<Option<Webhook>, StoreError> {
    let (shop, id) = (shop.to_string(), id.to_string());
    db.write(move |conn, cipher| {
        // The sealed current secret moves as it is: sealing binds no column.
        conn.execute(
            "UPDATE webhooks SET previous_secret = signing_secret, previous_secret_until = ?5,
                 signing_secret = ?3, updated_at = ?4
             WHERE id = ?1 AND shop_id = ?2",
            params![id, shop, cipher.seal(&secret), now, previous_until],
        )?;
        get(conn, cipher, &shop, &id)
    })
    .await
}

pub(super) async fn delete(db: &Sqlite, shop: &str, id: &str) -> Result<bool, StoreError> {
    let (shop, id) = (shop.to_string(), id.to_string());
    db.write(move |conn, _| {
        let exists = conn
            .query_row(
                "SELECT 1 FROM webhooks WHERE id = ?1 AND shop_id = ?2",
                [&id, &shop],
                |_| Ok(()),
            )
            .optional()?;
        if exists.is_none() {
            return Ok(false);
        }
        conn.execute(
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE webhook_id = ?1)",
            [&id],
        )?;
        conn.execute("DELETE FROM deliveries WHERE webhook_id = ?1", [&id])?;
        conn.execute("DELETE FROM webhooks WHERE id = ?1", [&id])?;
        Ok(true)
    })
    .await
}
