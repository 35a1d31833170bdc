//! The instruction budget against a real built-in: a normal transform fits well
//! within the default, and compiled code cached without fuel metering is never
//! run by an engine that meters (it would run unmetered).

use super::*;

// The built-ins without naming `crate::builtin` (the runtime names nothing else
// of the crate); only `http` is used here, the e2e suite runs all three.
#[allow(dead_code)]
mod builtins {
    include!(concat!(env!("OUT_DIR"), "/builtins.rs"));
}

const HTTP_CONFIG: &str = r#"{"url":"https://example.com/hook"}"#;

fn order_paid() -> Event {
    Event {
        id: "evt_1".into(),
        kind: "order.paid".into(),
        shop: "mirfaith".into(),
        occurred_at: "2021-03-03T22:58:32+08:00".into(),
        payload: r#"{"order":{"id":1,"total":"10.00","currency":"EUR"}}"#.into(),
    }
}

fn runtime(fuel: u64, cache_dir: Option<PathBuf>) -> Runtime {
    let mut config = RuntimeConfig {
        cache_dir,
        ..RuntimeConfig::default()
    };
    config.limits.fuel = fuel;
    // Not a test of the deadline: room for a machine busy with other builds.
    config.limits.deadline = Duration::from_secs(5);
    Runtime::new(config).expect("runtime starts")
}

/// Transforms the sample and returns the fuel it consumed.
fn transform(runtime: &Runtime, plugin: &Plugin) -> u64 {
    let called = runtime.transform(plugin, &order_paid(), HTTP_CONFIG);
    match called.result {
        Ok(Action::Send(requests)) => assert_eq!(requests.len(), 1),
        other => panic!("expected one request, got {other:?}"),
    }
    called.fuel
}

#[test]
fn a_builtin_transform_succeeds_well_within_the_default_fuel() {
    let runtime = runtime(DEFAULT_FUEL, None);
    let plugin = runtime.load(builtins::HTTP).unwrap();
    // The first call pays for instantiation too; the second runs warm.
    for _ in 0..2 {
        let fuel = transform(&runtime, &plugin);
        assert!(fuel > 0, "metering is on");
        assert!(fuel < DEFAULT_FUEL / 10, "{fuel} of {DEFAULT_FUEL}");
    }
}

#[test]
fn without_a_budget_nothing_is_metered() {
    let runtime = runtime(0, None);
    let plugin = runtime.load(builtins::HTTP).unwrap();
    assert_eq!(transform(&runtime, &plugin), 0);
}

#[test]
fn code_cached_without_fuel_is_not_loaded_by_a_metering_engine() {
    let dir = tempfile::tempdir().unwrap();
    let cache = || Some(dir.path().to_path_buf());
    let entries = || -> Vec<PathBuf> {
        let mut list: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        list.sort();
        list
    };

    let unmetered = runtime(0, cache());
    assert!(!unmetered.load(builtins::HTTP).unwrap().was_cached());
    let [old] = entries().try_into().unwrap();

    // The engines differ, so do their cache entries.
    let metered = runtime(DEFAULT_FUEL, cache());
    let plugin = metered.load(builtins::HTTP).unwrap();
    assert!(!plugin.was_cached());
    let new = entries().into_iter().find(|p| *p != old).unwrap();

    // Even an unmetered artifact under the metering engine's own name is refused
    // by wasmtime's compatibility check, then compiled again and replaced.
    std::fs::copy(&old, &new).unwrap();
    let metered = runtime(DEFAULT_FUEL, cache());
    let plugin = metered.load(builtins::HTTP).unwrap();
    assert!(!plugin.was_cached());
    assert!(transform(&metered, &plugin) > 0);

    let metered = runtime(DEFAULT_FUEL, cache());
    let plugin = metered.load(builtins::HTTP).unwrap();
    assert!(plugin.was_cached());
    assert!(transform(&metered, &plugin) > 0);
}
