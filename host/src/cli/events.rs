//! `kait events …`: the sample events, as they are or made fresh for a shop.

use anyhow::{Result, bail};
use clap::Subcommand;
use serde_json::Value;

use kait::events::{TYPES, sample};

#[derive(Subcommand)]
pub enum Command {
    /// Print the sample event of a type (e.g. order.paid).
    Sample {
        /// One of the ten event types.
        #[arg(value_name = "TYPE")]
        kind: String,
        /// Made for this shop, with a fresh id (never a duplicate), ready to post.
        #[arg(long)]
        shop: Option<String>,
    },
    /// List the ten event types.
    Types,
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Sample { kind, shop: None } => print!("{}", known(&kind)?),
        Command::Sample {
            kind,
            shop: Some(shop),
        } => println!("{}", serde_json::to_string_pretty(&fresh(&kind, &shop)?)?),
        Command::Types => TYPES.iter().for_each(|t| println!("{t}")),
    }
    Ok(())
}

/// The sample of `kind`, or why there is none.
fn known(kind: &str) -> Result<&'static str> {
    match sample(kind) {
        Some(text) => Ok(text),
        None => bail!(
            "unknown event type {kind:?}; expected one of: {}",
            TYPES.join(", ")
        ),
    }
}

/// The sample of `kind` for `shop`, with a fresh id.
pub fn fresh(kind: &str, shop: &str) -> Result<Value> {
    let mut event: Value = serde_json::from_str(known(kind)?)?;
    event["id"] = format!("evt_trigger_{}", hex::encode(rand::random::<[u8; 8]>())).into();
    event["shop"] = shop.into();
    Ok(event)
}
