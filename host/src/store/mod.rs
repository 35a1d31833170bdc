//! The store: the single source of truth, on embedded SQLite (one file, WAL,
//! `synchronous=FULL`, both checked at start-up).
//!
//! Writes go through one writer thread that commits whatever is queued in one
//! transaction (group commit): each caller's work runs in its own savepoint, and the
//! caller hears back only once the commit is on disk. Reads use a small pool of
//! read-only connections.

mod text;

mod cipher;
mod deliveries;
mod events;
mod plugins;
mod schema;
mod shops;
mod timers;
mod webhooks;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

pub use cipher::key as store_key;
pub use deliveries::{
    Attempt, AttemptRecord, Claimed, Delivery, DeliveryFilter, DeliveryStatus, Next, WebhookEffect,
};
pub use events::{Ingested, NewEvent, StoredEvent};
pub use plugins::{Deleted, PluginVersionRow};
pub use shops::{Plan, Shop};
pub use timers::Fired;
pub use webhooks::{NewWebhook, WebhookRow, WebhookStatus};

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database is not set up the way durability needs.
    #[error("database not durable: {0}")]
    NotDurable(String),
    /// The key that seals stored secrets is unusable.
    #[error("store key: {0}")]
    Key(String),
    /// The writer thread is gone (the store is shutting down).
    #[error("the store is closed")]
    Closed,
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The commit failed; nothing of this write was kept.
    #[error("commit failed: {0}")]
    Commit(String),
}

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: writer::Writer,
    readers: Arc<Readers>,
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    cipher: Arc<cipher::Cipher>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, and checks
    /// that it runs in WAL mode with `synchronous=FULL`.
    /// `key` seals the secrets the store keeps (see [`store_key`]).
    pub fn open(path: &Path, key: &[u8; 32]) -> Result<Self, StoreError> {
        let cipher = Arc::new(cipher::Cipher::new(key));
        let conn = Connection::open(path)?;
        sealing(&conn, &cipher)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        check_durable(&conn)?;
        schema::migrate(&conn)?;
        Ok(Self {
            writer: writer::Writer::start(conn),
            readers: Arc::new(Readers {
                path: path.to_path_buf(),
                idle: Mutex::new(Vec::new()),
                cipher,
            }),
        })
    }

    /// Runs `f` on a read-only connection, off the async threads.
    pub(crate) async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match readers.idle.lock().unwrap().pop() {
                Some(conn) => conn,
                None => {
                    let conn = Connection::open_with_flags(
                        &readers.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(std::time::Duration::from_secs(5))?;
                    sealing(&conn, &readers.cipher)?;
                    conn
                }
            };
            let result = f(&conn);
            readers.idle.lock().unwrap().push(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` inside the next group commit and returns its result once committed.
    pub(crate) async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.writer.write(f).await
    }

    /// Closes the store: idle readers first, then the writer, which finishes what
    /// is queued and checkpoints the WAL into the database file.
    pub async fn close(&self) {
        self.readers.idle.lock().unwrap().clear();
        self.writer.close().await;
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT count(*) FROM shops", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    /// A value kept in the store's own settings table.
    pub async fn meta(&self, key: &'static str) -> Result<Option<String>, StoreError> {
        self.read(move |conn| {
            Ok(rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [key],
                |row| row.get(0),
            ))?)
        })
        .await
    }

    /// Keeps `value` under `key` unless the key already has one; returns the kept value.
    pub async fn meta_insert(
        &self,
        key: &'static str,
        value: String,
    ) -> Result<String, StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
                [key, &value],
            )?;
            Ok(
                conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
    }
}

/// SQL functions `seal(text)` and `unseal(text)`, so secrets are sealed and
/// opened where they are written and read.
fn sealing(conn: &Connection, cipher: &Arc<cipher::Cipher>) -> Result<(), StoreError> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8;
    let sealer = cipher.clone();
    conn.create_scalar_function("seal", 1, flags, move |ctx| {
        Ok(sealer.seal(&ctx.get::<String>(0)?))
    })?;
    let opener = cipher.clone();
    conn.create_scalar_function(
        "unseal",
        1,
        flags | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            opener
                .open(&ctx.get::<String>(0)?)
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
        },
    )?;
    Ok(())
}

fn check_durable(conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    let sync: i64 = conn.pragma_query_value(None, "synchronous", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NotDurable(format!(
            "journal_mode is {mode}, not wal"
        )));
    }
    // 2 is FULL (3 is EXTRA, stronger still).
    if sync < 2 {
        return Err(StoreError::NotDurable(format!(
            "synchronous is {sync}, not FULL (2)"
        )));
    }
    Ok(())
}

/// A random id with a readable prefix, e.g. `wh_3f9a…`.
pub fn new_id(prefix: &str) -> String {
    let bytes: [u8; 12] = rand::random();
    format!("{prefix}_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests;
