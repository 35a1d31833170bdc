//! `kait plugin run | inspect | check`: a plugin's behaviour, locally, exactly as
//! the service would run it (same runtime, same limits); `kait plugin upload` sends
//! one to a server.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use kait::runtime::{Plugin, Runtime, RuntimeConfig};
use kait::{builtin, events};

use kait::redact::{SecretFields, scrub};
use kait::render;

#[derive(Subcommand)]
pub enum Command {
    /// Transform an event and print the requests the plugin would have sent.
    Run {
        #[command(flatten)]
        plugin: PluginArg,
        /// The event: a JSON file in the event format, or `-` for stdin.
        #[arg(long, value_name = "FILE", required_unless_present = "delivery")]
        event: Option<String>,
        /// The webhook's configuration: a JSON file, or inline JSON.
        #[arg(long, value_name = "FILE|JSON", required_unless_present = "delivery")]
        config: Option<String>,
        #[command(flatten)]
        replay: super::replay::Replay,
    },
    /// Print a plugin's info, configuration schema and imports.
    Inspect {
        /// A built-in plugin (telegram, sheets, http) or a path to a .wasm component.
        #[arg(value_name = "NAME|PATH.wasm")]
        plugin: String,
    },
    /// Upload a component as a new version of a shop's plugin on a running server.
    Upload(super::upload::Upload),
    /// List a shop's versions of a plugin on a running server (id first).
    Versions(super::versions::Versions),
    /// Make a version the latest (`NAME@latest` runs it from the next delivery).
    Promote(super::versions::Move),
    /// Take a version out of `@latest`; pinned webhooks keep it and are listed.
    Withdraw(super::versions::Move),
    /// Run a version on a sample event on a running server; delivers nothing.
    DryRun(super::versions::DryRun),
    /// Write a new plugin project (Rust, JavaScript or Python) into a new folder.
    New(super::scaffold::New),
    /// Build the plugin project in a folder (its build.sh) into transformer.wasm.
    Build(super::scaffold::Build),
    /// Check a configuration with the plugin's validate-config.
    Check {
        #[command(flatten)]
        plugin: PluginArg,
        /// The configuration: a JSON file, or inline JSON.
        #[arg(long, value_name = "FILE|JSON")]
        config: String,
    },
}

#[derive(Args)]
pub struct PluginArg {
    /// A built-in plugin (telegram, sheets, http) or a path to a .wasm component.
    #[arg(long = "plugin", value_name = "NAME|PATH.wasm")]
    name: String,
}

pub fn run(command: Command) -> Result<()> {
    let command = match command {
        Command::Upload(upload) => return super::upload::run(upload),
        Command::Versions(args) => return super::versions::versions(args),
        Command::Promote(args) => return super::versions::promote(args),
        Command::Withdraw(args) => return super::versions::withdraw(args),
        Command::DryRun(args) => return super::versions::dry_run(args),
        Command::New(args) => return super::scaffold::new(args),
        Command::Build(args) => return super::scaffold::build(args),
        local => local,
    };
    let runtime = Runtime::new(RuntimeConfig::default())?;
    match command {
        Command::Upload(_)
        | Command::Versions(_)
        | Command::Promote(_)
        | Command::Withdraw(_)
        | Command::DryRun(_)
        | Command::New(_)
        | Command::Build(_) => unreachable!("handled above"),
        Command::Run {
            plugin,
            event,
            config,
            replay,
        } => {
            let stored = match &replay.delivery {
                Some(delivery) => Some(replay.fetch(delivery)?),
                None => None,
            };
            let event_text = match (event, &stored) {
                (Some(event), _) => read_event(&event)?,
                (None, Some(stored)) => stored.event.clone(),
                (None, None) => bail!("--event is needed (or --delivery)"),
            };
            let config = match (config, &stored) {
                (Some(config), _) => read_config(&config)?,
                (None, Some(stored)) => stored.config.clone(),
                (None, None) => bail!("--config is needed (or --delivery)"),
            };
            transform(&runtime, &plugin.name, &event_text, &config)
        }
        Command::Inspect { plugin: name } => {
            let plugin = load(&runtime, &name)?;
            let info = runtime.info(&plugin).result?;
            let schema: serde_json::Value = serde_json::from_str(&info.config_schema)
                .unwrap_or_else(|_| info.config_schema.clone().into());
            let report = json!({
                "name": info.name,
                "version": info.version,
                "description": info.description,
                "id": plugin.id(),
                "size": plugin.size(),
                "imports": plugin.imports(),
                "config_schema": schema,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Check { plugin, config } => {
            let config = read_config(&config)?;
            let plugin = load(&runtime, &plugin.name)?;
            let info = runtime.info(&plugin).result?;
            runtime.validate_config(&plugin, "", &config).result?;
            println!(
                "ok: the configuration is valid for {} {}",
                info.name, info.version
            );
            Ok(())
        }
    }
}

/// Runs `plugin` on the event and configuration (JSON text) and prints the
/// report: the action on stdout, or the report on stderr and the failure.
fn transform(runtime: &Runtime, name: &str, event_text: &str, config: &str) -> Result<()> {
    let started = Instant::now();
    let plugin = load(runtime, name)?;
    let load_ms = millis(started.elapsed());
    let event = events::parse(event_text).context("the event is not valid")?;
    let info = runtime.info(&plugin).result?;
    let called = runtime.transform(&plugin, &event, config);
    let mut report = json!({
        "plugin": { "name": info.name, "version": info.version, "id": plugin.id() },
        "event": { "id": event.id, "type": event.kind, "shop": event.shop },
        "logs": called.logs,
        "load_ms": load_ms,
        "transform_ms": millis(called.duration),
        "transform_fuel": called.fuel,
        "fuel_budget": runtime.limits().fuel,
    });
    if !called.output.is_empty() {
        report["output"] = called.output.clone().into();
    }
    // The configuration's secrets (a bot token in a URL path, a key in a
    // query) are masked wherever the plugin put them, as the delivery log does.
    let config_value: serde_json::Value = serde_json::from_str(config)?;
    let secrets = SecretFields::from_schema(&info.config_schema).values(&config_value);
    let shown = |report: &serde_json::Value| -> Result<String> {
        Ok(scrub(&serde_json::to_string_pretty(report)?, &secrets))
    };
    match called.result {
        Ok(action) => {
            report["action"] = render::action(&action);
            println!("{}", shown(&report)?);
            Ok(())
        }
        Err(error) => {
            eprintln!("{}", shown(&report)?);
            let error = scrub(&error.to_string(), &secrets);
            bail!("{} failed on {}: {error}", info.name, event.kind)
        }
    }
}

fn load(runtime: &Runtime, name: &str) -> Result<Plugin> {
    let bytes = match builtin::get(name) {
        Some(bytes) => bytes.to_vec(),
        None if name.ends_with(".wasm") || Path::new(name).is_file() => {
            std::fs::read(name).with_context(|| format!("cannot read plugin {name}"))?
        }
        None => bail!(
            "unknown plugin {name:?}: use {} or a path to a .wasm component",
            builtin::NAMES.join(", ")
        ),
    };
    runtime
        .load(&bytes)
        .with_context(|| format!("cannot load plugin {name}"))
}

fn read_event(arg: &str) -> Result<String> {
    if arg == "-" {
        return std::io::read_to_string(std::io::stdin())
            .context("cannot read the event from stdin");
    }
    std::fs::read_to_string(arg).with_context(|| format!("cannot read event file {arg}"))
}

/// A file when one exists at that path, else inline JSON (any JSON value: the
/// plugin's validate-config judges it); passed on as the compact text.
pub(super) fn read_config(arg: &str) -> Result<String> {
    if Path::new(arg).is_file() {
        let text = std::fs::read_to_string(arg)
            .with_context(|| format!("cannot read config file {arg}"))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("config file {arg} is not valid JSON"))?;
        return Ok(value.to_string());
    }
    match serde_json::from_str::<serde_json::Value>(arg) {
        Ok(value) => Ok(value.to_string()),
        Err(error) => bail!("--config {arg:?} is not a file, and not valid JSON ({error})"),
    }
}

fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}
