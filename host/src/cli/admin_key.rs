//! `kait admin-key reset`: a new admin key for the data the settings name, for
//! when the one printed at first start is lost. It works beside running servers:
//! they stop accepting the old key within a second.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};

use kait::config::ServeConfig;
use kait::service::keys::reset_admin_key;
use kait::store::{self, sealing};

use super::profile::Profile;
use super::serve::local_url;

#[derive(Subcommand)]
pub enum Command {
    /// Replaces the admin key with a new one and prints it; the old one stops working.
    Reset(Reset),
}

#[derive(Args)]
pub struct Reset {
    /// Settings file (TOML), as given to `kait serve`; KAIT_<FIELD> variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(command: Command) -> Result<()> {
    let Command::Reset(args) = command;
    let config = ServeConfig::load(args.config.as_deref(), std::env::vars())?;
    if config.admin_key.is_some() {
        bail!(
            "the admin key comes from the settings (admin_key / KAIT_ADMIN_KEY); change it there"
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let key = runtime.block_on(async {
        let sealing_key = sealing::key_for(&config.data, config.secret_key.as_deref())
            .map_err(anyhow::Error::msg)?;
        let backend = store::open(&config.data, &sealing_key)
            .await
            .with_context(|| format!("cannot open {}", store::postgres::shown(&config.data)))?;
        let reset = reset_admin_key(backend.store.as_ref()).await;
        backend.store.close().await;
        Ok::<_, anyhow::Error>(reset?)
    })?;
    println!("{key}");
    eprintln!(
        "new admin key for {} (shown once; only its hash is stored). \
         The old admin key no longer works: running servers refuse it within a second.",
        store::postgres::shown(&config.data)
    );
    // The profile follows, for the server the settings listen on (or, when they
    // name no fixed port, the one the profile already points at).
    let url = match config.listen.port() {
        0 => Profile::read().ok().flatten().map(|kept| kept.url),
        _ => Some(local_url(config.listen)),
    };
    if let Some(url) = url {
        match (Profile { url, key }).write() {
            Ok(written) => eprintln!("{written}"),
            Err(error) => eprintln!("warning: the profile was not written: {error:#}"),
        }
    }
    Ok(())
}
