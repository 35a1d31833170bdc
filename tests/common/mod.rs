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

/// A runtime whose calls stop after `deadline`.
pub fn runtime_with_deadline(deadline: std::time::Duration) -> Runtime {
    let mut config = config();
    config.limits.deadline = deadline;
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
