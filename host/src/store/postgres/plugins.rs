//! Per-shop plugin versions: the component bytes, kept once per content hash in
//! the database (so every host can run every shop's plugin), and each shop's
//! uploads of them under a name. A version in use by a webhook cannot be deleted;
//! the refusal names the webhooks.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{Postgres, StoreError, corrupt, execute, maybe, rows};
use crate::domain::{PluginName, PluginRef, PluginVersion};
use crate::store::Deleted;

const COLUMNS: &str = "shop_id, name, version, sha256, size, info, imports, seq, created_at";

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

pub(super) async fn insert(
    db: &Postgres,
    mut new: PluginVersion,
    bytes: Vec<u8>,
) -> Result<(PluginVersion, bool), StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    execute(
        &tx,
        "INSERT INTO plugin_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&new.sha256, &bytes],
    )
    .await?;
    let added = maybe(
        &tx,
        "INSERT INTO plugin_versions (shop_id, name, version, sha256, size, info, imports, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
    // Uploads and deletes of one plugin take turns, so "the latest" holds still.
    execute(
        &tx,
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("{shop}/{name}")],
    )
    .await?;
    let Some(found) = find(&tx, shop, name.as_str(), version_id).await? else {
        return Ok(Deleted::NotFound);
    };
    let latest = maybe(
        &tx,
        "SELECT version FROM plugin_versions WHERE shop_id = $1 AND name = $2
         ORDER BY seq DESC LIMIT 1",
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
