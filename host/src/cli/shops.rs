//! `kait shops create | list` (admin): the platform's shops. `create` prints the
//! new shop's id on stdout and its key, shown only now, on stderr.

use anyhow::Result;
use clap::Subcommand;
use serde_json::{Value, json};

use super::remote::{Common, line};

#[derive(Subcommand)]
pub enum Command {
    /// Create a shop; prints its id (its key, shown only now, goes to stderr).
    Create {
        /// The shop's id: 1–64 of a-z, 0-9, `-` and `_`.
        id: String,
        /// Display name; default: the id.
        #[arg(long)]
        name: Option<String>,
        /// Subscription plan: free, basic, standard, premium or ultimate (webhooks
        /// need standard or above).
        #[arg(long, default_value = "standard")]
        plan: String,
        #[command(flatten)]
        common: Common,
    },
    /// List the shops: id, plan, name, created, one a line.
    List {
        #[command(flatten)]
        common: Common,
    },
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Create {
            id,
            name,
            plan,
            common,
        } => {
            let name = name.unwrap_or_else(|| id.clone());
            let created = common.post(
                "/v1/shops",
                Some(json!({"id": id, "name": name, "plan": plan})),
            )?;
            if common.json {
                return Common::print_json(&created);
            }
            println!("{}", created["shop"]["id"].as_str().unwrap_or(&id));
            eprintln!(
                "shop key (shown only now; keep it, only its hash is stored): {}",
                created["key"].as_str().unwrap_or("?")
            );
            Ok(())
        }
        Command::List { common } => {
            let shops = common.all("/v1/shops", None)?;
            if common.json {
                return Common::print_json(&json!({"data": shops, "next_cursor": null}));
            }
            for shop in &shops {
                println!("{}", row(shop));
            }
            Ok(())
        }
    }
}

fn row(shop: &Value) -> String {
    line(&[
        &shop["id"],
        &shop["plan"],
        &shop["name"],
        &shop["created_at"],
    ])
}
