//! Throwaway databases on a PostgreSQL server, one per test or benchmark run, so
//! runs never see each other's rows. Each is dropped when its [`Scratch`] is.

use tokio_postgres::NoTls;

use super::super::StoreError;

/// A database made for one run, dropped with this value.
pub struct Scratch {
    admin: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
    /// Left in place when dropped.
    kept: bool,
}

impl Scratch {
    /// Makes a fresh, empty database on the server `admin` (a URL to any
    /// database there, e.g. `postgres://127.0.0.1/test`).
    pub async fn create(admin: &str) -> Result<Self, StoreError> {
        let name = format!("kait_scratch_{}", hex::encode(rand::random::<[u8; 6]>()));
        run(admin, &format!("CREATE DATABASE {name}")).await?;
        let mut config: url::Url = admin
            .parse()
            .map_err(|e| StoreError::Database(format!("the PostgreSQL URL: {e}")))?;
        config.set_path(&name);
        Ok(Self {
            admin: admin.to_string(),
            url: config.to_string(),
            name,
            kept: false,
        })
    }

    /// Keeps the database after all; returns its URL.
    pub fn keep(mut self) -> String {
        self.kept = true;
        self.url.clone()
    }

    /// Runs `sql` on the scratch database.
    pub async fn execute(&self, sql: &str) -> Result<(), StoreError> {
        run(&self.url, sql).await
    }

    /// Every row of `table`, as text (to look for what must not be there).
    pub async fn text_of(&self, table: &str) -> Result<String, StoreError> {
        let sql = format!("SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t");
        let rows = query(&self.url, &sql).await?;
        Ok(rows[0].try_get(0)?)
    }

    /// The number `sql` selects (a `bigint`; NULL reads as 0), from outside
    /// any async runtime.
    pub fn number_blocking(&self, sql: &str) -> Result<i64, StoreError> {
        let (url, sql) = (self.url.clone(), sql.to_string());
        on_own_thread(async move {
            let found: Option<i64> = query(&url, &sql).await?[0].try_get(0)?;
            Ok(found.unwrap_or(0))
        })
    }

    /// Every row of every table, as text, from outside any async runtime.
    pub fn dump_blocking(&self) -> Result<String, StoreError> {
        let url = self.url.clone();
        on_own_thread(async move {
            let tables = query(
                &url,
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .await?;
            let mut text = String::new();
            for table in tables {
                let name: String = table.try_get(0)?;
                let sql = format!("SELECT coalesce(string_agg(t::text, ' '), '') FROM {name} t");
                text.push_str(query(&url, &sql).await?[0].try_get(0)?);
                text.push('\n');
            }
            Ok(text)
        })
    }

    /// [`Scratch::create`] from outside any async runtime.
    pub fn create_blocking(admin: &str) -> Result<Self, StoreError> {
        let admin = admin.to_string();
        on_own_thread(async move { Self::create(&admin).await })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let (admin, sql) = (
            self.admin.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        if on_own_thread(async move { run(&admin, &sql).await }).is_err() {
            eprintln!("could not drop scratch database {}", self.name);
        }
    }
}

/// Runs statements on their own connection to `url`.
async fn run(url: &str, sql: &str) -> Result<(), StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    let driver = tokio::spawn(connection);
    let ran = client.batch_execute(sql).await;
    drop(client);
    let _ = driver.await;
    Ok(ran?)
}

/// Runs a query on its own connection to `url`.
async fn query(url: &str, sql: &str) -> Result<Vec<tokio_postgres::Row>, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    let driver = tokio::spawn(connection);
    let rows = client.query(sql, &[]).await;
    drop(client);
    let _ = driver.await;
    Ok(rows?)
}

/// Runs `future` to its end on a thread and runtime of its own, so callers
/// inside or outside a runtime may wait for it.
fn on_own_thread<T: Send + 'static>(
    future: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(future)
    })
    .join()
    .expect("the scratch database thread")
}
