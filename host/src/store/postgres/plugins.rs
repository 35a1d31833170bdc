//! Per-shop plugin versions: the component bytes, kept once per content hash in
//! the database (so every host can run every shop's plugin), and each shop's
//! uploads of them under a name. A version in use by a webhook cannot be deleted;
//! the refusal names the webhooks. A version can be promoted to the latest, or
//! withdrawn from it unless it is the last one in it.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{Postgres, StoreError, corrupt, execute, maybe, one, rows};
use crate::clock::Millis;
use crate::domain::{PluginName, PluginRef, PluginVersion};
use crate::store::{Deleted, Withdrawn};

const COLUMNS: &str = "shop_id, name, version, sha256, size, info, imports, seq, created_at, \
     latest_rank, withdrawn_at, promoted_at";

fn version(row: &Row) -> Result<PluginVersion, StoreError> {
    Ok(PluginVersion {
        shop_id: row.try_get(0)?,
        name: PluginName::parse(row.try_get::<_, &str>(1)?).map_err(corrupt)?,
        version: row.try_get(2)?,
        sha256: row.try_get(3)?,
        size: row.try_get::<_, i64>(4)? as u64,
        info: serde_json::from_str(row.try_get::<_, &str>(5)?).map_err(corrupt)?,
        imports: serde_json::from_str(row.try_get::<_, &str>(6)?).map_err(corrupt)?,
        seq: row.try_get(7)?,
        created_at: row.try_get(8)?,
        rank: row.try_get(9)?,
        withdrawn_at: row.try_get(10)?,
        promoted_at: row.try_get(11)?,
    })
}

async fn find<C: GenericClient>(
    client: &C,
    shop: &str,
    name: &str,
    version_id: &str,
) -> Result<Option<PluginVersion>, StoreError> {
    maybe(
        client,
        &format!(
            "SELECT {COLUMNS} FROM plugin_versions WHERE shop_id = $1 AND name = $2 AND version = $3"
        ),
        &[&shop, &name, &version_id],
    )
    .await?
    .map(|row| version(&row))
    .transpose()
}

/// Uploads, deletes, promotions and withdrawals of one plugin take turns, so
/// "the latest" and the ranks hold still.
async fn lock<C: GenericClient>(
    client: &C,
    shop: &str,
    name: &PluginName,
) -> Result<(), StoreError> {
    execute(
        client,
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("{shop}/{name}")],
    )
    .await?;
    Ok(())
}

/// The rank above every version of the plugin: the next upload's or promotion's.
async fn next_rank<C: GenericClient>(
    client: &C,
    shop: &str,
    name: &PluginName,
) -> Result<i64, StoreError> {
    Ok(one(
        client,
        "SELECT COALESCE(MAX(latest_rank), 0) + 1 FROM plugin_versions
         WHERE shop_id = $1 AND name = $2",
        &[&shop, &name.as_str()],
    )
    .await?
    .try_get(0)?)
}

pub(super) async fn insert(
    db: &Postgres,
    mut new: PluginVersion,
    bytes: Vec<u8>,
) -> Result<(PluginVersion, bool), StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    lock(&tx, &new.shop_id, &new.name).await?;
    new.rank = next_rank(&tx, &new.shop_id, &new.name).await?;
    execute(
        &tx,
        "INSERT INTO plugin_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&new.sha256, &bytes],
    )
    .await?;
    let added = maybe(
        &tx,
        "INSERT INTO plugin_versions
         (shop_id, name, version, sha256, size, info, imports, created_at, latest_rank)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (shop_id, name, version) DO NOTHING
         RETURNING seq",
        &[
            &new.shop_id,
            &new.name.as_str(),
            &new.version,
            &new.sha256,
            &(new.size as i64),
            &new.info.to_string(),
            &serde_json::to_string(&new.imports).unwrap_or_default(),
            &new.created_at,
            &new.rank,
        ],
    )
    .await?;
    let result = match added {
        Some(row) => {
            new.seq = row.try_get(0)?;
            (new, true)
        }
        None => {
            let kept = find(&tx, &new.shop_id, new.name.as_str(), &new.version)
                .await?
                .ok_or_else(|| StoreError::Corrupt("plugin version vanished".into()))?;
            if kept.sha256 != new.sha256 {
                return Err(StoreError::Corrupt(format!(
                    "version id {} of {} is taken by other bytes",
                    new.version, new.name
                )));
            }
            (kept, false)
        }
    };
    tx.commit().await?;
    Ok(result)
}

pub(super) async fn all(db: &Postgres) -> Result<Vec<PluginVersion>, StoreError> {
    let client = db.client().await?;
    rows(
        &client,
        &format!("SELECT {COLUMNS} FROM plugin_versions ORDER BY seq"),
        &[],
    )
    .await?
    .iter()
    .map(version)
    .collect()
}

pub(super) async fn bytes(db: &Postgres, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let client = db.client().await?;
    maybe(
        &client,
        "SELECT bytes FROM plugin_blobs WHERE sha256 = $1",
        &[&sha256],
    )
    .await?
    .map(|row| Ok(row.try_get(0)?))
    .transpose()
}

pub(super) async fn delete(
    db: &Postgres,
    shop: &str,
    name: &PluginName,
    version_id: &str,
) -> Result<Deleted, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    lock(&tx, shop, name).await?;
    let Some(found) = find(&tx, shop, name.as_str(), version_id).await? else {
        return Ok(Deleted::NotFound);
    };
    let latest = maybe(
        &tx,
        "SELECT version FROM plugin_versions
         WHERE shop_id = $1 AND name = $2 AND withdrawn_at IS NULL
         ORDER BY latest_rank DESC LIMIT 1",
        &[&shop, &name.as_str()],
    )
    .await?
    .map(|row| row.try_get::<_, String>(0))
    .transpose()?;
    let is_latest = latest.as_deref() == Some(version_id);
    let mut users = Vec::new();
    for reference in PluginRef::spellings(name, version_id, is_latest) {
        for row in rows(
            &tx,
            "SELECT id, name FROM webhooks WHERE shop_id = $1 AND plugin = $2 ORDER BY created_at, id",
            &[&shop, &reference],
        )
        .await?
        {
            users.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    if !users.is_empty() {
        return Ok(Deleted::InUse(users));
    }
    execute(
        &tx,
        "DELETE FROM plugin_versions WHERE seq = $1",
        &[&found.seq],
    )
    .await?;
    let removed = execute(
        &tx,
        "DELETE FROM plugin_blobs WHERE sha256 = $1
         AND NOT EXISTS (SELECT 1 FROM plugin_versions WHERE sha256 = $1)",
        &[&found.sha256],
    )
    .await?;
    tx.commit().await?;
    Ok(Deleted::Done {
        orphaned: (removed > 0).then_some(found.sha256),
    })
}

pub(super) async fn promote(
    db: &Postgres,
    shop: &str,
    name: &PluginName,
    version_id: &str,
    now: Millis,
) -> Result<Option<PluginVersion>, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    lock(&tx, shop, name).await?;
    let Some(found) = find(&tx, shop, name.as_str(), version_id).await? else {
        return Ok(None);
    };
    let rank = next_rank(&tx, shop, name).await?;
    execute(
        &tx,
        "UPDATE plugin_versions SET latest_rank = $2, withdrawn_at = NULL, promoted_at = $3
         WHERE seq = $1",
        &[&found.seq, &rank, &now],
    )
    .await?;
    let promoted = find(&tx, shop, name.as_str(), version_id).await?;
    tx.commit().await?;
    Ok(promoted)
}

pub(super) async fn withdraw(
    db: &Postgres,
    shop: &str,
    name: &PluginName,
    version_id: &str,
    now: Millis,
) -> Result<Withdrawn, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    lock(&tx, shop, name).await?;
    let Some(found) = find(&tx, shop, name.as_str(), version_id).await? else {
        return Ok(Withdrawn::NotFound);
    };
    if found.withdrawn_at.is_none() {
        let others: i64 = one(
            &tx,
            "SELECT count(*) FROM plugin_versions
             WHERE shop_id = $1 AND name = $2 AND withdrawn_at IS NULL AND seq <> $3",
            &[&shop, &name.as_str(), &found.seq],
        )
        .await?
        .try_get(0)?;
        if others == 0 {
            return Ok(Withdrawn::Last);
        }
        execute(
            &tx,
            "UPDATE plugin_versions SET withdrawn_at = $2 WHERE seq = $1",
            &[&found.seq, &now],
        )
        .await?;
    }
    let exact = PluginRef::exact(name.clone(), version_id).to_string();
    let mut pinned = Vec::new();
    for row in rows(
        &tx,
        "SELECT id, name FROM webhooks WHERE shop_id = $1 AND plugin = $2 ORDER BY created_at, id",
        &[&shop, &exact],
    )
    .await?
    {
        pinned.push((row.try_get(0)?, row.try_get(1)?));
    }
    let version = find(&tx, shop, name.as_str(), version_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("plugin version vanished".into()))?;
    tx.commit().await?;
    Ok(Withdrawn::Done {
        version: Box::new(version),
        pinned,
    })
}
