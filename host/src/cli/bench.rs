//! `kait bench`: end-to-end load on a real server in this process. Producers post
//! `order.paid` events over HTTP to a fresh database; one `http` webhook sends each
//! to a local receiver. It measures ingest throughput and latency (request to
//! durable 202), delivery throughput, and the ingest-to-delivery latency of each
//! event (request start to first arrival at the receiver).
//!
//! Producers, server and receiver share one process and one runtime, so the
//! figures include the load generator's own CPU use.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use clap::Args;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use kait::config::ServeConfig;
use kait::server::Server;

/// Events sent, and waited for, before measuring: compiles nothing twice, fills
/// the connection pools and warms the plugin instances.
const WARM_UP: usize = 200;
/// How long delivery of the measured events may take before giving up.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(120);

/// Load test settings.
#[derive(Args)]
pub struct Bench {
    /// Events to send and measure (after a warm-up of 200 that is not counted).
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Concurrent producers posting events.
    #[arg(long, default_value_t = 32)]
    producers: usize,
    /// Offered load in events per second, on a fixed schedule (open loop); unset:
    /// as fast as the producers go.
    #[arg(long)]
    rate: Option<f64>,
    /// Deliveries in flight at once (the server's `workers` setting).
    #[arg(long, default_value_t = 64)]
    workers: usize,
    /// Keep the database instead of removing it, and print where it is.
    #[arg(long)]
    keep_data: bool,
}

pub fn run(args: Bench) -> anyhow::Result<()> {
    anyhow::ensure!(args.events > 0, "--events must be at least 1");
    anyhow::ensure!(args.producers > 0, "--producers must be at least 1");
    anyhow::ensure!(args.workers > 0, "--workers must be at least 1");
    if let Some(rate) = args.rate {
        anyhow::ensure!(rate > 0.0 && rate.is_finite(), "--rate must be above 0");
    }
    // Failed attempts are logged at info; only what is worse would skew a run.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(bench(args))
}

/// First arrival of each event id at the receiver.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// Removes the scratch directory however the run ends.
struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

async fn bench(args: Bench) -> anyhow::Result<()> {
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let scratch = Scratch {
        path: std::env::temp_dir().join(format!("kait-bench-{}-{nanos}", std::process::id())),
        keep: args.keep_data,
    };
    std::fs::create_dir(&scratch.path)
        .with_context(|| format!("create {}", scratch.path.display()))?;

    let arrivals = Arrivals::default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let hook = format!("http://{}/hook", listener.local_addr()?);
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(arrivals.clone());
    let receiver = tokio::spawn(async move { axum::serve(listener, router).await });

    let admin_key = hex::encode(rand::random::<[u8; 16]>());
    let server = Server::start(ServeConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        data: scratch.path.join("kait.db"),
        admin_key: Some(admin_key.clone()),
        workers: args.workers,
        allow_private_destinations: true,
        shutdown_grace: Duration::from_secs(5),
        log: "warn".to_string(),
        ..ServeConfig::default()
    })
    .await?;
    let result = drive(&args, &server, &admin_key, &hook, &arrivals).await;
    server.shutdown().await;
    receiver.abort();
    if args.keep_data {
        println!("data kept in {}", scratch.path.display());
    }
    result
}

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> StatusCode {
    let now = Instant::now();
    #[derive(serde::Deserialize)]
    struct Event {
        id: String,
    }
    match serde_json::from_slice::<Event>(&body) {
        Ok(event) => {
            arrivals.lock().unwrap().entry(event.id).or_insert(now);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// Where and how producers post events.
struct Target {
    client: reqwest::Client,
    url: String,
    key: String,
    template: Value,
}

async fn drive(
    args: &Bench,
    server: &Server,
    admin_key: &str,
    hook: &str,
    arrivals: &Arrivals,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = format!("http://{}/v1/shops", server.addr);
    let shop = json!({"id": "bench", "name": "Bench", "plan": "premium"});
    let created = post_json(&client, &base, admin_key, shop).await?;
    let key = created["key"].as_str().context("no shop key")?.to_string();
    let webhook = json!({"name": "bench", "plugin": "http", "events": ["order.paid"],
        "config": {"url": hook}});
    post_json(&client, &format!("{base}/bench/webhooks"), &key, webhook).await?;

    let sample = kait::events::sample("order.paid").context("no order.paid sample")?;
    let mut template: Value = serde_json::from_str(sample)?;
    template["shop"] = json!("bench");
    let target = Arc::new(Target {
        client,
        url: format!("{base}/bench/events"),
        key,
        template,
    });

    let warm = produce(&target, "evt_warm", WARM_UP, args.producers, None).await;
    let ids = warm.accepted.iter().map(|sent| sent.id.clone()).collect();
    anyhow::ensure!(warm.errors.is_empty(), "warm-up refused: {:?}", warm.errors);
    let missing = wait_for(arrivals, ids, DELIVERY_TIMEOUT).await;
    anyhow::ensure!(
        missing.is_empty(),
        "warm-up: {} never delivered",
        missing.len()
    );

    let run = produce(&target, "evt_bench", args.events, args.producers, args.rate).await;
    let ids = run.accepted.iter().map(|sent| sent.id.clone()).collect();
    let missing = wait_for(arrivals, ids, DELIVERY_TIMEOUT).await;
    report(args, &run, &arrivals.lock().unwrap(), missing.len());
    anyhow::ensure!(!run.accepted.is_empty(), "no event was accepted");
    anyhow::ensure!(missing.is_empty(), "{} events never arrived", missing.len());
    Ok(())
}

async fn post_json(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let response = client
        .post(url)
        .bearer_auth(key)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "POST {url}: {status}: {text}");
    Ok(serde_json::from_str(&text)?)
}

/// One accepted event.
struct Sent {
    id: String,
    began: Instant,
    accepted: Instant,
}

/// What a run of producers did.
#[derive(Default)]
struct Produced {
    accepted: Vec<Sent>,
    /// Refusals and failures, counted by what happened.
    errors: HashMap<String, usize>,
    /// The furthest any request started behind its slot (with a rate).
    lag: Duration,
}

/// Posts `count` events named `<prefix>_<i>` from `producers` tasks. With a rate,
/// event i is due at start + i/rate whether or not earlier ones were answered, so a
/// slow server meets the same offered load instead of slowing the producers down.
async fn produce(
    target: &Arc<Target>,
    prefix: &'static str,
    count: usize,
    producers: usize,
    rate: Option<f64>,
) -> Produced {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..producers.min(count) {
        let (target, next) = (target.clone(), next.clone());
        tasks.spawn(async move {
            let mut done = Produced::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break done;
                }
                if let Some(rate) = rate {
                    let slot = start + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(slot.into()).await;
                    done.lag = done.lag.max(slot.elapsed());
                }
                let id = format!("{prefix}_{i}");
                let began = Instant::now();
                match post_event(&target, &id).await {
                    Ok(()) => done.accepted.push(Sent {
                        id,
                        began,
                        accepted: Instant::now(),
                    }),
                    Err(error) => *done.errors.entry(error).or_default() += 1,
                }
            }
        });
    }
    let mut all = Produced::default();
    for done in tasks.join_all().await {
        all.accepted.extend(done.accepted);
        for (error, n) in done.errors {
            *all.errors.entry(error).or_default() += n;
        }
        all.lag = all.lag.max(done.lag);
    }
    all
}

/// Posts one event; anything but a 202 is an error, described for the report.
async fn post_event(target: &Target, id: &str) -> Result<(), String> {
    let mut event = target.template.clone();
    event["id"] = json!(id);
    let response = target
        .client
        .post(&target.url)
        .bearer_auth(&target.key)
        .header(CONTENT_TYPE, "application/json")
        .body(event.to_string())
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    // Read to the end even on success, so the connection goes back to the pool.
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("answer cut: {e}"))?;
    if status == StatusCode::ACCEPTED {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&body);
    Err(format!(
        "{status}: {}",
        text.chars().take(200).collect::<String>()
    ))
}

/// Waits until every id has arrived or `timeout` passes; returns those still missing.
async fn wait_for(arrivals: &Arrivals, mut ids: Vec<String>, timeout: Duration) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    loop {
        {
            let arrived = arrivals.lock().unwrap();
            ids.retain(|id| !arrived.contains_key(id));
        }
        if ids.is_empty() || Instant::now() >= deadline {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn report(args: &Bench, run: &Produced, arrivals: &HashMap<String, Instant>, missing: usize) {
    let rate = args
        .rate
        .map_or("unlimited".to_string(), |r| format!("{r}/s"));
    println!(
        "kait bench: {} events, {} producers, {} workers, rate {rate}",
        args.events, args.producers, args.workers
    );
    let n = run.accepted.len();
    if let Some(first) = run.accepted.iter().map(|sent| sent.began).min() {
        let last_202 = run.accepted.iter().map(|sent| sent.accepted).max().unwrap();
        let mut ingest: Vec<Duration> = run.accepted.iter().map(|s| s.accepted - s.began).collect();
        let mut latency = Vec::with_capacity(n);
        let mut last_arrival = first;
        for sent in &run.accepted {
            if let Some(&arrived) = arrivals.get(&sent.id) {
                latency.push(arrived.saturating_duration_since(sent.began));
                last_arrival = last_arrival.max(arrived);
            }
        }
        ingest.sort();
        latency.sort();
        let (took, delivered) = (last_202 - first, last_arrival - first);
        println!(
            "accepted   {n} events in {:.2} s = {:.0} events/s (ingest p50 {:.1} ms, p99 {:.1} ms)",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64(),
            ms(percentile(&ingest, 0.50)),
            ms(percentile(&ingest, 0.99)),
        );
        println!(
            "delivered  {} events in {:.2} s = {:.0} events/s",
            latency.len(),
            delivered.as_secs_f64(),
            latency.len() as f64 / delivered.as_secs_f64(),
        );
        println!(
            "latency    ingest→delivery p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(percentile(&latency, 0.50)),
            ms(percentile(&latency, 0.99)),
            ms(latency.last().copied().unwrap_or_default()),
        );
    }
    if args.rate.is_some() {
        println!(
            "schedule   producers started up to {:.1} ms late",
            ms(run.lag)
        );
    }
    if missing > 0 {
        let secs = DELIVERY_TIMEOUT.as_secs();
        println!("missing    {missing} accepted events not delivered within {secs} s");
    }
    let mut errors: Vec<_> = run.errors.iter().collect();
    errors.sort_by(|a, b| b.1.cmp(a.1));
    for (error, count) in errors {
        println!("errors     {count} × {error}");
    }
}

/// Nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
