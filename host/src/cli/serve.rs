//! `kait serve`: the webhook service, until SIGTERM or Ctrl-C.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use kait::config::ServeConfig;
use kait::server::{AdminKey, Server};

use super::profile::Profile;

/// Runs the API and the delivery workers.
#[derive(Args)]
pub struct Serve {
    /// Settings file (TOML); see kait.example.toml. KAIT_<FIELD> variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: Serve) -> anyhow::Result<()> {
    let config = ServeConfig::load(args.config.as_deref(), std::env::vars())?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log).context("log filter")?)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let data = config.data.clone();
    let server = Server::start(config).await?;
    if let AdminKey::Generated(key) = &server.admin_key {
        println!("admin key (shown once; keep it, only its hash is stored): {key}");
        let profile = Profile {
            url: local_url(server.addr),
            key: key.clone(),
        };
        match profile.write() {
            Ok(written) => println!("{written}"),
            Err(error) => eprintln!("warning: the profile was not written: {error:#}"),
        }
    }
    println!(
        "kait listening on http://{} (data: {})",
        server.addr,
        kait::store::postgres::shown(&data)
    );
    tracing::info!(addr = %server.addr, "kait serving");
    stop_signal().await;
    tracing::info!("stopping: no new deliveries; finishing those in flight");
    server.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// The address a local `kait` command reaches the server at: a wildcard
/// listen address (`0.0.0.0`, `[::]`) is reached on loopback.
pub(super) fn local_url(addr: std::net::SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}")
}

async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
