//! `kait bench-plugin`: what one plugin component costs in the runtime the service
//! uses (same `Runtime`, limits and disk cache code). It measures, for one `.wasm`:
//!
//! - cold compile: `Runtime::load` with an empty cache directory (compile, plus
//!   writing the native code to the cache, as an upload does);
//! - load precompiled: `Runtime::load` in a second runtime on the same cache
//!   directory (native code read from disk, as after a restart);
//! - first call: the first `transform` in that second runtime (instantiation and
//!   first touch of the code included);
//! - per event, fresh instance: `transform` with `Reuse { fresh_every_call: true }`;
//! - per event, warm: `transform` with the default reuse (instances kept warm);
//! - fuel: what the first call (instantiation included) and a warm call consume,
//!   against the budget (`--fuel`, default the service's; 0 measures with fuel
//!   metering off, to see what metering costs).
//!
//! It prints one table row and one JSON line; it checks that every call succeeds,
//! but asserts nothing about time.
//!
//! ```sh
//! cargo build --release -p kait
//! target/release/kait bench-plugin --plugin examples/rust-transformer/transformer.wasm \
//!   [--event examples/events/order.paid.json] [--config '{"url":"https://example.com/hook"}'] \
//!   [--calls 200] [--fuel 0]
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use serde_json::json;

use kait::events;
use kait::runtime::{Action, DEFAULT_FUEL, Event, Limits, Plugin, Reuse, Runtime, RuntimeConfig};

use super::bench::Scratch;

/// The configuration used when none is given; the built-in `http` plugin and the
/// examples accept it.
pub(super) const DEFAULT_CONFIG: &str = r#"{"url":"https://example.com/hook"}"#;

/// Plugin measurement settings.
#[derive(Args)]
pub struct BenchPlugin {
    /// The component to measure.
    #[arg(long, value_name = "PATH.wasm")]
    plugin: PathBuf,
    /// The event to transform: a JSON file in the event format.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "examples/events/order.paid.json"
    )]
    event: PathBuf,
    /// The webhook's configuration, inline JSON.
    #[arg(long, value_name = "JSON", default_value = DEFAULT_CONFIG)]
    config: String,
    /// Transform calls measured for each per-event figure.
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Instruction budget per call; 0 runs with fuel metering off.
    #[arg(long, default_value_t = DEFAULT_FUEL)]
    fuel: u64,
}

pub fn run(args: BenchPlugin) -> Result<()> {
    anyhow::ensure!(args.calls > 0, "--calls must be above 0");
    let bytes = std::fs::read(&args.plugin)
        .with_context(|| format!("cannot read {}", args.plugin.display()))?;
    let text = std::fs::read_to_string(&args.event)
        .with_context(|| format!("cannot read event file {}", args.event.display()))?;
    let event = events::parse(&text).context("the event is not valid")?;
    let config = compact_json(&args.config)?;
    let scratch = Scratch::new("kait-bench-plugin", false)?;
    let cache = scratch.path.join("cache");
    let runtime = |reuse: Reuse| {
        Runtime::new(RuntimeConfig {
            cache_dir: Some(cache.clone()),
            reuse,
            limits: Limits {
                fuel: args.fuel,
                ..Limits::default()
            },
            ..RuntimeConfig::default()
        })
    };

    // Cold: nothing in the cache directory yet.
    let cold = runtime(Reuse::default())?;
    let (compiled, compile) = timed(|| cold.load(&bytes));
    let compiled = compiled.context("the component does not load")?;
    if compiled.was_cached() {
        eprintln!("note: the cold load came from the cache; the compile figure is wrong");
    }
    drop((compiled, cold));

    // A restart: a new runtime (new engine) on the same cache directory.
    let warm = runtime(Reuse::default())?;
    let (plugin, load) = timed(|| warm.load(&bytes));
    let plugin = plugin.context("the component does not load from the cache")?;
    if !plugin.was_cached() {
        eprintln!("note: the second load compiled again; the cache was not used");
    }
    let (action, first) = timed(|| call(&warm, &plugin, &event, &config));
    let (action, first_fuel) = action?;
    let outcome = describe(&action);
    let (_, warm_fuel) = call(&warm, &plugin, &event, &config)?;
    let warm_calls = repeat(&warm, &plugin, &event, &config, args.calls)?;
    drop((plugin, warm));

    let fresh = runtime(Reuse {
        fresh_every_call: true,
        ..Reuse::default()
    })?;
    let plugin = fresh.load(&bytes).context("the component does not load")?;
    let fresh_calls = repeat(&fresh, &plugin, &event, &config, args.calls)?;

    let [fresh_p50, fresh_p99] = percentiles(fresh_calls, [0.50, 0.99]);
    let [warm_p50, warm_p99] = percentiles(warm_calls, [0.50, 0.99]);
    let name = args.plugin.display().to_string();
    println!(
        "kait bench-plugin: times in ms; {} calls per figure; fuel budget {}; event {} ({}): {outcome}",
        args.calls,
        args.fuel,
        args.event.display(),
        event.kind
    );
    let width = name.len().max(6);
    println!(
        "{:<width$} {:>10} {:>11} {:>12} {:>10} {:>10} {:>10} {:>10} {:>10} {:>14} {:>14}",
        "plugin",
        "size",
        "compile",
        "cached load",
        "1st call",
        "fresh p50",
        "fresh p99",
        "warm p50",
        "warm p99",
        "1st call fuel",
        "warm fuel"
    );
    println!(
        "{:<width$} {:>10} {:>11.1} {:>12.2} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>14} {:>14}",
        name,
        size(bytes.len()),
        ms(compile),
        ms(load),
        ms(first),
        ms(fresh_p50),
        ms(fresh_p99),
        ms(warm_p50),
        ms(warm_p99),
        first_fuel,
        warm_fuel
    );
    let report = json!({
        "plugin": name,
        "size_bytes": bytes.len(),
        "calls": args.calls,
        "outcome": outcome,
        "cold_compile_ms": ms(compile),
        "load_precompiled_ms": ms(load),
        "first_call_ms": ms(first),
        "fresh_instance_p50_ms": ms(fresh_p50),
        "fresh_instance_p99_ms": ms(fresh_p99),
        "warm_p50_ms": ms(warm_p50),
        "warm_p99_ms": ms(warm_p99),
        "fuel_budget": args.fuel,
        "first_call_fuel": first_fuel,
        "warm_call_fuel": warm_fuel,
        "cache_dir_bytes": dir_bytes(&cache),
    });
    println!("{report}");
    Ok(())
}

/// Milliseconds, to the microsecond.
pub(super) fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// Inline JSON, passed on as compact text.
pub(super) fn compact_json(text: &str) -> Result<String> {
    let value: serde_json::Value =
        serde_json::from_str(text).context("--config is not valid JSON")?;
    anyhow::ensure!(value.is_object(), "--config must be a JSON object");
    Ok(value.to_string())
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

/// One transform, which must succeed, with the fuel it consumed.
fn call(runtime: &Runtime, plugin: &Plugin, event: &Event, config: &str) -> Result<(Action, u64)> {
    let called = runtime.transform(plugin, event, config);
    match called.result {
        Ok(action) => Ok((action, called.fuel)),
        Err(error) => {
            let output = called.output.trim();
            let logs: Vec<&str> = called.logs.iter().map(|l| l.message.as_str()).collect();
            bail!("transform failed: {error} (logs: {logs:?}; output: {output:?})")
        }
    }
}

/// The wall-clock time of each of `count` transforms.
fn repeat(
    runtime: &Runtime,
    plugin: &Plugin,
    event: &Event,
    config: &str,
    count: usize,
) -> Result<Vec<Duration>> {
    (0..count)
        .map(|_| {
            let (action, took) = timed(|| call(runtime, plugin, event, config));
            action.map(|_| took)
        })
        .collect()
}

fn describe(action: &Action) -> String {
    match action {
        Action::Send(requests) => format!("send ({} request(s))", requests.len()),
        Action::Skip(reason) => format!("skip ({reason})"),
    }
}

/// Nearest-rank percentiles (fractions of 1) of `durations`.
pub(super) fn percentiles<const N: usize>(
    mut durations: Vec<Duration>,
    at: [f64; N],
) -> [Duration; N] {
    durations.sort();
    at.map(|p| {
        let rank = (p * durations.len() as f64).ceil() as usize;
        durations.get(rank.max(1) - 1).copied().unwrap_or_default()
    })
}

/// A byte count for people: B, KiB or MiB.
pub(super) fn size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// Total size of the files directly in `dir`.
pub(super) fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or_default()
}
