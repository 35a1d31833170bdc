//! `kait bench-timers`: what abandonment timers cost. A server runs in this
//! process on a fresh database; N checkouts are started (timers due in a day) and
//! the process's CPU time is read over an idle period; then M timers that fall due
//! together are made and the time until all have fired is measured.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use serde_json::json;

use kait::config::ServeConfig;
use kait::domain::Plan;
use kait::domain::abandonment;
use kait::server::Server;

use super::bench::Scratch;

/// Timer load settings.
#[derive(Args)]
pub struct BenchTimers {
    /// Pending timers kept while idle.
    #[arg(long, default_value_t = 100_000)]
    pending: usize,
    /// Timers that fall due together.
    #[arg(long, default_value_t = 10_000)]
    due: usize,
    /// Seconds of idling to measure.
    #[arg(long, default_value_t = 10)]
    idle: u64,
}

pub fn run(args: BenchTimers) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(bench(args))
}

/// User plus system CPU time of this process.
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; it is zeroed beforehand.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Starts `count` checkouts created at `created_at` (Unix ms), many at once.
async fn start_checkouts(
    server: &Server,
    first: usize,
    count: usize,
    created_at: i64,
) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for n in first..first + count {
        let created = chrono::DateTime::from_timestamp_millis(created_at)
            .unwrap_or_default()
            .to_rfc3339();
        let text = json!({
            "id": format!("start-{n}"), "type": "checkout.started", "shop": "bench",
            "occurred_at": created, "data": {"checkout": {"id": n, "created_at": created}},
        })
        .to_string();
        let service = server.service.clone();
        tasks.spawn(async move { service.ingest("bench", &text).await });
        if tasks.len() >= 2048 {
            tasks.join_next().await.context("task")???;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

async fn bench(args: BenchTimers) -> anyhow::Result<()> {
    let scratch = Scratch::new("kait-bench-timers", false)?;
    let server = Server::start(ServeConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        data: scratch.path.join("kait.db").display().to_string(),
        admin_key: Some(hex::encode(rand::random::<[u8; 16]>())),
        log: "warn".to_string(),
        ..ServeConfig::default()
    })
    .await?;
    let store = server.service.store.clone();
    server
        .service
        .create_shop("bench", "Bench", Plan::Premium)
        .await?;

    let loading = Instant::now();
    start_checkouts(
        &server,
        0,
        args.pending,
        chrono::Utc::now().timestamp_millis() + 23 * 3_600_000,
    )
    .await?;
    println!(
        "kait bench-timers: {} pending timers started in {:.2} s",
        store.pending_timers().await?,
        loading.elapsed().as_secs_f64()
    );

    let (cpu, wall) = (cpu_time(), Instant::now());
    tokio::time::sleep(Duration::from_secs(args.idle)).await;
    let used = cpu_time() - cpu;
    println!(
        "idle       {:.1} ms CPU in {:.1} s with {} timers pending = {:.3} % of one core",
        used.as_secs_f64() * 1e3,
        wall.elapsed().as_secs_f64(),
        args.pending,
        100.0 * used.as_secs_f64() / wall.elapsed().as_secs_f64()
    );

    // Created an hour ago, less two seconds: all due together two seconds from now.
    let window = abandonment::DEFAULT_WINDOW.as_millis() as i64;
    let due_at = chrono::Utc::now().timestamp_millis() + 2000;
    start_checkouts(&server, args.pending, args.due, due_at - window).await?;
    let before = store.pending_timers().await?;
    let target = before - args.due as u64;
    while chrono::Utc::now().timestamp_millis() < due_at {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let firing = Instant::now();
    while store.pending_timers().await? > target {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = firing.elapsed();
    println!(
        "fire       {} timers due together fired in {:.0} ms = {:.0} timers/s (each stores a checkout.abandoned event)",
        args.due,
        took.as_secs_f64() * 1e3,
        args.due as f64 / took.as_secs_f64()
    );
    server.shutdown().await;
    Ok(())
}
