//! End-to-end harness: the real `kait serve` binary on `127.0.0.1:0` with its own
//! data directory, an API client, and a receiver that forwards every request it
//! gets into a channel and answers as the test tells it.
#![allow(dead_code, unused_imports)]

pub mod receiver;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    pub client: reqwest::Client,
}

/// The compiled-component cache every test server shares.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kait-cache")
}

fn spawn(dir: &std::path::Path, env: &[(String, String)], logs: &Logs) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kait"))
        .arg("serve")
        .env("KAIT_DATA", dir.join("kait.db"))
        .env("KAIT_LISTEN", "127.0.0.1:0")
        .env("KAIT_ADMIN_KEY", ADMIN_KEY)
        .env("KAIT_ALLOW_PRIVATE_DESTINATIONS", "true")
        .env("KAIT_RETRY_SCHEDULE", r#"["200ms", "400ms", "600ms"]"#)
        .env("KAIT_RETRY_JITTER", "0.0")
        .env("KAIT_CACHE_DIR", cache_dir())
        .env("KAIT_LOG", "warn")
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
        let dir = tempfile::tempdir().unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let logs = Logs::default();
        let (child, base) = spawn(dir.path(), &env, &logs);
        Self {
            logs,
            child,
            base,
            dir,
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
        let (child, base) = spawn(self.dir.path(), &self.env, &self.logs);
        self.child = child;
        self.base = base;
    }

    /// The server's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("kait.db")
    }

    /// One API call; the body (JSON, or text as a string) and status.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    pub async fn patch(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(key), Some(body)).await
    }

    /// Creates a shop; returns its key.
    pub async fn shop(&self, id: &str, plan: &str) -> String {
        let (status, body) = self
            .post(
                "/v1/shops",
                ADMIN_KEY,
                json!({"id": id, "name": id.to_uppercase(), "plan": plan}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["key"].as_str().unwrap().to_string()
    }

    /// Creates a webhook; returns the whole response (with `signing_secret`).
    pub async fn webhook(&self, shop: &str, key: &str, body: Value) -> Value {
        let (status, created) = self
            .post(&format!("/v1/shops/{shop}/webhooks"), key, body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    /// An `http` webhook to `url`.
    pub async fn http_webhook(&self, shop: &str, key: &str, url: &str) -> Value {
        self.webhook(
            shop,
            key,
            json!({"name": "orders", "plugin": "http", "config": {"url": url}}),
        )
        .await
    }

    /// Posts an event; returns status and body.
    pub async fn event(&self, shop: &str, key: &str, event: &Value) -> (StatusCode, Value) {
        self.post(&format!("/v1/shops/{shop}/events"), key, event.clone())
            .await
    }

    /// Polls a delivery until `done` holds for it.
    pub async fn delivery_until(
        &self,
        shop: &str,
        key: &str,
        id: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let (status, delivery) = self
                .get(&format!("/v1/shops/{shop}/deliveries/{id}"), key)
                .await;
            assert_eq!(status, StatusCode::OK, "{delivery}");
            if done(&delivery) {
                return delivery;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "delivery never got there: {delivery:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Kait {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Kait {
    /// Uploads a component as a version of `shop`'s plugin `name`.
    pub async fn upload(
        &self,
        shop: &str,
        key: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let path = format!("/v1/shops/{shop}/plugins/{name}/versions");
        self.upload_as(&path, Some(key), bytes).await
    }

    /// Posts component bytes to `path` with `key` (or none).
    pub async fn upload_as(
        &self,
        path: &str,
        key: Option<&str>,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.post(format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request
            .header("content-type", "application/wasm")
            .body(bytes)
            .send()
            .await
            .expect("the API answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The value of a Prometheus counter line starting with `prefix` (0 if absent).
    pub async fn metric(&self, prefix: &str) -> f64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await;
        let text = text.unwrap().text().await.unwrap();
        text.lines()
            .filter(|line| line.starts_with(prefix))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
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
