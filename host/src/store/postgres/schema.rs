//! The database schema, as numbered migrations applied in order at start-up.
//! `kait_schema` records how many ran. Hosts starting together migrate one at a
//! time (an advisory lock held by the migrating transaction), and a host refuses
//! a database that a newer Kait has migrated further than it knows.

use super::{StoreError, execute, maybe};

/// Held while migrating, so two hosts starting at once do not both migrate.
const MIGRATION_LOCK: i64 = 0x6b61_6974; // "kait"

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE shops (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    plan                  TEXT NOT NULL,
    key_hash              TEXT NOT NULL UNIQUE,
    created_at            BIGINT NOT NULL,
    abandonment_window_ms BIGINT NOT NULL DEFAULT 3600000
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
    failing_since   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhooks_by_shop ON webhooks(shop_id, created_at);
CREATE TABLE events (
    shop_id     TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at BIGINT NOT NULL,
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
    next_attempt_at BIGINT,
    lease           BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, created_at, id);
CREATE INDEX deliveries_by_event ON deliveries(shop_id, event_id);
CREATE TABLE attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    error_kind  TEXT,
    error       TEXT,
    plugin      TEXT NOT NULL,
    logs        TEXT NOT NULL,
    requests    TEXT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
CREATE TABLE timers (
    shop_id     TEXT NOT NULL,
    checkout_id TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, checkout_id)
);
CREATE INDEX timers_due ON timers(due_at) WHERE status = 'pending';
CREATE TABLE plugin_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes  BYTEA NOT NULL
);
CREATE TABLE plugin_versions (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES plugin_blobs(sha256),
    size       BIGINT NOT NULL,
    info       TEXT NOT NULL,
    imports    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (shop_id, name, version)
);
"#,
    // The merchant page's portal links and sessions, by the hash of their token.
    r#"
CREATE TABLE portal_links (
    hash       TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    shop_id    TEXT NOT NULL REFERENCES shops(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
"#,
    // Fan-out retries send only the requests not yet done (their positions, as a
    // JSON array); a rotated signing secret still signs until its overlap ends
    // (sealed like the current one).
    r#"
ALTER TABLE deliveries ADD COLUMN done_requests TEXT NOT NULL DEFAULT '[]';
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_until BIGINT;
"#,
    // Version lifecycle: `@latest` is the highest-ranked version not withdrawn;
    // a promotion gives a version the next rank. Existing versions rank in
    // upload order, as `@latest` meant before.
    r#"
ALTER TABLE plugin_versions ADD COLUMN latest_rank BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plugin_versions ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE plugin_versions ADD COLUMN promoted_at BIGINT;
UPDATE plugin_versions SET latest_rank = seq;
"#,
];

/// Applies the migrations not yet run, in one transaction.
pub(super) async fn migrate(client: &mut deadpool_postgres::Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS kait_schema (version INTEGER NOT NULL)")
        .await?;
    let done = match maybe(&tx, "SELECT version FROM kait_schema", &[]).await? {
        Some(row) => row.try_get::<_, i32>(0)? as usize,
        None => {
            execute(&tx, "INSERT INTO kait_schema (version) VALUES (0)", &[]).await?;
            0
        }
    };
    crate::store::check_schema(done, MIGRATIONS.len())?;
    for sql in &MIGRATIONS[done..] {
        tx.batch_execute(sql).await?;
    }
    let version = MIGRATIONS.len() as i32;
    execute(&tx, "UPDATE kait_schema SET version = $1", &[&version]).await?;
    tx.commit().await?;
    Ok(())
}
