//! `kait events …`: the sample events.

use anyhow::{Result, bail};
use clap::Subcommand;

use kait::events::{TYPES, sample};

#[derive(Subcommand)]
pub enum Command {
    /// Print the sample event of a type (e.g. order.paid).
    Sample {
        /// One of the ten event types.
        #[arg(value_name = "TYPE")]
        kind: String,
    },
    /// List the ten event types.
    Types,
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Sample { kind } => match sample(&kind) {
            Some(text) => print!("{text}"),
            None => bail!(
                "unknown event type {kind:?}; expected one of: {}",
                TYPES.join(", ")
            ),
        },
        Command::Types => TYPES.iter().for_each(|t| println!("{t}")),
    }
    Ok(())
}
