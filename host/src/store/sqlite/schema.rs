//! The database schema, as numbered migrations applied in order at start-up
//! (`PRAGMA user_version` records how many ran). A step is SQL, or Rust where it
//! needs what SQL does not have (sealing secrets).

use rusqlite::{Connection, params};

use super::StoreError;
use crate::store::sealing::Cipher;

enum Step {
    Sql(&'static str),
    Code(fn(&Connection, &Cipher) -> Result<(), StoreError>),
}

use Step::{Code, Sql};

const MIGRATIONS: &[Step] = &[
    Sql(r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE shops (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    plan       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL REFERENCES shops(id),
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    disabled_reason TEXT,
    events          TEXT NOT NULL,
    plugin          TEXT NOT NULL,
    config          TEXT NOT NULL,
    signing_secret  TEXT NOT NULL,
    failing_since   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhooks_by_shop ON webhooks(shop_id, created_at);
CREATE TABLE events (
    shop_id     TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (shop_id, id)
);
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease           INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, created_at, id);
CREATE INDEX deliveries_by_event ON deliveries(shop_id, event_id);
CREATE TABLE attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    error_kind  TEXT,
    error       TEXT,
    plugin      TEXT NOT NULL,
    logs        TEXT NOT NULL,
    requests    TEXT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
"#),
    Sql(r#"
ALTER TABLE shops ADD COLUMN abandonment_window_ms INTEGER NOT NULL DEFAULT 3600000;
CREATE TABLE timers (
    shop_id     TEXT NOT NULL,
    checkout_id TEXT NOT NULL,
    due_at      INTEGER NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (shop_id, checkout_id)
);
CREATE INDEX timers_due ON timers(due_at) WHERE status = 'pending';
"#),
    // Secrets written before they were sealed at rest.
    Code(seal_webhook_secrets),
    // Per-shop plugins: component bytes by content, and each shop's versions.
    Sql(r#"
CREATE TABLE plugin_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
);
CREATE TABLE plugin_versions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES plugin_blobs(sha256),
    size       INTEGER NOT NULL,
    info       TEXT NOT NULL,
    imports    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (shop_id, name, version)
);
"#),
    // The merchant page's portal links and sessions, by the hash of their token.
    Sql(r#"
CREATE TABLE portal_links (
    hash       TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
"#),
    // Fan-out retries send only the requests not yet done (their positions, as a
    // JSON array); a rotated signing secret still signs until its overlap ends
    // (sealed like the current one).
    Sql(r#"
ALTER TABLE deliveries ADD COLUMN done_requests TEXT NOT NULL DEFAULT '[]';
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_until INTEGER;
"#),
    // Version lifecycle: `@latest` is the highest-ranked version not withdrawn;
    // a promotion gives a version the next rank. Existing versions rank in
    // upload order, as `@latest` meant before.
    Sql(r#"
ALTER TABLE plugin_versions ADD COLUMN latest_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plugin_versions ADD COLUMN withdrawn_at INTEGER;
ALTER TABLE plugin_versions ADD COLUMN promoted_at INTEGER;
UPDATE plugin_versions SET latest_rank = seq;
"#),
];

pub(super) fn migrate(conn: &Connection, cipher: &Cipher) -> Result<(), StoreError> {
    migrate_to(conn, cipher, MIGRATIONS.len())
}

/// Applies the migrations not yet run, up to the first `last`.
pub(super) fn migrate_to(
    conn: &Connection,
    cipher: &Cipher,
    last: usize,
) -> Result<(), StoreError> {
    let done: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    crate::store::check_schema(done, MIGRATIONS.len())?;
    for (n, step) in MIGRATIONS.iter().enumerate().take(last).skip(done) {
        conn.execute_batch("BEGIN")?;
        let ran = match step {
            Sql(sql) => conn.execute_batch(sql).map_err(StoreError::from),
            Code(code) => code(conn, cipher),
        }
        .and_then(|()| {
            Ok(conn.execute_batch(&format!("PRAGMA user_version = {}; COMMIT;", n + 1))?)
        });
        if let Err(error) = ran {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(error);
        }
    }
    Ok(())
}

/// Marks the database at `path` as migrated to `version` (tests of a newer
/// Kait's database).
#[cfg(test)]
pub(crate) fn set_version(path: &std::path::Path, version: usize) {
    Connection::open(path)
        .unwrap()
        .pragma_update(None, "user_version", version)
        .unwrap();
}

fn seal_webhook_secrets(conn: &Connection, cipher: &Cipher) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("SELECT id, config, signing_secret FROM webhooks")?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, config, secret) in rows {
        conn.execute(
            "UPDATE webhooks SET config = ?2, signing_secret = ?3 WHERE id = ?1",
            params![id, cipher.seal(&config), cipher.seal(&secret)],
        )?;
    }
    Ok(())
}
