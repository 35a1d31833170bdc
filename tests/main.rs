//! Every end-to-end test in one binary: one link instead of one per file. Each
//! file below is a module of its own; `server` is the harness around the real
//! `kait serve`, `common` the runtime-level helpers.

mod common;
mod server;

mod abandonment;
mod admin_key;
mod api;
mod auth;
mod builtins;
mod cli;
mod delivery;
mod destinations;
mod dry_run;
mod durability;
mod examples;
mod fanout;
mod hostile;
mod hosts;
mod hot_swap;
mod ingest;
mod instances;
mod layers;
mod lifecycle;
mod lifecycle_cli;
mod listen;
mod loading;
mod manage_cli;
mod output;
mod page;
mod plugins;
mod profile_cli;
mod redirects;
mod registry;
mod remote_cli;
mod replay_cli;
mod rotation;
mod sandbox;
mod scaffold;
mod secrets;
mod seed;
