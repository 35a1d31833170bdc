//! Webhooks: what a shop subscribed, to which plugin, with which configuration.
//! The configuration and the signing secrets (the current one, and the one a
//! rotation replaced) are sealed before they are written.
//! Pausing holds the webhook's waiting deliveries; resuming releases them.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{Postgres, StoreError, corrupt, execute, maybe, retrying, rows, storable};
use crate::clock::Millis;
use crate::domain::{EventTypes, PluginRef, PreviousSecret, Webhook, WebhookName, WebhookStatus};
use crate::store::sealing::Cipher;

const COLUMNS: &str = "id, shop_id, name, status, disabled_reason, events, plugin, config, \
                       signing_secret, failing_since, created_at, updated_at, previous_secret, \
                       previous_secret_until";

fn webhook(row: &Row, cipher: &Cipher) -> Result<Webhook, StoreError> {
    let events: Vec<String> = serde_json::from_str(row.try_get::<_, &str>(5)?).map_err(corrupt)?;
    Ok(Webhook {
        id: row.try_get(0)?,
        shop_id: row.try_get(1)?,
        name: WebhookName::parse(row.try_get::<_, &str>(2)?).map_err(corrupt)?,
        status: row.try_get(3)?,
        disabled_reason: row.try_get(4)?,
        events: EventTypes::parse(Some(events)).map_err(corrupt)?,
        plugin: PluginRef::parse(row.try_get::<_, &str>(6)?).map_err(corrupt)?,
        config: cipher.open(row.try_get::<_, &str>(7)?)?,
        signing_secret: cipher.open(row.try_get::<_, &str>(8)?)?,
        failing_since: row.try_get(9)?,
        created_at: row.try_get(10)?,
        updated_at: row.try_get(11)?,
        previous_secret: match (row.try_get::<_, Option<&str>>(12)?, row.try_get(13)?) {
            (Some(sealed), Some(until)) => Some(PreviousSecret {
                secret: cipher.open(sealed)?,
                until,
            }),
            _ => None,
        },
    })
}

pub(super) fn events_text(events: &EventTypes) -> String {
    serde_json::to_string(events.as_slice()).unwrap_or_default()
}

pub(super) async fn get<C: GenericClient>(
    client: &C,
    cipher: &Cipher,
    shop: &str,
    id: &str,
) -> Result<Option<Webhook>, StoreError> {
    maybe(
        client,
        &format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1 AND shop_id = $2"),
        &[&id, &shop],
    )
    .await?
    .map(|row| webhook(&row, cipher))
    .transpose()
}

/// Sets a webhook's status. Leaving `active` holds its waiting deliveries;
/// returning to it releases them, due now.
pub(super) async fn set_status<C: GenericClient>(
    client: &C,
    id: &str,
    status: WebhookStatus,
    reason: Option<&str>,
    now: Millis,
) -> Result<(), StoreError> {
    execute(
        client,
        "UPDATE webhooks SET status = $2, disabled_reason = $3, updated_at = $4,
             failing_since = CASE WHEN $2 = 'active' THEN NULL ELSE failing_since END
         WHERE id = $1",
        &[&id, &status, &storable(reason), &now],
    )
    .await?;
    if status == WebhookStatus::Active {
        execute(
            client,
            "UPDATE deliveries SET status = 'pending', next_attempt_at = $2, updated_at = $2
             WHERE webhook_id = $1 AND status = 'held'",
            &[&id, &now],
        )
        .await?;
    } else {
        execute(
            client,
            "UPDATE deliveries SET status = 'held', updated_at = $2
             WHERE webhook_id = $1 AND status = 'pending'",
            &[&id, &now],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn create(db: &Postgres, webhook: Webhook) -> Result<Webhook, StoreError> {
    let client = db.client().await?;
    execute(
        &client,
        &format!(
            "INSERT INTO webhooks ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ),
        &[
            &webhook.id,
            &webhook.shop_id,
            &webhook.name.as_str(),
            &webhook.status,
            &webhook.disabled_reason,
            &events_text(&webhook.events),
            &webhook.plugin.to_string(),
            &db.cipher.seal(&webhook.config),
            &db.cipher.seal(&webhook.signing_secret),
            &webhook.failing_since,
            &webhook.created_at,
            &webhook.updated_at,
            &webhook
                .previous_secret
                .as_ref()
                .map(|p| db.cipher.seal(&p.secret)),
            &webhook.previous_secret.as_ref().map(|p| p.until),
        ],
    )
    .await?;
    Ok(webhook)
}

pub(super) async fn one(
    db: &Postgres,
    shop: &str,
    id: &str,
) -> Result<Option<Webhook>, StoreError> {
    get(&db.client().await?, &db.cipher, shop, id).await
}

pub(super) async fn list(db: &Postgres, shop: &str) -> Result<Vec<Webhook>, StoreError> {
    let client = db.client().await?;
    rows(
        &client,
        &format!("SELECT {COLUMNS} FROM webhooks WHERE shop_id = $1 ORDER BY created_at, id"),
        &[&shop],
    )
    .await?
    .iter()
    .map(|row| webhook(row, &db.cipher))
    .collect()
}

pub(super) async fn update(
    db: &Postgres,
    webhook: Webhook,
    now: Millis,
) -> Result<Option<Webhook>, StoreError> {
    retrying(|| update_once(db, &webhook, now)).await
}

async fn update_once(
    db: &Postgres,
    webhook: &Webhook,
    now: Millis,
) -> Result<Option<Webhook>, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let old = maybe(
        &tx,
        "SELECT status FROM webhooks WHERE id = $1 AND shop_id = $2 FOR UPDATE",
        &[&webhook.id, &webhook.shop_id],
    )
    .await?;
    let Some(old) = old else {
        return Ok(None);
    };
    let old_status: WebhookStatus = old.try_get(0)?;
    execute(
        &tx,
        "UPDATE webhooks SET name = $2, events = $3, plugin = $4, config = $5, updated_at = $6
         WHERE id = $1",
        &[
            &webhook.id,
            &webhook.name.as_str(),
            &events_text(&webhook.events),
            &webhook.plugin.to_string(),
            &db.cipher.seal(&webhook.config),
            &now,
        ],
    )
    .await?;
    if old_status != webhook.status {
        set_status(&tx, &webhook.id, webhook.status, None, now).await?;
    }
    let saved = get(&tx, &db.cipher, &webhook.shop_id, &webhook.id).await?;
    tx.commit().await?;
    Ok(saved)
}

pub(super) async fn rotate_secret(
    db: &Postgres,
    shop: &str,
    id: &str,
    secret: String,
    now: Millis,
    previous_until: Millis,
) -> Result<Option<Webhook>, StoreError> {
    let client = db.client().await?;
    // The sealed current secret moves as it is: sealing binds no column.
    execute(
        &client,
        "UPDATE webhooks SET previous_secret = signing_secret, previous_secret_until = $5,
             signing_secret = $3, updated_at = $4
         WHERE id = $1 AND shop_id = $2",
        &[&id, &shop, &db.cipher.seal(&secret), &now, &previous_until],
    )
    .await?;
    get(&client, &db.cipher, shop, id).await
}

pub(super) async fn delete(db: &Postgres, shop: &str, id: &str) -> Result<bool, StoreError> {
    retrying(|| delete_once(db, shop, id)).await
}

async fn delete_once(db: &Postgres, shop: &str, id: &str) -> Result<bool, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let exists = maybe(
        &tx,
        "SELECT 1 FROM webhooks WHERE id = $1 AND shop_id = $2 FOR UPDATE",
        &[&id, &shop],
    )
    .await?;
    if exists.is_none() {
        return Ok(false);
    }
    execute(
        &tx,
        "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE webhook_id = $1)",
        &[&id],
    )
    .await?;
    execute(&tx, "DELETE FROM deliveries WHERE webhook_id = $1", &[&id]).await?;
    execute(&tx, "DELETE FROM webhooks WHERE id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(true)
}
