//! `kait bench-page`: how fast the merchant's page answers with a full delivery
//! log. A server runs in this process on a fresh database with one shop, one
//! `http` webhook to a local receiver and N delivered events; a signed-in
//! session then loads the webhooks list and the delivery log (the newest 20,
//! each with its attempts) repeatedly, one request at a time, and the latency
//! spread of each page is printed.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;

use kait::config::ServeConfig;
use kait::domain::Plan;
use kait::server::Server;
use kait::service::WebhookInput;

use super::bench::Scratch;

/// Page load settings.
#[derive(Args)]
pub struct BenchPage {
    /// Delivered events in the log.
    #[arg(long, default_value_t = 1_000)]
    deliveries: usize,
    /// Loads of each page to measure (after 20 not counted).
    #[arg(long, default_value_t = 500)]
    loads: usize,
}

pub fn run(args: BenchPage) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.deliveries > 0 && args.loads > 0,
        "--deliveries and --loads must be above 0"
    );
    super::bench::run_quietly(bench(args))
}

async fn bench(args: BenchPage) -> anyhow::Result<()> {
    let scratch = Scratch::new("kait-bench-page", false)?;
    let receiver = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let hook_url = format!("http://{}/hook", receiver.local_addr()?);
    let app = axum::Router::new().fallback(|| async { "ok" });
    tokio::spawn(async move { axum::serve(receiver, app).await });
    let server = Server::start(ServeConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        data: scratch.path.join("kait.db").display().to_string(),
        admin_key: Some(hex::encode(rand::random::<[u8; 16]>())),
        allow_private_destinations: true,
        log: "warn".to_string(),
        ..ServeConfig::default()
    })
    .await?;
    let service = server.service.clone();
    service.create_shop("bench", "Bench", Plan::Premium).await?;
    let input = WebhookInput {
        name: "Pesanan".into(),
        status: None,
        events: None,
        plugin: "http".into(),
        config: serde_json::json!({"url": hook_url}),
    };
    let hook = service.create_webhook("bench", input).await?;
    let sample = kait::events::sample("order.paid").context("no sample")?;
    for n in 0..args.deliveries {
        let mut event: serde_json::Value = serde_json::from_str(sample)?;
        event["shop"] = "bench".into();
        event["id"] = format!("evt_page_{n}").into();
        service.ingest("bench", &event.to_string()).await?;
    }
    // Every delivery attempted before measuring.
    let started = Instant::now();
    while service.store.queue_depth().await? > 0 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "deliveries never finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (token, _) = service.portal_link("bench").await?;
    let opened = service.open_portal(&token).await?;
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    println!(
        "kait bench-page: {} delivered events in the log, {} loads of each page, one at a time",
        args.deliveries, args.loads
    );
    for (label, path) in [
        ("webhooks list", "/settings/webhooks".to_string()),
        (
            "delivery log (newest 20 with attempts)",
            format!("/settings/webhooks/{}/deliveries", hook.id),
        ),
    ] {
        let mut times = Vec::with_capacity(args.loads);
        for n in 0..args.loads + 20 {
            let began = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .header("cookie", format!("kait_session={}", opened.token))
                .send()
                .await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            response.bytes().await?;
            if n >= 20 {
                times.push(began.elapsed());
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let at = |p: f64| ms(times[((p * times.len() as f64).ceil() as usize).max(1) - 1]);
        println!(
            "{label:40} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
    server.shutdown().await;
    Ok(())
}
