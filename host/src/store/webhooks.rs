//! Webhooks: what a shop subscribed, to which plugin, with which configuration.
//! Pausing holds the webhook's waiting deliveries; resuming releases them.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Store, StoreError};
use crate::clock::Millis;

/// Whether a webhook receives events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookStatus {
    /// Receives events.
    Active,
    /// Set aside by the merchant (or by a downgrade); receives nothing.
    Paused,
    /// Stopped by Kait (410 Gone, or failing for too long); see `disabled_reason`.
    Disabled,
}

super::text::text_enum!(WebhookStatus {
    Active => "active",
    Paused => "paused",
    Disabled => "disabled",
});

/// A webhook as stored, secrets included. The API masks it before showing it.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    /// `wh_…`
    pub id: String,
    /// The owning shop.
    pub shop_id: String,
    /// The merchant's name for it.
    pub name: String,
    /// Whether it receives events.
    pub status: WebhookStatus,
    /// Why Kait disabled it, if it did.
    pub disabled_reason: Option<String>,
    /// Subscribed event types.
    pub events: Vec<String>,
    /// The plugin that shapes its requests.
    pub plugin: String,
    /// The plugin's configuration (JSON text), secrets included.
    pub config: String,
    /// The `whsec_…` signing secret.
    pub signing_secret: String,
    /// Since when every attempt has failed, if they have.
    pub failing_since: Option<Millis>,
    /// Created at.
    pub created_at: Millis,
    /// Last changed at.
    pub updated_at: Millis,
}

/// What creating a webhook needs.
pub type NewWebhook = WebhookRow;

const COLUMNS: &str = "id, shop_id, name, status, disabled_reason, events, plugin, config, \
                       signing_secret, failing_since, created_at, updated_at";

/// The columns as read: secrets are sealed at rest (see `cipher`).
const READ: &str = "id, shop_id, name, status, disabled_reason, events, plugin, unseal(config), \
                    unseal(signing_secret), failing_since, created_at, updated_at";

type Raw = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<Millis>,
    Millis,
    Millis,
);

fn raw(row: &Row) -> rusqlite::Result<Raw> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
    ))
}

fn to_row(raw: Raw) -> Result<WebhookRow, StoreError> {
    let (id, shop_id, name, status, disabled_reason, events, plugin, config, secret, failing, c, u) =
        raw;
    Ok(WebhookRow {
        status: WebhookStatus::parse(&status)?,
        events: serde_json::from_str(&events).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        id,
        shop_id,
        name,
        disabled_reason,
        plugin,
        config,
        signing_secret: secret,
        failing_since: failing,
        created_at: c,
        updated_at: u,
    })
}

pub(super) fn get(
    conn: &Connection,
    shop: &str,
    id: &str,
) -> Result<Option<WebhookRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {READ} FROM webhooks WHERE id = ?1 AND shop_id = ?2"),
        [id, shop],
        raw,
    )
    .optional()?
    .map(to_row)
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
        params![id, status.as_str(), reason, now],
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

impl Store {
    /// Stores a new webhook.
    pub async fn create_webhook(&self, webhook: NewWebhook) -> Result<WebhookRow, StoreError> {
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO webhooks ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, seal(?8), seal(?9), ?10, ?11, ?12)"),
                params![
                    webhook.id,
                    webhook.shop_id,
                    webhook.name,
                    webhook.status.as_str(),
                    webhook.disabled_reason,
                    serde_json::to_string(&webhook.events).unwrap_or_default(),
                    webhook.plugin,
                    webhook.config,
                    webhook.signing_secret,
                    webhook.failing_since,
                    webhook.created_at,
                    webhook.updated_at,
                ],
            )?;
            Ok(webhook)
        })
        .await
    }

    /// One webhook of `shop`.
    pub async fn webhook(&self, shop: &str, id: &str) -> Result<Option<WebhookRow>, StoreError> {
        let (shop, id) = (shop.to_string(), id.to_string());
        self.read(move |conn| get(conn, &shop, &id)).await
    }

    /// All of a shop's webhooks, oldest first.
    pub async fn webhooks(&self, shop: &str) -> Result<Vec<WebhookRow>, StoreError> {
        let shop = shop.to_string();
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {READ} FROM webhooks WHERE shop_id = ?1 ORDER BY created_at, id"
            ))?;
            let rows = stmt.query_map([shop], raw)?;
            rows.map(|row| to_row(row?)).collect()
        })
        .await
    }

    /// Saves a changed webhook (name, events, plugin, config, status); `None` if it
    /// no longer exists.
    pub async fn update_webhook(
        &self,
        webhook: WebhookRow,
        now: Millis,
    ) -> Result<Option<WebhookRow>, StoreError> {
        self.write(move |conn| {
            let Some(old) = get(conn, &webhook.shop_id, &webhook.id)? else {
                return Ok(None);
            };
            conn.execute(
                "UPDATE webhooks SET name = ?2, events = ?3, plugin = ?4, config = seal(?5), updated_at = ?6
                 WHERE id = ?1",
                params![
                    webhook.id,
                    webhook.name,
                    serde_json::to_string(&webhook.events).unwrap_or_default(),
                    webhook.plugin,
                    webhook.config,
                    now
                ],
            )?;
            if old.status != webhook.status {
                set_status(conn, &webhook.id, webhook.status, None, now)?;
            }
            get(conn, &webhook.shop_id, &webhook.id)
        })
        .await
    }

    /// Replaces a webhook's signing secret.
    pub async fn rotate_secret(
        &self,
        shop: &str,
        id: &str,
        secret: String,
        now: Millis,
    ) -> Result<Option<WebhookRow>, StoreError> {
        let (shop, id) = (shop.to_string(), id.to_string());
        self.write(move |conn| {
            conn.execute(
                "UPDATE webhooks SET signing_secret = seal(?3), updated_at = ?4 WHERE id = ?1 AND shop_id = ?2",
                params![id, shop, secret, now],
            )?;
            get(conn, &shop, &id)
        })
        .await
    }

    /// Deletes a webhook with its deliveries and their attempts.
    pub async fn delete_webhook(&self, shop: &str, id: &str) -> Result<bool, StoreError> {
        let (shop, id) = (shop.to_string(), id.to_string());
        self.write(move |conn| {
            if get(conn, &shop, &id)?.is_none() {
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
}
