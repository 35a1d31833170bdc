//! The database schema, as numbered migrations applied in order at start-up
//! (`PRAGMA user_version` records how many ran).

use rusqlite::Connection;

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    r#"
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
"#,
    // Secrets written before they were sealed at rest.
    r#"
UPDATE webhooks SET config = seal(config), signing_secret = seal(signing_secret);
"#,
    // Per-shop plugins: component bytes by content, and each shop's versions.
    r#"
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
"#,
];

pub(super) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let done: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            n + 1
        ))?;
    }
    Ok(())
}
