//! Per-shop plugin versions: the component bytes, kept once per content hash, and
//! each shop's uploads of them under a name. A version in use by a webhook cannot
//! be deleted; the refusal names the webhooks. A version can be promoted to the
//! latest, or withdrawn from it unless it is the last one in it.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Sqlite, StoreError, corrupt};
use crate::clock::Millis;
use crate::domain::{PluginName, PluginRef, PluginVersion};
use crate::store::{Deleted, Withdrawn};

const COLUMNS: &str = "shop_id, name, version, sha256, size, info, imports, seq, created_at, \
     latest_rank, withdrawn_at, promoted_at";

/// A row as read, its JSON still text.
struct Raw {
    shop_id: String,
    name: String,
    version: String,
    sha256: String,
    size: u64,
    info: String,
    imports: String,
    seq: i64,
    created_at: i64,
    rank: i64,
    withdrawn_at: Option<i64>,
    promoted_at: Option<i64>,
}

fn raw(row: &Row) -> rusqlite::Result<Raw> {
    Ok(Raw {
        shop_id: row.get(0)?,
        name: row.get(1)?,
        version: row.get(2)?,
        sha256: row.get(3)?,
        size: row.get(4)?,
        info: row.get(5)?,
        imports: row.get(6)?,
        seq: row.get(7)?,
        created_at: row.get(8)?,
        rank: row.get(9)?,
        withdrawn_at: row.get(10)?,
        promoted_at: row.get(11)?,
    })
}

fn version(raw: Raw) -> Result<PluginVersion, StoreError> {
    Ok(PluginVersion {
        shop_id: raw.shop_id,
        name: PluginName::parse(&raw.name).map_err(corrupt)?,
        version: raw.version,
        sha256: raw.sha256,
        size: raw.size,
        info: serde_json::from_str(&raw.info).map_err(corrupt)?,
        imports: serde_json::from_str(&raw.imports).map_err(corrupt)?,
        seq: raw.seq,
        rank: raw.rank,
        created_at: raw.created_at,
        withdrawn_at: raw.withdrawn_at,
        promoted_at: raw.promoted_at,
    })
}

fn find(
    conn: &Connection,
    shop: &str,
    name: &str,
    version_id: &str,
) -> Result<Option<PluginVersion>, StoreError> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM plugin_versions WHERE shop_id = ?1 AND name = ?2 AND version = ?3"
        ),
        [shop, name, version_id],
        raw,
    )
    .optional()?
    .map(version)
    .transpose()
}

fn latest(conn: &Connection, shop: &str, name: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT version FROM plugin_versions
             WHERE shop_id = ?1 AND name = ?2 AND withdrawn_at IS NULL
             ORDER BY latest_rank DESC LIMIT 1",
            [shop, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// The rank above every version of the plugin: the next upload's or promotion's.
fn next_rank(conn: &Connection, shop: &str, name: &str) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(latest_rank), 0) + 1 FROM plugin_versions
         WHERE shop_id = ?1 AND name = ?2",
        [shop, name],
        |r| r.get(0),
    )?)
}

pub(super) async fn insert(
    db: &Sqlite,
    mut new: PluginVersion,
    bytes: Vec<u8>,
) -> Result<(PluginVersion, bool), StoreError> {
    db.write(move |conn, _| {
        if let Some(kept) = find(conn, &new.shop_id, new.name.as_str(), &new.version)? {
            if kept.sha256 != new.sha256 {
                return Err(StoreError::Corrupt(format!(
                    "version id {} of {} is taken by other bytes",
                    new.version, new.name
                )));
            }
            return Ok((kept, false));
        }
        conn.execute(
            "INSERT OR IGNORE INTO plugin_blobs (sha256, bytes) VALUES (?1, ?2)",
            params![new.sha256, bytes],
        )?;
        new.rank = next_rank(conn, &new.shop_id, new.name.as_str())?;
        conn.execute(
            "INSERT INTO plugin_versions
             (shop_id, name, version, sha256, size, info, imports, created_at, latest_rank)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.shop_id,
                new.name.as_str(),
                new.version,
                new.sha256,
                new.size,
                new.info.to_string(),
                serde_json::to_string(&new.imports).unwrap_or_default(),
                new.created_at,
                new.rank
            ],
        )?;
        new.seq = conn.last_insert_rowid();
        Ok((new, true))
    })
    .await
}

pub(super) async fn all(db: &Sqlite) -> Result<Vec<PluginVersion>, StoreError> {
    db.read(|conn, _| {
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM plugin_versions ORDER BY seq"
        ))?;
        let rows = stmt.query_map([], raw)?;
        rows.map(|row| version(row?)).collect()
    })
    .await
}

pub(super) async fn bytes(db: &Sqlite, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let sha256 = sha256.to_string();
    db.read(move |conn, _| {
        Ok(conn
            .query_row(
                "SELECT bytes FROM plugin_blobs WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?)
    })
    .await
}

pub(super) async fn delete(
    db: &Sqlite,
    shop: &str,
    name: &PluginName,
    version_id: &str,
) -> Result<Deleted, StoreError> {
    let (shop, name, version_id) = (shop.to_string(), name.clone(), version_id.to_string());
    db.write(move |conn, _| {
        let Some(found) = find(conn, &shop, name.as_str(), &version_id)? else {
            return Ok(Deleted::NotFound);
        };
        let is_latest = latest(conn, &shop, name.as_str())?.as_deref() == Some(version_id.as_str());
        let mut users = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT id, name FROM webhooks WHERE shop_id = ?1 AND plugin = ?2 ORDER BY created_at, id",
        )?;
        for reference in PluginRef::spellings(&name, &version_id, is_latest) {
            let rows = stmt.query_map([&shop, &reference], |r| Ok((r.get(0)?, r.get(1)?)))?;
            users.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        if !users.is_empty() {
            return Ok(Deleted::InUse(users));
        }
        conn.execute("DELETE FROM plugin_versions WHERE seq = ?1", [found.seq])?;
        let removed = conn.execute(
            "DELETE FROM plugin_blobs WHERE sha256 = ?1
             AND NOT EXISTS (SELECT 1 FROM plugin_versions WHERE sha256 = ?1)",
            [&found.sha256],
        )?;
        Ok(Deleted::Done {
            orphaned: (removed > 0).then_some(found.sha256),
        })
    })
    .await
}

pub(super) async fn promote(
    db: &Sqlite,
    shop: &str,
    name: &PluginName,
    version_id: &str,
    now: Millis,
) -> Result<Option<PluginVersion>, StoreError> {
    let (shop, name, version_id) = (shop.to_string(), name.clone(), version_id.to_string());
    db.write(move |conn, _| {
        let Some(found) = find(conn, &shop, name.as_str(), &version_id)? else {
            return Ok(None);
        };
        let rank = next_rank(conn, &shop, name.as_str())?;
        conn.execute(
            "UPDATE plugin_versions SET latest_rank = ?2, withdrawn_at = NULL, promoted_at = ?3
             WHERE seq = ?1",
            params![found.seq, rank, now],
        )?;
        find(conn, &shop, name.as_str(), &version_id)
    })
    .await
}

pub(super) async fn withdraw(
    db: &Sqlite,
    shop: &str,
    name: &PluginName,
    version_id: &str,
    now: Millis,
) -> Result<Withdrawn, StoreError> {
    let (shop, name, version_id) = (shop.to_string(), name.clone(), version_id.to_string());
    db.write(move |conn, _| {
        let Some(found) = find(conn, &shop, name.as_str(), &version_id)? else {
            return Ok(Withdrawn::NotFound);
        };
        if found.withdrawn_at.is_none() {
            let others: i64 = conn.query_row(
                "SELECT count(*) FROM plugin_versions
                 WHERE shop_id = ?1 AND name = ?2 AND withdrawn_at IS NULL AND seq <> ?3",
                params![shop, name.as_str(), found.seq],
                |r| r.get(0),
            )?;
            if others == 0 {
                return Ok(Withdrawn::Last);
            }
            conn.execute(
                "UPDATE plugin_versions SET withdrawn_at = ?2 WHERE seq = ?1",
                params![found.seq, now],
            )?;
        }
        let mut stmt = conn.prepare(
            "SELECT id, name FROM webhooks WHERE shop_id = ?1 AND plugin = ?2 ORDER BY created_at, id",
        )?;
        let exact = PluginRef::exact(name.clone(), &version_id).to_string();
        let pinned = stmt
            .query_map([&shop, &exact], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let version = find(conn, &shop, name.as_str(), &version_id)?
            .ok_or_else(|| StoreError::Corrupt("plugin version vanished".into()))?;
        Ok(Withdrawn::Done {
        version: Box::new(version),
        pinned,
    })
    })
    .await
}
