//! Shared test helpers: the test guests' paths, a runtime with a disk cache under
//! the target directory, and a small event.
#![allow(dead_code)]

use std::path::PathBuf;

use kait::runtime::{Event, Plugin, Runtime, RuntimeConfig};

/// Paths of every component the guest workspace produced (built by `host/build.rs`).
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/guests.rs"));
}

pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kait-cache")
}

/// A runtime's settings for tests: the disk cache under the target directory,
/// and a 2 s deadline, so a call that is not about the deadline passes on a
/// machine busy with other builds (the deadline's own test sets 100 ms).
pub fn config() -> RuntimeConfig {
    let mut config = RuntimeConfig {
        cache_dir: Some(cache_dir()),
        ..RuntimeConfig::default()
    };
    config.limits.deadline = std::time::Duration::from_secs(2);
    config
}

/// A runtime whose calls stop after `deadline`, with metering on but a fuel budget
/// no call reaches, so the deadline is what stops them.
pub fn runtime_with_deadline(deadline: std::time::Duration) -> Runtime {
    let mut config = config();
    config.limits.deadline = deadline;
    config.limits.fuel = 1 << 60;
    Runtime::new(config).expect("runtime starts")
}

pub fn runtime() -> Runtime {
    Runtime::new(config()).expect("runtime starts")
}

pub fn load(runtime: &Runtime, path: &str) -> Plugin {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    runtime
        .load(&bytes)
        .unwrap_or_else(|e| panic!("cannot load {path}: {e}"))
}

pub fn event(id: &str, shop: &str) -> Event {
    Event {
        id: id.into(),
        kind: "order.paid".into(),
        shop: shop.into(),
        occurred_at: "2021-03-03T22:58:32+08:00".into(),
        payload: r#"{"checkout":{"id":1}}"#.into(),
    }
}

/// Transforms every sample event with `plugin` under the default fuel budget and
/// checks each call succeeds using under a tenth of it, on a fresh instance
/// (instantiation included) and on a warm one. Returns the largest use.
pub fn fuel_on_every_sample(runtime: &Runtime, plugin: &Plugin, config: &str) -> u64 {
    use kait::runtime::DEFAULT_FUEL;
    assert_eq!(runtime.limits().fuel, DEFAULT_FUEL);
    let mut most = 0;
    for kind in kait::events::TYPES {
        let event = kait::events::parse(kait::events::sample(kind).unwrap()).unwrap();
        for _ in 0..2 {
            let called = runtime.transform(plugin, &event, config);
            assert!(called.result.is_ok(), "{kind}: {:?}", called.result);
            assert!(called.fuel > 0, "{kind}: metering is on");
            assert!(
                called.fuel < DEFAULT_FUEL / 10,
                "{kind}: {} of {DEFAULT_FUEL}",
                called.fuel
            );
            most = most.max(called.fuel);
        }
    }
    most
}
