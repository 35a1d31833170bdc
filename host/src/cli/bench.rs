//! `kait bench`: end-to-end load on a real server in this process. Producers post
//! `order.paid` events over HTTP to a fresh database; one `http` webhook sends each
//! to a local receiver. It measures ingest throughput and latency (request to
//! durable 202), delivery throughput, and the ingest-to-delivery latency of each
//! event (request start to first arrival at the receiver).
//!
//! Producers, server and receiver share one process and one runtime, so the
//! figures include the load generator's own CPU use.
//!
//! With `--postgres` the data goes to a scratch database on that server, and
//! `--hosts N` starts N servers on it (each with its own pool, workers and
//! listener, as N hosts would have), producers posting to them in turn. With
//! two or more, it also measures how long an upload through one host takes to
//! reach another.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clap::Args;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use kait::config::ServeConfig;
use kait::server::Server;

/// Events sent and delivered before measuring, so that connection pools and warm
/// plugin instances exist when the clock starts.
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
    /// A PostgreSQL server (e.g. `postgres://127.0.0.1/test`) to run on, in a
    /// scratch database made for the run; unset: SQLite.
    #[arg(long)]
    postgres: Option<String>,
    /// Servers sharing the database (PostgreSQL only).
    #[arg(long, default_value_t = 1)]
    hosts: usize,
}

pub fn run(args: Bench) -> anyhow::Result<()> {
    let counts = [args.events, args.producers, args.workers, args.hosts];
    anyhow::ensure!(
        !counts.contains(&0),
        "--events, --producers, --workers and --hosts must be above 0"
    );
    anyhow::ensure!(
        args.hosts == 1 || args.postgres.is_some(),
        "several --hosts share a PostgreSQL database: give --postgres"
    );
    let rate_ok = args.rate.is_none_or(|rate| rate > 0.0 && rate.is_finite());
    anyhow::ensure!(rate_ok, "--rate must be above 0");
    run_quietly(bench(args))
}

/// Runs a load command's body on a multi-threaded runtime, logging only warnings:
/// the server's per-request info lines would drown the report, while warnings (a
/// store or worker in trouble) are what explain a bad run.
pub(super) fn run_quietly(
    body: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(body)
}

/// First arrival of each event id at the receiver.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// Removes the scratch directory however the run ends.
pub(super) struct Scratch {
    pub(super) path: PathBuf,
    pub(super) keep: bool,
}

impl Scratch {
    /// A new scratch directory under the system's temporary directory.
    pub(super) fn new(name: &str, keep: bool) -> anyhow::Result<Self> {
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let path = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("create {}", path.display()))?;
        Ok(Self { path, keep })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

async fn bench(args: Bench) -> anyhow::Result<()> {
    let scratch = Scratch::new("kait-bench", args.keep_data)?;
    let database = match &args.postgres {
        Some(server) => Some(kait::store::postgres::scratch::Scratch::create(server).await?),
        None => None,
    };
    let data = match &database {
        Some(database) => database.url.clone(),
        None => scratch.path.join("kait.db").display().to_string(),
    };

    let admin_key = hex::encode(rand::random::<[u8; 16]>());
    let secret_key = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        rand::random::<[u8; 32]>(),
    );
    let mut servers = Vec::new();
    for _ in 0..args.hosts {
        let config = ServeConfig {
            listen: ([127, 0, 0, 1], 0).into(),
            data: data.clone(),
            admin_key: Some(admin_key.clone()),
            secret_key: Some(secret_key.clone()),
            workers: args.workers,
            allow_private_destinations: true,
            shutdown_grace: Duration::from_secs(5),
            log: "warn".to_string(),
            ..ServeConfig::default()
        };
        servers.push(Server::start(config).await?);
    }
    let result = drive(&args, &servers, &admin_key).await;
    for server in servers {
        server.shutdown().await;
    }
    if args.keep_data {
        match database {
            Some(database) => println!("data kept in {}", database.keep()),
            None => println!("data kept in {}", scratch.path.display()),
        }
    }
    result
}

/// The part of a delivered event the receiver needs.
#[derive(serde::Deserialize)]
struct Delivered {
    id: String,
}

async fn receive(State(arrivals): State<Arrivals>, Json(event): Json<Delivered>) {
    let now = Instant::now();
    // Deliveries are at least once: a repeat must not move the first arrival.
    arrivals.lock().unwrap().entry(event.id).or_insert(now);
}

/// Where and how producers post events.
pub(super) struct Target {
    pub(super) client: reqwest::Client,
    /// Each host's events endpoint; event i goes to host i mod hosts.
    urls: Vec<String>,
    pub(super) key: String,
    template: Value,
}

async fn drive(args: &Bench, servers: &[Server], admin_key: &str) -> anyhow::Result<()> {
    let arrivals = Arrivals::default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let hook = format!("http://{}/hook", listener.local_addr()?);
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(arrivals.clone());
    // Dies with the runtime when the run ends.
    tokio::spawn(async move { axum::serve(listener, router).await });

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = format!("http://{}/v1/shops", servers[0].addr);
    let shop = json!({"id": "bench", "name": "Bench", "plan": "premium"});
    let created = post(&client, &base, admin_key, shop, StatusCode::CREATED).await;
    let created = created.map_err(|e| anyhow::anyhow!("create the shop: {e}"))?;
    let created: Value = serde_json::from_str(&created)?;
    let key = created["key"].as_str().context("no shop key")?.to_string();
    let webhook = json!({"name": "bench", "plugin": "http", "events": ["order.paid"],
        "config": {"url": hook}});
    let url = format!("{base}/bench/webhooks");
    let created = post(&client, &url, &key, webhook, StatusCode::CREATED).await;
    created.map_err(|e| anyhow::anyhow!("create the webhook: {e}"))?;

    let sample = kait::events::sample("order.paid").context("no order.paid sample")?;
    let mut template: Value = serde_json::from_str(sample)?;
    template["shop"] = json!("bench");
    let target = Arc::new(Target {
        client,
        urls: servers
            .iter()
            .map(|s| format!("http://{}/v1/shops/bench/events", s.addr))
            .collect(),
        key,
        template,
    });

    let (warm, errors) = produce(&target, "evt_warm", WARM_UP, args.producers, None).await;
    anyhow::ensure!(errors.is_empty(), "warm-up refused: {errors:?}");
    let missing = wait_for(&arrivals, &warm, DELIVERY_TIMEOUT).await;
    anyhow::ensure!(missing == 0, "warm-up: {missing} events never arrived");

    let (sent, errors) =
        produce(&target, "evt_bench", args.events, args.producers, args.rate).await;
    anyhow::ensure!(!sent.is_empty(), "no event was accepted: {errors:?}");
    let missing = wait_for(&arrivals, &sent, DELIVERY_TIMEOUT).await;
    report(args, &sent, &arrivals.lock().unwrap());
    for (error, count) in errors {
        println!("errors     {count} × {error}");
    }
    let secs = DELIVERY_TIMEOUT.as_secs();
    anyhow::ensure!(
        missing == 0,
        "{missing} accepted events not delivered within {secs} s"
    );
    if let [first, second, ..] = servers {
        let base = |server: &Server| format!("http://{}/v1/shops/bench/plugins", server.addr);
        let reach = super::bench_hosts::swap_reach(&target, &base(first), &base(second)).await?;
        println!("swap       an upload through host 1 is listed by host 2 after {reach}");
    }
    Ok(())
}

/// Posts `body`; any status but `expect` is an error, described for the report.
async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: Value,
    expect: StatusCode,
) -> Result<String, String> {
    let request = client.post(url).bearer_auth(key).body(body.to_string());
    let response = request.header(CONTENT_TYPE, "application/json").send();
    let response = response.await.map_err(|e| format!("POST failed: {e}"))?;
    let status = response.status();
    // Read to the end either way, so the connection goes back to the pool.
    let text = response.text().await.unwrap_or_default();
    if status != expect {
        let excerpt: String = text.chars().take(200).collect();
        return Err(format!("{status}: {excerpt}"));
    }
    Ok(text)
}

/// One accepted event: when its request started and when the 202 came back.
struct Sent {
    id: String,
    began: Instant,
    accepted: Instant,
}

/// Posts `count` events named `<prefix>_<i>` from `producers` tasks; returns those
/// accepted and the rest counted by error. With a rate, event i is due at
/// start + i/rate whether or not earlier ones were answered, so a slow server
/// meets the same offered load instead of slowing the producers down.
async fn produce(
    target: &Arc<Target>,
    prefix: &'static str,
    count: usize,
    producers: usize,
    rate: Option<f64>,
) -> (Vec<Sent>, HashMap<String, usize>) {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..producers.min(count) {
        let (target, next) = (target.clone(), next.clone());
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break outcomes;
                }
                if let Some(rate) = rate {
                    let slot = start + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(slot.into()).await;
                }
                let id = format!("{prefix}_{i}");
                let mut event = target.template.clone();
                event["id"] = json!(id);
                let began = Instant::now();
                let url = &target.urls[i % target.urls.len()];
                let (client, key) = (&target.client, &target.key);
                let posted = post(client, url, key, event, StatusCode::ACCEPTED).await;
                let accepted = Instant::now();
                outcomes.push(posted.map(|_| Sent {
                    id,
                    began,
                    accepted,
                }));
            }
        });
    }
    let (mut sent, mut errors) = (Vec::with_capacity(count), HashMap::new());
    for outcome in tasks.join_all().await.into_iter().flatten() {
        match outcome {
            Ok(one) => sent.push(one),
            Err(error) => *errors.entry(error).or_default() += 1,
        }
    }
    (sent, errors)
}

/// Waits until every event has arrived or `timeout` passes; returns how many have not.
async fn wait_for(arrivals: &Arrivals, sent: &[Sent], timeout: Duration) -> usize {
    let deadline = Instant::now() + timeout;
    let mut ids: Vec<&str> = sent.iter().map(|sent| sent.id.as_str()).collect();
    loop {
        {
            let arrived = arrivals.lock().unwrap();
            ids.retain(|id| !arrived.contains_key(*id));
        }
        if ids.is_empty() || Instant::now() >= deadline {
            return ids.len();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn report(args: &Bench, sent: &[Sent], arrivals: &HashMap<String, Instant>) {
    let rate = args.rate.map_or("unlimited".into(), |r| format!("{r}/s"));
    let (events, producers, workers) = (args.events, args.producers, args.workers);
    let (hosts, data) = match &args.postgres {
        Some(_) => (args.hosts, "PostgreSQL"),
        None => (1, "SQLite"),
    };
    println!(
        "kait bench: {data}, {hosts} host(s), {events} events, {producers} producers, \
         {workers} workers per host, rate {rate}"
    );
    let first = sent
        .iter()
        .map(|s| s.began)
        .min()
        .unwrap_or_else(Instant::now);
    let last_202 = sent.iter().map(|s| s.accepted).max().unwrap_or(first);
    let [p50, p99, _] = spread(sent.iter().map(|s| s.accepted - s.began).collect());
    let (n, took) = (sent.len(), (last_202 - first).as_secs_f64());
    let per_sec = n as f64 / took;
    println!(
        "accepted   {n} events in {took:.2} s = {per_sec:.0} events/s \
         (ingest p50 {p50:.1} ms, p99 {p99:.1} ms)"
    );
    let arrived: Vec<(Instant, Instant)> = sent
        .iter()
        .filter_map(|s| Some((s.began, *arrivals.get(&s.id)?)))
        .collect();
    let last_arrival = arrived.iter().map(|a| a.1).max().unwrap_or(first);
    let (n, took) = (arrived.len(), (last_arrival - first).as_secs_f64());
    let per_sec = n as f64 / took;
    println!("delivered  {n} events in {took:.2} s = {per_sec:.0} events/s");
    let [p50, p99, max] = spread(arrived.iter().map(|(began, at)| *at - *began).collect());
    println!("latency    ingest→delivery p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms");
}

/// p50, p99 (nearest rank) and max, in milliseconds.
fn spread(mut durations: Vec<Duration>) -> [f64; 3] {
    durations.sort();
    let at = |p: f64| {
        let rank = (p * durations.len() as f64).ceil() as usize;
        let d = durations.get(rank.max(1) - 1).copied().unwrap_or_default();
        d.as_secs_f64() * 1e3
    };
    [at(0.50), at(0.99), at(1.0)]
}
