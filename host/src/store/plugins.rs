//! Per-shop plugin versions: the component bytes, kept once per content hash, and
//! each shop's uploads of them under a name. A version in use by a webhook cannot
//! be deleted; the refusal names the webhooks.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError};
use crate::clock::Millis;

/// One uploaded version of a shop's plugin, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginVersionRow {
    /// The owning shop.
    pub shop_id: String,
    /// The plugin's name within the shop.
    pub name: String,
    /// The version id: the first 12 hex digits of the component's SHA-256.
    pub version: String,
    /// The component's SHA-256 (hex).
    pub sha256: String,
    /// The component's size in bytes.
    pub size: u64,
    /// The plugin's `info()` as JSON text.
    pub info: String,
    /// The component's imports as a JSON array.
    pub imports: String,
    /// Upload order within the store; the highest of a name is its latest.
    pub seq: i64,
    /// Uploaded at.
    pub created_at: Millis,
}

/// Why a version was not deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum Deleted {
    /// It is gone; `orphaned` holds the SHA-256 of its bytes when no other
    /// version (of any shop) uses them any more, so they were removed too.
    Done {
        /// The content hash nothing refers to now.
        orphaned: Option<String>,
    },
    /// There is no such version.
    NotFound,
    /// These webhooks (id, name) use it.
    InUse(Vec<(String, String)>),
}

const COLUMNS: &str = "shop_id, name, version, sha256, size, info, imports, seq, created_at";

fn row(row: &Row) -> rusqlite::Result<PluginVersionRow> {
    Ok(PluginVersionRow {
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

fn find(
    conn: &Connection,
    shop: &str,
    name: &str,
    version: &str,
) -> Result<Option<PluginVersionRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM plugin_versions WHERE shop_id = ?1 AND name = ?2 AND version = ?3"
            ),
            [shop, name, version],
            row,
        )
        .optional()?)
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

impl Store {
    /// Keeps an uploaded version. The same bytes under the same shop and name give
    /// back the version already kept (`false`: nothing new was stored).
    pub async fn insert_plugin_version(
        &self,
        mut version: PluginVersionRow,
        bytes: Vec<u8>,
    ) -> Result<(PluginVersionRow, bool), StoreError> {
        self.write(move |conn| {
            if let Some(kept) = find(conn, &version.shop_id, &version.name, &version.version)? {
                if kept.sha256 != version.sha256 {
                    return Err(StoreError::Corrupt(format!(
                        "version id {} of {} is taken by other bytes",
                        version.version, version.name
                    )));
                }
                return Ok((kept, false));
            }
            conn.execute(
                "INSERT OR IGNORE INTO plugin_blobs (sha256, bytes) VALUES (?1, ?2)",
                params![version.sha256, bytes],
            )?;
            conn.execute(
                "INSERT INTO plugin_versions (shop_id, name, version, sha256, size, info, imports, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    version.shop_id,
                    version.name,
                    version.version,
                    version.sha256,
                    version.size,
                    version.info,
                    version.imports,
                    version.created_at
                ],
            )?;
            version.seq = conn.last_insert_rowid();
            Ok((version, true))
        })
        .await
    }

    /// Every stored version of every shop, in upload order.
    pub async fn plugin_versions(&self) -> Result<Vec<PluginVersionRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM plugin_versions ORDER BY seq"
            ))?;
            let rows = stmt.query_map([], row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    /// The component bytes with this SHA-256.
    pub async fn plugin_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sha256 = sha256.to_string();
        self.read(move |conn| {
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

    /// Deletes a version unless a webhook uses it: one that names it, or one that
    /// follows `@latest` while it is the latest. `spellings(is_latest)` gives the
    /// plugin references that count as using it.
    pub async fn delete_plugin_version(
        &self,
        shop: &str,
        name: &str,
        version: &str,
        spellings: impl FnOnce(bool) -> Vec<String> + Send + 'static,
    ) -> Result<Deleted, StoreError> {
        let (shop, name, version) = (shop.to_string(), name.to_string(), version.to_string());
        self.write(move |conn| {
            let Some(found) = find(conn, &shop, &name, &version)? else {
                return Ok(Deleted::NotFound);
            };
            let is_latest = latest(conn, &shop, &name)?.as_deref() == Some(version.as_str());
            let mut users = Vec::new();
            let mut stmt = conn.prepare(
                "SELECT id, name FROM webhooks WHERE shop_id = ?1 AND plugin = ?2 ORDER BY created_at, id",
            )?;
            for reference in spellings(is_latest) {
                let rows = stmt.query_map([&shop, &reference], |r| Ok((r.get(0)?, r.get(1)?)))?;
                users.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
            }
            if !users.is_empty() {
                return Ok(Deleted::InUse(users));
            }
            conn.execute(
                "DELETE FROM plugin_versions WHERE seq = ?1",
                [found.seq],
            )?;
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
}
