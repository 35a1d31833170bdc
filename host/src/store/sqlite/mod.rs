//! The embedded default backend: SQLite in one file, WAL, `synchronous=FULL`
//! (both checked at start-up).
//!
//! Writes go through one writer thread that commits whatever is queued in one
//! transaction (group commit): each caller's work runs in its own savepoint, and
//! the caller hears back only once the commit is on disk. Reads use a small pool
//! of read-only connections. Each table's SQL lives in its own file; `contract.rs`
//! maps the [`Store`](super::Store) interface onto them.

mod contract;
mod deliveries;
mod events;
mod plugins;
pub(crate) mod schema;
mod sessions;
mod shops;
mod text;
mod timers;
mod webhooks;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::StoreError;
use super::sealing::Cipher;

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Database(error.to_string())
    }
}

/// The SQLite store. Cheap to clone.
#[derive(Clone)]
pub struct Sqlite {
    writer: writer::Writer,
    readers: Arc<Readers>,
    cipher: Arc<Cipher>,
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Sqlite {
    /// Opens (creating if needed) the database at `path`, migrates it, and checks
    /// that it runs in WAL mode with `synchronous=FULL`. `key` seals the secrets
    /// it keeps.
    pub fn open(path: &Path, key: &[u8; 32]) -> Result<Self, StoreError> {
        let cipher = Arc::new(Cipher::new(key));
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        check_durable(&conn)?;
        schema::migrate(&conn, &cipher)?;
        Ok(Self {
            writer: writer::Writer::start(conn),
            readers: Arc::new(Readers {
                path: path.to_path_buf(),
                idle: Mutex::new(Vec::new()),
            }),
            cipher,
        })
    }

    /// Runs `f` on a read-only connection, off the async threads.
    async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Cipher) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let readers = self.readers.clone();
        let cipher = self.cipher.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match readers.idle.lock().unwrap().pop() {
                Some(conn) => conn,
                None => {
                    let conn = Connection::open_with_flags(
                        &readers.path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(std::time::Duration::from_secs(5))?;
                    conn
                }
            };
            let result = f(&conn, &cipher);
            readers.idle.lock().unwrap().push(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// The one value `sql` (a query without parameters) selects.
    async fn scalar<T: rusqlite::types::FromSql + Send + 'static>(
        &self,
        sql: &'static str,
    ) -> Result<T, StoreError> {
        self.read(move |conn, _| Ok(conn.query_row(sql, [], |row| row.get(0))?))
            .await
    }

    /// Runs `f` inside the next group commit and returns its result once committed.
    async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Cipher) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let cipher = self.cipher.clone();
        self.writer.write(move |conn| f(conn, &cipher)).await
    }
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

/// A stored value that does not read back.
fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_is_not_in_wal_mode_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("plain.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        assert!(matches!(
            check_durable(&conn),
            Err(StoreError::NotDurable(_))
        ));
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        assert!(matches!(
            check_durable(&conn),
            Err(StoreError::NotDurable(_))
        ));
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        check_durable(&conn).unwrap();
    }

    /// A database made before secrets were sealed has them sealed by migration 3.
    #[test]
    fn migration_three_seals_secrets_written_in_the_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let cipher = Cipher::new(&[7; 32]);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA user_version = 0").unwrap();
            schema::migrate_to(&conn, &cipher, 2).unwrap();
            conn.execute_batch(
                "INSERT INTO shops (id, name, plan, key_hash, created_at) VALUES ('s', 'S', 'premium', 'h', 1);
                 INSERT INTO webhooks (id, shop_id, name, status, events, plugin, config, signing_secret, created_at, updated_at)
                 VALUES ('wh_1', 's', 'w', 'active', '[\"order.paid\"]', 'http', '{\"url\":\"https://x.test/\"}', 'whsec_plain', 1, 1);",
            )
            .unwrap();
        }
        let store = Sqlite::open(&path, &[7; 32]).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let webhook = runtime
            .block_on(crate::store::Store::webhook(&store, "s", "wh_1"))
            .unwrap()
            .unwrap();
        assert_eq!(webhook.signing_secret, "whsec_plain");
        runtime.block_on(crate::store::Store::close(&store));
        let conn = Connection::open(&path).unwrap();
        let stored: String = conn
            .query_row("SELECT signing_secret FROM webhooks", [], |r| r.get(0))
            .unwrap();
        assert!(stored.starts_with("sealed:v1:"));
    }
}
