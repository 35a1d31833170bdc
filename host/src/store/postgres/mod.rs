//! The shared backend: PostgreSQL, for several `kait serve` hosts on one
//! database. Chosen when the `data` setting is a `postgres://` URL.
//!
//! Every method of the [`Store`](super::Store) interface is one transaction on
//! a pooled connection; a write returns once the database has committed it with
//! `synchronous_commit` on (checked at start-up). Claims and timers take their
//! rows with `FOR UPDATE SKIP LOCKED`, so hosts never wait on each other's
//! batches and no row is handed to two hosts at once. Hosts tell each other of
//! new work and news with `LISTEN`/`NOTIFY` ([`notify`]). Each table's SQL lives
//! in its own file; `contract.rs` maps the interface onto them.

mod contract;
mod deliveries;
mod events;
pub mod notify;
mod plugins;
mod schema;
pub mod scratch;
mod sessions;
mod shops;
mod text;
mod timers;
mod webhooks;

use std::sync::Arc;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::StoreError;
use super::sealing::Cipher;

/// Connections each host keeps open at most.
const POOL_SIZE: usize = 16;

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => StoreError::Database(format!("{}: {}", db.code().code(), db.message())),
            None => match std::error::Error::source(&error) {
                Some(cause) => StoreError::Database(format!("{error}: {cause}")),
                None => StoreError::Database(error.to_string()),
            },
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => StoreError::Database(format!("connection pool: {other}")),
        }
    }
}

/// The PostgreSQL store. Cheap to clone.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    cipher: Arc<Cipher>,
    /// The URL it was opened with (for the listener's own connection).
    config: tokio_postgres::Config,
}

/// Whether the `data` setting names a PostgreSQL database.
pub fn is_url(data: &str) -> bool {
    data.starts_with("postgres://") || data.starts_with("postgresql://")
}

/// `data` as it may be shown in a log: a URL's password is left out.
pub fn shown(data: &str) -> String {
    match url::Url::parse(data) {
        Ok(mut url) if is_url(data) && url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => data.to_string(),
    }
}

impl Postgres {
    /// Connects to the database at `url`, checks that commits are durable,
    /// migrates it (one host at a time), and seals secrets with `key`.
    pub async fn open(url: &str, key: &[u8; 32]) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Database(format!("the PostgreSQL URL: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Database(format!("connection pool: {e}")))?;
        let cipher = Arc::new(Cipher::new(key));
        let db = Self {
            pool,
            cipher,
            config,
        };
        let mut client = db.client().await?;
        check_durable(&client).await?;
        schema::migrate(&mut client).await?;
        Ok(db)
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// The one value `sql` selects.
    async fn scalar<T>(&self, sql: &str) -> Result<T, StoreError>
    where
        T: for<'a> tokio_postgres::types::FromSql<'a>,
    {
        let client = self.client().await?;
        Ok(one(&client, sql, &[]).await?.try_get(0)?)
    }
}

/// Runs `sql` (prepared once per connection) and returns its rows.
async fn rows<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query(&statement, params).await?)
}

/// Runs `sql` and returns its row, if any.
async fn maybe<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_opt(&statement, params).await?)
}

/// Runs `sql` and returns its one row.
async fn one<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Row, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_one(&statement, params).await?)
}

/// Runs `sql` and returns how many rows it changed.
async fn execute<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

/// Refuses a server that may lose a commit it acknowledged.
async fn check_durable<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    for (setting, durable) in [
        ("fsync", &["on"][..]),
        (
            "synchronous_commit",
            &["on", "local", "remote_write", "remote_apply"][..],
        ),
    ] {
        let value: String = one(client, &format!("SHOW {setting}"), &[])
            .await?
            .try_get(0)?;
        if !durable.contains(&value.as_str()) {
            return Err(StoreError::NotDurable(format!(
                "PostgreSQL has {setting} = {value}; Kait needs {}",
                durable.join(" or ")
            )));
        }
    }
    Ok(())
}

/// Runs a transaction again (up to 5 times) when PostgreSQL aborted it to
/// break a deadlock or a serialization conflict: it changed nothing then. Hosts
/// take a webhook's row before its deliveries' where they can, so this is rare
/// (a failing webhook recovering while it is paused).
async fn retrying<T, F, Fut>(mut transaction: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 1;
    loop {
        match transaction().await {
            Err(StoreError::Database(message))
                if tries < 5
                    && (message.starts_with("40P01:") || message.starts_with("40001:")) =>
            {
                tracing::debug!("transaction retried: {message}");
                tries += 1;
            }
            done => return done,
        }
    }
}

/// Free text from plugins and destinations (an error message) as PostgreSQL
/// text can hold it: a NUL becomes U+FFFD.
fn storable(text: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    text.map(|text| match text.contains('\0') {
        true => text.replace('\0', "\u{FFFD}").into(),
        false => text.into(),
    })
}

/// A stored value that does not read back.
fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}
