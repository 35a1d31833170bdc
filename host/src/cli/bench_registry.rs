//! `kait bench-registry`: a restart with many stored plugin versions. A server runs
//! in this process (temporary database and cache directory, shop `bench` on plan
//! premium); N distinct versions of one component are uploaded (each compiles),
//! made distinct by a custom section appended to the bytes. The server is stopped
//! cleanly and a new one started on the same database and cache directory, then it
//! measures the time until `/readyz` answers, the time to make every version ready
//! (one dry run each, `sample: order.paid`), a second dry run of each (already
//! ready, for comparison), and reads `kait_plugin_loads_total` from `/metrics`:
//! with a working cache, `source="compiled"` stays 0 after the restart. It prints
//! figures and asserts nothing about time.
//!
//! ```sh
//! cargo build --release -p kait
//! target/release/kait bench-registry --plugin examples/rust-transformer/transformer.wasm \
//!   [--versions 100] [--config '{"url":"https://example.com/hook"}']
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use kait::config::ServeConfig;
use kait::server::Server;

use super::bench::Scratch;
use super::bench_plugin::{DEFAULT_CONFIG, compact_json, dir_bytes, ms, percentiles, size};

/// The shop's id, and the plugin's name.
const SHOP: &str = "bench";
const PLUGIN: &str = SHOP;

/// Registry restart settings.
#[derive(Args)]
pub struct BenchRegistry {
    /// The component to upload, many times over.
    #[arg(long, value_name = "PATH.wasm")]
    plugin: PathBuf,
    /// Distinct versions to upload.
    #[arg(long, default_value_t = 100)]
    versions: usize,
    /// The configuration each dry run uses, inline JSON.
    #[arg(long, value_name = "JSON", default_value = DEFAULT_CONFIG)]
    config: String,
}

pub fn run(args: BenchRegistry) -> Result<()> {
    anyhow::ensure!(args.versions > 0, "--versions must be above 0");
    super::bench::run_quietly(bench(args))
}

/// A server's address and the admin key it takes.
struct Api {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, String)> {
        let response = request.bearer_auth(&self.key).send().await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await.unwrap_or_default()))
    }

    /// Posts `body`; any status but `expect` is an error.
    async fn post(&self, path: &str, body: Vec<u8>, kind: &str, expect: u16) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let request = self.client.post(&url).header(CONTENT_TYPE, kind).body(body);
        let (status, text) = self.send(request).await?;
        if status != expect {
            bail!(
                "POST {path}: {status}: {}",
                text.chars().take(300).collect::<String>()
            );
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// `kait_plugin_loads_total` by source: (compiled, cache).
    async fn loads(&self) -> Result<(u64, u64)> {
        let url = format!("{}/metrics", self.base);
        let (_, text) = self.send(self.client.get(url)).await?;
        let count = |source: &str| {
            let prefix = format!("kait_plugin_loads_total{{source=\"{source}\"}} ");
            text.lines()
                .find_map(|line| line.strip_prefix(&prefix)?.trim().parse().ok())
                .unwrap_or(0)
        };
        Ok((count("compiled"), count("cache")))
    }
}

/// The component with a custom section appended: id 0, size, then the name
/// (`kait-bench`, length first) and the payload `n`; all sizes unsigned LEB128.
fn variant(component: &[u8], n: usize) -> Vec<u8> {
    let name = b"kait-bench";
    let mut contents = leb128(name.len());
    contents.extend_from_slice(name);
    contents.extend_from_slice(&n.to_le_bytes());
    let mut bytes = component.to_vec();
    bytes.push(0x00);
    bytes.extend(leb128(contents.len()));
    bytes.extend(contents);
    bytes
}

fn leb128(mut value: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

async fn bench(args: BenchRegistry) -> Result<()> {
    let component = std::fs::read(&args.plugin)
        .with_context(|| format!("cannot read {}", args.plugin.display()))?;
    let config: Value = serde_json::from_str(&compact_json(&args.config)?)?;
    let scratch = Scratch::new("kait-bench-registry", false)?;
    let admin_key = hex::encode(rand::random::<[u8; 16]>());
    let cache = scratch.path.join("cache");
    let settings = ServeConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        data: scratch.path.join("kait.db").display().to_string(),
        admin_key: Some(admin_key.clone()),
        cache_dir: Some(cache.clone()),
        log: "warn".to_string(),
        ..ServeConfig::default()
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let api = |server: &Server| Api {
        client: client.clone(),
        base: format!("http://{}", server.addr),
        key: admin_key.clone(),
    };
    println!(
        "kait bench-registry: {} versions of {} ({})",
        args.versions,
        args.plugin.display(),
        size(component.len())
    );

    let server = Server::start(settings.clone()).await?;
    let first = api(&server);
    let uploaded = upload_all(&first, &component, args.versions).await;
    let loads = first.loads().await;
    server.shutdown().await;
    let (versions, uploads) = uploaded?;
    let total: Duration = uploads.iter().sum();
    let [p50, p99] = percentiles(uploads, [0.50, 0.99]);
    let ((compiled, cached), n) = (loads?, versions.len());
    let (total, p50, p99) = (total.as_secs_f64(), ms(p50), ms(p99));
    println!(
        "upload     {n} versions in {total:.2} s (each compiles; p50 {p50:.1} ms, \
         p99 {p99:.1} ms); plugin loads compiled {compiled}, cache {cached}"
    );
    let files = std::fs::read_dir(&cache).map_or(0, |d| d.count());
    let builtins = kait::builtin::NAMES.len();
    let bytes = size(dir_bytes(&cache) as usize);
    println!("cache dir  {bytes} in {files} files (including the {builtins} built-ins)");

    let started = Instant::now();
    let server = Server::start(settings).await?;
    let listening = started.elapsed();
    let second = api(&server);
    let ready = loop {
        let url = format!("{}/readyz", second.base);
        if let Ok((200, _)) = second.send(second.client.get(url)).await {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let (ready, listening) = (ms(ready), ms(listening));
    println!(
        "restart    /readyz answered {ready:.1} ms after start \
         (Server::start returned after {listening:.1} ms)"
    );
    let result = ready_all(&second, &versions, &config).await;
    server.shutdown().await;
    result
}

/// Uploads `count` distinct versions; their ids and each upload's time.
async fn upload_all(
    api: &Api,
    component: &[u8],
    count: usize,
) -> Result<(Vec<String>, Vec<Duration>)> {
    let shop = json!({"id": SHOP, "name": "Bench", "plan": "premium"}).to_string();
    let created = api.post("/v1/shops", shop.into_bytes(), "application/json", 201);
    created.await.context("create the shop")?;
    let path = format!("/v1/shops/{SHOP}/plugins/{PLUGIN}/versions");
    let (mut versions, mut times) = (Vec::new(), Vec::new());
    for n in 0..count {
        let bytes = variant(component, n);
        let started = Instant::now();
        let created = api.post(&path, bytes, "application/wasm", 201).await;
        times.push(started.elapsed());
        let created = created.with_context(|| format!("upload version {n}"))?;
        let version = created["version"].as_str().context("no version id")?;
        versions.push(version.to_string());
    }
    Ok((versions, times))
}

/// Makes every version ready with one dry run each, runs each again, and prints.
async fn ready_all(api: &Api, versions: &[String], config: &Value) -> Result<()> {
    let body = json!({"sample": "order.paid", "config": config}).to_string();
    let mut passes = Vec::new();
    for _ in 0..2 {
        let (mut times, started) = (Vec::new(), Instant::now());
        for version in versions {
            let path = format!("/v1/shops/{SHOP}/plugins/{PLUGIN}/versions/{version}/dry-run");
            let t = Instant::now();
            let answer = api.post(&path, body.clone().into_bytes(), "application/json", 200);
            let answer = answer.await?;
            times.push(t.elapsed());
            if answer["outcome"] == "error" {
                bail!("dry run of {version} failed: {}", answer["error"]);
            }
        }
        passes.push((started.elapsed(), times));
    }
    let (compiled, cached) = api.loads().await?;
    for ((total, times), what) in passes.into_iter().zip(["make ready", "again"]) {
        let [p50, p99] = percentiles(times, [0.50, 0.99]).map(ms);
        let (n, total) = (versions.len(), ms(total));
        println!(
            "{what:<10} {n} dry runs in {total:.1} ms (per version p50 {p50:.2} ms, p99 {p99:.2} ms)"
        );
    }
    println!(
        "loads      after restart: kait_plugin_loads_total{{source=\"compiled\"}} {compiled}, \
         {{source=\"cache\"}} {cached}"
    );
    Ok(())
}
