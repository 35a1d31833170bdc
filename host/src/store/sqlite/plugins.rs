//! Per-shop plugin versions: the component bytes, kept once per content hash, and
//! each shop's uploads of them under a name. A version in use by a webhook cannot
//! be deleted; the refusal names the webhooks.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Sqlite, StoreError, corrupt};
use crate::domain::{PluginName, PluginRef, PluginVersion};
use crate::store::Deleted;

const COLUMNS: &str = "shop_id, name, version, sha256, size, info, imports, seq, created_at";

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
        created_at: raw.created_at,
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
            "SELECT version FROM plugin_versions WHERE shop_id = ?1 AND name = ?2
             ORDER BY seq DESC LIMIT 1",
            [shop, name],
            |r| r.get(0),
        )
        .optional()?)
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
        conn.execute(
            "INSERT INTO plugin_versions (shop_id, name, version, sha256, size, info, imports, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.shop_id,
                new.name.as_str(),
                new.version,
                new.sha256,
                new.size,
                new.info.to_string(),
                serde_json::to_string(&new.imports).unwrap_or_default(),
                new.created_at
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
