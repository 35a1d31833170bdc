//! `cargo bench -p kait --bench transform`: the cost per event of each built-in
//! plugin on the `order.paid` sample, on a warm instance, on a fresh instance for
//! every call, and natively (the same plugin crate compiled for the host and called
//! directly). Prints the wasm/native ratios (warm, median) at the end.

use std::path::PathBuf;

use criterion::Criterion;
use kait::runtime::{Event, Plugin, Reuse, Runtime, RuntimeConfig};
use kait::{builtin, events};

type Native = fn(&kait_pdk::Event, &str) -> Result<kait_pdk::Action, kait_pdk::PluginError>;

const PLUGINS: [(&str, &str, Native); 3] = [
    ("telegram", "telegram.json", kait_telegram::transform),
    ("sheets", "sheets.json", kait_sheets::transform),
    ("http", "http.json", kait_http::transform),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn config(file: &str) -> String {
    let text = std::fs::read_to_string(root().join("examples/configs").join(file)).unwrap();
    serde_json::from_str::<serde_json::Value>(&text)
        .unwrap()
        .to_string()
}

fn runtime(reuse: Reuse) -> Runtime {
    let cache_dir = Some(root().join("target/kait-bench-cache"));
    Runtime::new(RuntimeConfig {
        reuse,
        cache_dir,
        ..RuntimeConfig::default()
    })
    .unwrap()
}

fn native_event(event: &Event) -> kait_pdk::Event {
    kait_pdk::Event {
        id: event.id.clone(),
        kind: event.kind.clone(),
        shop: event.shop.clone(),
        occurred_at: event.occurred_at.clone(),
        payload: event.payload.clone(),
    }
}

fn bench(c: &mut Criterion) {
    let event = events::parse(events::sample("order.paid").unwrap()).unwrap();
    let warm = runtime(Reuse::default());
    let fresh = runtime(Reuse {
        fresh_every_call: true,
        ..Reuse::default()
    });
    let mut group = c.benchmark_group("transform");
    for (name, config_file, native) in PLUGINS {
        let config = config(config_file);
        let bytes = builtin::get(name).unwrap();
        let (warm_plugin, fresh_plugin): (Plugin, Plugin) =
            (warm.load(bytes).unwrap(), fresh.load(bytes).unwrap());
        assert!(
            warm.transform(&warm_plugin, &event, &config).result.is_ok(),
            "{name} works"
        );
        group.bench_function(format!("warm/{name}"), |b| {
            b.iter(|| {
                warm.transform(&warm_plugin, &event, &config)
                    .result
                    .unwrap()
            })
        });
        group.bench_function(format!("fresh/{name}"), |b| {
            b.iter(|| {
                fresh
                    .transform(&fresh_plugin, &event, &config)
                    .result
                    .unwrap()
            })
        });
        let native_event = native_event(&event);
        group.bench_function(format!("native/{name}"), |b| {
            b.iter(|| native(&native_event, &config).unwrap())
        });
    }
    group.finish();
}

fn median_ns(dir: &std::path::Path, id: &str) -> Option<f64> {
    let path = dir.join("transform").join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn main() {
    let dir = root().join("target/criterion");
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
    println!("\nmedian per event (µs)      warm    fresh   native  wasm/native (warm)");
    for (name, _, _) in PLUGINS {
        let get = |kind: &str| median_ns(&dir, &format!("{kind}_{name}")).map(|ns| ns / 1e3);
        if let (Some(w), Some(f), Some(n)) = (get("warm"), get("fresh"), get("native")) {
            println!("{name:<24} {w:>8.1} {f:>8.1} {n:>8.1} {:>10.2}", w / n);
        }
    }
}
