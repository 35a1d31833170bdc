//! Warm instances. An instance is reused only by calls with the same plugin
//! version, the same configuration and the same shop, so a guest's globals can
//! never carry one shop's or one configuration's data into another. Instances are
//! recycled after a number of calls or an idle time, and never returned after a
//! trap (the caller drops them instead).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::Store;

use super::bindings::Transformer;
use super::state::State;

/// When warm instances are reused and when they are retired.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Reuse {
    /// A warm instance is retired after this many calls.
    pub max_calls: u32,
    /// A warm instance unused for this long is retired.
    #[serde(with = "secs")]
    pub max_idle: Duration,
    /// Warm instances kept per (plugin version, configuration, shop).
    pub per_key: usize,
    /// Use a fresh instance for every call (no reuse at all).
    pub fresh_every_call: bool,
}

impl Default for Reuse {
    fn default() -> Self {
        Self {
            max_calls: 1_000,
            max_idle: Duration::from_secs(60),
            per_key: 4,
            fresh_every_call: false,
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

/// What a warm instance may be reused for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    plugin: String,
    shop: String,
    config: [u8; 32],
}

impl Key {
    pub(crate) fn new(plugin: &str, shop: &str, config: &str) -> Self {
        Self {
            plugin: plugin.to_string(),
            shop: shop.to_string(),
            config: Sha256::digest(config.as_bytes()).into(),
        }
    }
}

/// An instantiated plugin with its own store.
pub(crate) struct Warm {
    pub(crate) store: Store<State>,
    pub(crate) bindings: Transformer,
    pub(crate) calls: u32,
    pub(crate) last_used: Instant,
}

/// The idle warm instances, by key.
pub(crate) struct Pool {
    reuse: Reuse,
    capacity: usize,
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    by_key: HashMap<Key, Vec<Warm>>,
    count: usize,
}

impl Pool {
    /// `capacity` bounds the idle instances kept across all keys.
    pub(crate) fn new(reuse: Reuse, capacity: usize) -> Self {
        Self {
            reuse,
            capacity,
            idle: Mutex::default(),
        }
    }

    /// A warm instance for `key`, if one is idle and still fresh enough.
    pub(crate) fn take(&self, key: &Key) -> Option<Warm> {
        if self.reuse.fresh_every_call {
            return None;
        }
        let mut idle = self.idle.lock().unwrap();
        let warm = idle.by_key.get_mut(key)?.pop()?;
        idle.count -= 1;
        (warm.last_used.elapsed() < self.reuse.max_idle).then_some(warm)
    }

    /// Returns an instance after a successful call, unless it is due for retirement.
    pub(crate) fn give(&self, key: Key, mut warm: Warm) {
        warm.calls += 1;
        if self.reuse.fresh_every_call || warm.calls >= self.reuse.max_calls {
            return;
        }
        warm.last_used = Instant::now();
        let mut idle = self.idle.lock().unwrap();
        Self::retire_idle(&mut idle, self.reuse.max_idle);
        if idle.count >= self.capacity {
            return;
        }
        let slot = idle.by_key.entry(key).or_default();
        if slot.len() < self.reuse.per_key {
            slot.push(warm);
            idle.count += 1;
        }
    }

    /// Idle instances currently kept.
    pub(crate) fn idle_count(&self) -> usize {
        self.idle.lock().unwrap().count
    }

    fn retire_idle(idle: &mut Idle, max_idle: Duration) {
        let mut retired = 0;
        idle.by_key.retain(|_, warms| {
            let before = warms.len();
            warms.retain(|w| w.last_used.elapsed() < max_idle);
            retired += before - warms.len();
            !warms.is_empty()
        });
        idle.count -= retired;
    }
}
