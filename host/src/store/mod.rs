//! The store: what the rest of Kait needs from storage, as one interface
//! ([`Store`]), and the backends that keep it.
//!
//! Everything above this module speaks in domain types and [`StoreError`]; no
//! database library is named outside a backend's folder. Secrets are sealed by
//! [`sealing`] before any backend writes them, and opened after it reads them.
//!
//! - [`sqlite`]: the embedded default. One file, WAL, `synchronous=FULL`, one
//!   writer thread with group commit.
//! - [`postgres`]: several hosts on one PostgreSQL database, chosen by a
//!   `postgres://` URL as the `data` setting.
//!
//! The contract tests in `tests/` run against the backend `KAIT_TEST_POSTGRES`
//! names (a server URL), or SQLite when it is unset.

mod by_tables;
pub mod postgres;
pub mod sealing;
pub mod sqlite;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::Millis;
use crate::domain::abandonment::Fired;
use crate::domain::{
    AttemptRecord, Claimed, Delivery, DeliveryPage, Ingested, NewEvent, NewShop, Plan, PlanChange,
    PluginName, PluginVersion, PortalLink, Session, Shop, StoredEvent, Webhook,
};
use crate::signals::Signals;

/// Why the store could not do something. The same for every backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(String),
    /// The database is not set up the way durability needs.
    #[error("database not durable: {0}")]
    NotDurable(String),
    /// The key that seals stored secrets is unusable.
    #[error("store key: {0}")]
    Key(String),
    /// The store is shutting down.
    #[error("the store is closed")]
    Closed,
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The commit failed; nothing of this write was kept.
    #[error("commit failed: {0}")]
    Commit(String),
    /// A newer Kait has migrated the database further than this one knows.
    #[error(
        "the database is at schema version {found}, made by a newer Kait; this Kait knows \
         versions up to {known}. Run the newer Kait (or restore a backup)"
    )]
    NewerSchema {
        /// The database's version.
        found: usize,
        /// The newest version this Kait knows.
        known: usize,
    },
}

/// Refuses a database migrated past the `known` migrations of this Kait.
pub(crate) fn check_schema(found: usize, known: usize) -> Result<(), StoreError> {
    if found > known {
        return Err(StoreError::NewerSchema { found, known });
    }
    Ok(())
}

/// What deleting a plugin version did.
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

/// What withdrawing a plugin version did.
#[derive(Debug, PartialEq)]
pub enum Withdrawn {
    /// It is out of `@latest` (or already was); `pinned` are the webhooks (id,
    /// name) that name it exactly and keep running it.
    Done {
        /// The version as it is now.
        version: Box<PluginVersion>,
        /// The webhooks pinned to it.
        pinned: Vec<(String, String)>,
    },
    /// There is no such version.
    NotFound,
    /// It is the plugin's only version not withdrawn: `@latest` would name nothing.
    Last,
}

/// The store as the rest of Kait holds it.
pub type SharedStore = Arc<dyn Store>;

/// Everything Kait keeps, and every change to it, as one interface. Each method
/// is one transaction: it happens whole, or not at all, and a write returns only
/// once it is durable.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks the database answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Finishes queued writes and closes.
    async fn close(&self);
    /// A value kept in the store's own settings.
    async fn meta(&self, key: &'static str) -> Result<Option<String>, StoreError>;
    /// Keeps `value` under `key` unless the key has one; returns the kept value.
    async fn meta_insert(&self, key: &'static str, value: String) -> Result<String, StoreError>;
    /// Keeps `value` under `key`, replacing any value it had.
    async fn meta_replace(&self, key: &'static str, value: String) -> Result<(), StoreError>;

    /// Creates a shop; `None` if the id is taken.
    async fn create_shop(&self, shop: NewShop) -> Result<Option<Shop>, StoreError>;
    /// One shop.
    async fn shop(&self, id: &str) -> Result<Option<Shop>, StoreError>;
    /// Shops in id order, after `after`, at most `limit`.
    async fn shops(&self, after: Option<String>, limit: usize) -> Result<Vec<Shop>, StoreError>;
    /// The shop whose key hashes to `hash`.
    async fn shop_by_key(&self, hash: String) -> Result<Option<String>, StoreError>;
    /// Changes a shop's plan. On a plan without webhooks
    /// ([`Plan::has_webhooks`]), its active webhooks are paused in the same
    /// transaction (marked [`PAUSED_BY_PLAN`](crate::domain::PAUSED_BY_PLAN)); on a
    /// plan with them, the webhooks so marked are resumed. Both lists are returned.
    async fn set_plan(
        &self,
        id: &str,
        plan: Plan,
        now: Millis,
    ) -> Result<Option<(Shop, PlanChange)>, StoreError>;
    /// Sets a shop's abandonment window; `None` if there is no such shop.
    async fn set_abandonment_window(
        &self,
        id: &str,
        window: Duration,
    ) -> Result<Option<Shop>, StoreError>;

    /// Stores a new webhook.
    async fn create_webhook(&self, webhook: Webhook) -> Result<Webhook, StoreError>;
    /// One webhook of `shop`.
    async fn webhook(&self, shop: &str, id: &str) -> Result<Option<Webhook>, StoreError>;
    /// All of a shop's webhooks, oldest first.
    async fn webhooks(&self, shop: &str) -> Result<Vec<Webhook>, StoreError>;
    /// Saves a changed webhook (name, events, plugin, config, status); `None` if
    /// it no longer exists. Leaving `active` holds its waiting deliveries;
    /// returning to it releases them, due now.
    async fn update_webhook(
        &self,
        webhook: Webhook,
        now: Millis,
    ) -> Result<Option<Webhook>, StoreError>;
    /// Replaces a webhook's signing secret; the one it replaces is kept as the
    /// previous secret, signed with until `previous_until` (a previous secret
    /// before it is forgotten).
    async fn rotate_secret(
        &self,
        shop: &str,
        id: &str,
        secret: String,
        now: Millis,
        previous_until: Millis,
    ) -> Result<Option<Webhook>, StoreError>;
    /// Deletes a webhook with its deliveries and their attempts.
    async fn delete_webhook(&self, shop: &str, id: &str) -> Result<bool, StoreError>;

    /// Stores `event`, one pending delivery per active webhook that receives its
    /// type, and applies its timer effect. A known id gives the first result
    /// back and stores nothing.
    async fn ingest(&self, event: NewEvent, now: Millis) -> Result<Ingested, StoreError>;
    /// One stored event of `shop`.
    async fn event(&self, shop: &str, id: &str) -> Result<Option<StoredEvent>, StoreError>;

    /// Claims up to `limit` due deliveries for `lease_ms`: each claim bumps the
    /// delivery's lease token, so a late answer under an older token is ignored.
    async fn claim(
        &self,
        now: Millis,
        lease_ms: Millis,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError>;
    /// Stores `event` with one delivery to `webhook` only, already claimed for
    /// `lease_ms`, so the caller can attempt it at once (a webhook test).
    async fn claim_single(
        &self,
        event: NewEvent,
        webhook: Webhook,
        now: Millis,
        lease_ms: Millis,
    ) -> Result<Claimed, StoreError>;
    /// Records an attempt and its consequences (with the requests done so far);
    /// `false` if the claim was lost
    /// (the lease ran out and another worker took over, or the webhook was
    /// deleted).
    async fn record(&self, attempt: AttemptRecord) -> Result<bool, StoreError>;
    /// The earliest time a pending delivery falls due.
    async fn next_due(&self) -> Result<Option<Millis>, StoreError>;
    /// Deliveries waiting for an attempt.
    async fn queue_depth(&self) -> Result<u64, StoreError>;
    /// One delivery of `shop`, with its attempts.
    async fn delivery(&self, shop: &str, id: &str) -> Result<Option<Delivery>, StoreError>;
    /// A webhook's deliveries, newest first, one page at a time; returns the
    /// page and the cursor of the next one.
    async fn deliveries(
        &self,
        webhook: &str,
        page: DeliveryPage,
    ) -> Result<(Vec<Delivery>, Option<String>), StoreError>;
    /// Makes a delivery due now (again), whatever its state; `None` if there is
    /// no such delivery. A delivery of a paused webhook is held until it resumes.
    /// A delivery that had succeeded sends every request again; any other keeps
    /// the requests already done and sends the rest.
    async fn retry(
        &self,
        shop: &str,
        id: &str,
        now: Millis,
    ) -> Result<Option<Delivery>, StoreError>;

    /// Fires up to `limit` abandonment timers due by `now`: each is marked fired
    /// and its `checkout.abandoned` stored with its deliveries.
    async fn fire_timers(&self, now: Millis, limit: usize) -> Result<Fired, StoreError>;
    /// When the next pending timer falls due.
    async fn next_timer(&self) -> Result<Option<Millis>, StoreError>;
    /// Pending timers.
    async fn pending_timers(&self) -> Result<u64, StoreError>;

    /// Keeps a new portal link.
    async fn create_portal_link(&self, link: PortalLink) -> Result<(), StoreError>;
    /// Uses up the portal link whose token hashes to `hash`: its shop if it was
    /// unused and unexpired at `now`; `None` otherwise. A link opens once.
    async fn redeem_portal_link(
        &self,
        hash: String,
        now: Millis,
    ) -> Result<Option<String>, StoreError>;
    /// Keeps a new session.
    async fn create_session(&self, session: Session) -> Result<(), StoreError>;
    /// The session whose token hashes to `hash`, if it has not ended by `now`.
    async fn session(&self, hash: String, now: Millis) -> Result<Option<Session>, StoreError>;
    /// Ends a session (signing out); `false` if there was none.
    async fn end_session(&self, hash: String) -> Result<bool, StoreError>;

    /// Keeps an uploaded version. The same bytes under the same shop and name
    /// give back the version already kept (`false`: nothing new was stored).
    async fn insert_plugin_version(
        &self,
        version: PluginVersion,
        bytes: Vec<u8>,
    ) -> Result<(PluginVersion, bool), StoreError>;
    /// Every stored version of every shop, in upload order.
    async fn plugin_versions(&self) -> Result<Vec<PluginVersion>, StoreError>;
    /// The component bytes with this SHA-256.
    async fn plugin_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Deletes a version unless a webhook uses it: one that names it, or one
    /// that follows `@latest` while it is the latest.
    async fn delete_plugin_version(
        &self,
        shop: &str,
        name: &PluginName,
        version: &str,
    ) -> Result<Deleted, StoreError>;
    /// Makes a version the latest: it gets the plugin's next rank, its
    /// withdrawal (if any) is cleared. `None` if there is no such version.
    async fn promote_plugin_version(
        &self,
        shop: &str,
        name: &PluginName,
        version: &str,
        now: Millis,
    ) -> Result<Option<PluginVersion>, StoreError>;
    /// Takes a version out of `@latest` unless it is the only one left in it.
    async fn withdraw_plugin_version(
        &self,
        shop: &str,
        name: &PluginName,
        version: &str,
        now: Millis,
    ) -> Result<Withdrawn, StoreError>;
}

/// An opened backend: the store and the signals its hosts share.
pub struct Backend {
    /// The store.
    pub store: SharedStore,
    /// Wake-ups and news: within this process for SQLite, across every host on
    /// the database for PostgreSQL.
    pub signals: Signals,
}

/// Opens the store the `data` setting names (a `postgres://` URL: PostgreSQL;
/// anything else: a SQLite file path), sealing secrets with `key` (see
/// [`sealing::key`]). PostgreSQL's signals start on the current runtime.
pub async fn open(data: &str, key: &[u8; 32]) -> Result<Backend, StoreError> {
    let backend = if postgres::is_url(data) {
        let db = postgres::Postgres::open(data, key).await?;
        let signals = postgres::notify::signals(&db);
        let store: SharedStore = Arc::new(db);
        Backend { store, signals }
    } else {
        let db = sqlite::Sqlite::open(Path::new(data), key)?;
        Backend {
            store: Arc::new(db),
            signals: Signals::local(),
        }
    };
    sealing::check_key(backend.store.as_ref(), key).await?;
    Ok(backend)
}

#[cfg(test)]
mod tests;
