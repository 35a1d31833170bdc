//! End-to-end harness: the real `kait serve` binary on `127.0.0.1:0` with its own
//! data directory, an API client, and a receiver that forwards every request it
//! gets into a channel and answers as the test tells it.
#![allow(dead_code, unused_imports)]

pub mod app;
pub mod calls;
pub mod listener;
pub mod receiver;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use kait::store::postgres::scratch::Scratch;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub use app::App;
pub use calls::ApiCalls;
pub use receiver::{Receiver, Reply};

/// Paths of the test guests (built by `host/build.rs`).
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/guests.rs"));
}

pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";

/// How long a test waits for something before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Everything the server wrote to stderr (its log), across restarts.
pub type Logs = std::sync::Arc<std::sync::Mutex<String>>;

/// A running `kait serve`.
pub struct Kait {
    pub logs: Logs,
    child: Child,
    pub base: String,
    pub place: std::sync::Arc<Place>,
    env: Vec<(String, String)>,
    pub client: reqwest::Client,
}

/// The compiled-component cache every test server shares.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kait-cache")
}

/// The PostgreSQL server the suite runs on when `KAIT_TEST_POSTGRES` is set
/// (e.g. `postgres://127.0.0.1/test`); unset: SQLite.
pub fn postgres_server() -> Option<String> {
    std::env::var("KAIT_TEST_POSTGRES").ok()
}

/// The sealing key of test servers on PostgreSQL (every host the same).
pub const TEST_SECRET_KEY: &str = "a2FpdC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=";

/// Where a test server keeps its data: a folder (the SQLite file and its key
/// file, or nothing), and on PostgreSQL a scratch database of its own, dropped
/// with this value. Hosts that share one are several hosts on one database.
pub struct Place {
    pub dir: tempfile::TempDir,
    pub scratch: Option<Scratch>,
}

impl Place {
    /// A fresh place on the suite's backend.
    pub fn new() -> Self {
        Self::on(postgres_server().as_deref())
    }

    /// A fresh place on the PostgreSQL `server`, or SQLite if `None`.
    pub fn on(server: Option<&str>) -> Self {
        let scratch = server.map(|server| {
            Scratch::create_blocking(server).unwrap_or_else(|e| {
                panic!("a scratch database on {server} (is PostgreSQL running?): {e}")
            })
        });
        Self {
            dir: tempfile::tempdir().unwrap(),
            scratch,
        }
    }

    /// The `data` setting.
    pub fn data(&self) -> String {
        match &self.scratch {
            Some(scratch) => scratch.url.clone(),
            None => self.sqlite_file().unwrap().display().to_string(),
        }
    }

    /// The SQLite file, when the data is there.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.scratch
            .is_none()
            .then(|| self.dir.path().join("kait.db"))
    }

    /// Rows of `table` (a table name, optionally followed by a `WHERE` clause).
    pub fn count(&self, table: &str) -> u64 {
        self.number(&format!("SELECT count(*) FROM {table}")) as u64
    }

    /// The number `sql` selects, on either backend (NULL reads as 0).
    pub fn number(&self, sql: &str) -> i64 {
        match &self.scratch {
            Some(scratch) => scratch.number_blocking(sql).unwrap(),
            None => rusqlite::Connection::open_with_flags(
                self.sqlite_file().unwrap(),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap()
            .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .unwrap()
            .unwrap_or(0),
        }
    }

    /// Everything kept at rest but the key file, as text (to look for secrets
    /// that must not be there).
    pub fn stored_text(&self) -> String {
        let mut stored = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".key") {
                stored.extend(std::fs::read(&path).unwrap());
            }
        }
        let mut text = String::from_utf8_lossy(&stored).into_owned();
        if let Some(scratch) = &self.scratch {
            text.push_str(&scratch.dump_blocking().unwrap());
        }
        text
    }
}

/// The settings every test service runs with, for data in `place`.
pub fn test_settings(place: &Place) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("KAIT_DATA", place.data()),
        ("KAIT_LISTEN", "127.0.0.1:0".into()),
        ("KAIT_ADMIN_KEY", ADMIN_KEY.into()),
        ("KAIT_ALLOW_PRIVATE_DESTINATIONS", "true".into()),
        (
            "KAIT_RETRY_SCHEDULE",
            r#"["200ms", "400ms", "600ms"]"#.into(),
        ),
        ("KAIT_RETRY_JITTER", "0.0".into()),
        ("KAIT_CACHE_DIR", cache_dir().display().to_string()),
        ("KAIT_LOG", "warn".into()),
    ];
    if place.scratch.is_some() {
        settings.push(("KAIT_SECRET_KEY", TEST_SECRET_KEY.into()));
    }
    settings
}

fn spawn(place: &Place, env: &[(String, String)], logs: &Logs) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kait"))
        .arg("serve")
        .envs(test_settings(place))
        .envs(env.iter().cloned())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kait serve");
    let stderr = child.stderr.take().unwrap();
    let kept = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            kept.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("kait listening on ") {
                let url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let _ = tx.send(url);
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("kait serve printed its address");
    (child, base)
}

impl Kait {
    /// Starts the server with the test defaults plus `env`.
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::start_on(std::sync::Arc::new(Place::new()), env)
    }

    /// Starts a server on `place`, which other servers may share (several hosts
    /// on one PostgreSQL database).
    pub fn start_on(place: std::sync::Arc<Place>, env: &[(&str, &str)]) -> Self {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let logs = Logs::default();
        let (child, base) = spawn(&place, &env, &logs);
        Self {
            logs,
            child,
            base,
            place,
            env,
            client: reqwest::Client::new(),
        }
    }

    /// Kills the server with SIGKILL.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap()
    }

    /// Starts the server again on the same data.
    pub fn restart(&mut self) {
        let (child, base) = spawn(&self.place, &self.env, &self.logs);
        self.child = child;
        self.base = base;
    }

    /// The server's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Whether the server is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl ApiCalls for Kait {
    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<calls::Body>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", body.content_type)
                .body(body.bytes);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        (status, calls::json_or_text(&bytes))
    }
}

impl Drop for Kait {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh 2048-bit RSA private key (PKCS#8 PEM), made by `openssl`.
pub fn private_key() -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&path)
        .output()
        .expect("openssl is installed");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::read_to_string(path).unwrap()
}

/// The component at `path` with a custom section `kait-test` holding `tag` appended:
/// the same behaviour under a different content hash, so a different version.
pub fn variant(path: &str, tag: &str) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("read the component");
    let name = b"kait-test";
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(tag.as_bytes());
    bytes.push(0);
    let mut size = section.len();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            bytes.push(byte);
            break;
        }
        bytes.push(byte | 0x80);
    }
    bytes.extend_from_slice(&section);
    bytes
}

/// A sample event of `kind` for `shop` with the given id.
pub fn event(kind: &str, shop: &str, id: &str) -> Value {
    let mut event: Value = serde_json::from_str(kait::events::sample(kind).unwrap()).unwrap();
    event["id"] = id.into();
    event["shop"] = shop.into();
    event
}
