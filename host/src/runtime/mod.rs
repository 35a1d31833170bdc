//! The plugin runtime: loads `kait:plugin` transformer components and calls them in
//! a sandbox.
//!
//! One [`Runtime`] owns one `wasmtime::Engine` (pooling allocator, fuel metering,
//! epoch interruption with one ticker thread, compiled code cached on disk). Every
//! call runs under [`Limits`]: an instruction budget (fuel) that does not depend
//! on the machine's load, and a wall-clock deadline as the backstop; a call that breaches one fails with
//! [`CallError::Limit`] naming it, its instance is discarded, and the next call
//! gets a fresh one. Warm instances are reused only within one (plugin version,
//! configuration, shop); see [`Reuse`].
//!
//! ```no_run
//! use kait::runtime::{Runtime, RuntimeConfig};
//!
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! let plugin = runtime.load(kait::builtin::TELEGRAM)?;
//! let info = runtime.info(&plugin).result?;
//! println!("{} {}", info.name, info.version);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bindings;
mod cache;
mod engine;
mod error;
mod limits;
mod output;
mod plugin;
mod pool;
mod state;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::Linker;
use wasmtime::{Engine, Store, Trap};

pub use bindings::kait::plugin::types::{
    Action, Auth, Event, GoogleCredentials, OutgoingRequest, PluginError, PluginInfo,
};
pub use cache::default_dir as default_cache_dir;
pub use error::{CallError, LoadError, StartError};
pub use limits::{DEFAULT_FUEL, Limit, Limits};
pub use plugin::Plugin;
pub use pool::Reuse;
pub use state::LogLine;

use bindings::Transformer;

/// A failed instantiation: why, with the logs, output and fuel of the attempt.
type Refused = (CallError, Vec<LogLine>, String, u64);
use pool::{Key, Pool, Warm};
use state::State;

/// How a [`Runtime`] is set up.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Limits for every call.
    pub limits: Limits,
    /// Warm-instance reuse.
    pub reuse: Reuse,
    /// Where compiled components are cached; `None` disables the disk cache.
    pub cache_dir: Option<PathBuf>,
    /// Period of the epoch ticker that enforces deadlines.
    pub epoch_tick: Duration,
    /// Most component instances alive at once (warm and in use).
    pub max_instances: u32,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            reuse: Reuse::default(),
            cache_dir: default_cache_dir(),
            epoch_tick: Duration::from_millis(10),
            max_instances: 64,
        }
    }
}

/// The result of one plugin call, with what the plugin said along the way.
#[derive(Debug)]
pub struct Called<T> {
    /// The plugin's answer, or why there is none.
    pub result: Result<T, CallError>,
    /// `host.log` lines written during the call.
    pub logs: Vec<LogLine>,
    /// Captured stdout and stderr (capped).
    pub output: String,
    /// Wall-clock time of the call, instantiation included.
    pub duration: Duration,
    /// Fuel the call consumed, instantiation included (0 with fuel metering off).
    /// The same call on the same instance state consumes the same fuel on a
    /// quiet and a loaded machine.
    pub fuel: u64,
}

/// Loads and runs plugins. Cheap to clone; safe to share across threads.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    linker: Linker<State>,
    cache: Option<cache::DiskCache>,
    limits: Limits,
    deadline_ticks: u64,
    pool: Pool,
}

impl Runtime {
    /// Builds the engine, starts its epoch ticker and links the host interfaces.
    pub fn new(config: RuntimeConfig) -> Result<Self, StartError> {
        let start = |e: &dyn std::fmt::Display| StartError(e.to_string());
        let engine = engine::build(&config.limits, config.max_instances, config.epoch_tick)
            .map_err(|e| start(&e))?;
        let mut linker = Linker::new(&engine);
        state::link(&mut linker).map_err(|e| start(&e))?;
        let cache = config
            .cache_dir
            .map(|dir| cache::DiskCache::new(dir, &engine))
            .transpose()
            .map_err(|e| start(&e))?;
        let capacity = (config.max_instances / 2).max(1) as usize;
        Ok(Self {
            inner: Arc::new(Inner {
                deadline_ticks: engine::deadline_ticks(config.limits.deadline, config.epoch_tick),
                engine,
                linker,
                cache,
                limits: config.limits,
                pool: Pool::new(config.reuse, capacity),
            }),
        })
    }

    /// Compiles (or loads from the disk cache) and checks a component.
    pub fn load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        let inner = &self.inner;
        plugin::load(&inner.engine, &inner.linker, inner.cache.as_ref(), bytes)
    }

    /// The limits calls run under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Drops the compiled code of the component with this SHA-256 (hex) from the
    /// disk cache, once no stored version uses it. Plugins already loaded keep
    /// working; loading it again compiles it again.
    pub fn forget(&self, sha256: &str) {
        if let Some(cache) = &self.inner.cache {
            cache.remove(sha256);
        }
    }

    /// Idle warm instances currently kept.
    pub fn warm_instances(&self) -> usize {
        self.inner.pool.idle_count()
    }

    /// Calls the plugin's `info`.
    pub fn info(&self, plugin: &Plugin) -> Called<PluginInfo> {
        self.call(plugin, "", "", |b, store| b.call_info(store).map(Ok))
    }

    /// Calls the plugin's `validate-config` for `shop`.
    pub fn validate_config(&self, plugin: &Plugin, shop: &str, config: &str) -> Called<()> {
        self.call(plugin, shop, config, |b, store| {
            b.call_validate_config(store, config)
        })
    }

    /// Calls the plugin's `transform` for `event` with the webhook's `config`.
    pub fn transform(&self, plugin: &Plugin, event: &Event, config: &str) -> Called<Action> {
        self.call(plugin, &event.shop, config, |b, store| {
            b.call_transform(store, event, config)
        })
    }

    fn call<T>(
        &self,
        plugin: &Plugin,
        shop: &str,
        config: &str,
        f: impl FnOnce(&Transformer, &mut Store<State>) -> wasmtime::Result<Result<T, PluginError>>,
    ) -> Called<T> {
        let started = Instant::now();
        let key = Key::new(plugin.id(), shop, config);
        let warm = match self.inner.pool.take(&key) {
            Some(mut warm) => {
                warm.store.data_mut().begin_call();
                warm.store.set_epoch_deadline(self.inner.deadline_ticks);
                self.refuel(&mut warm.store);
                Ok(warm)
            }
            None => self.instantiate(plugin),
        };
        let mut warm = match warm {
            Ok(warm) => warm,
            Err((error, logs, output, fuel)) => {
                return Called {
                    result: Err(error),
                    logs,
                    output,
                    duration: started.elapsed(),
                    fuel,
                };
            }
        };
        let outcome = f(&warm.bindings, &mut warm.store);
        let fuel = self.consumed(&warm.store);
        let state = warm.store.data_mut();
        let logs = std::mem::take(&mut state.logs);
        let (output, overflowed) = state.output.take();
        let breached = state.limiter.breached;
        let result = match outcome {
            Ok(answer) => {
                self.inner.pool.give(key, warm);
                answer.map_err(plugin_error)
            }
            Err(trap) => Err(self.classify(&trap, breached, overflowed, &output)),
        };
        Called {
            result,
            logs,
            output,
            duration: started.elapsed(),
            fuel,
        }
    }

    /// Gives the store the full per-call budget, whatever the last call left.
    fn refuel(&self, store: &mut Store<State>) {
        if self.inner.limits.fuel > 0 {
            store
                .set_fuel(self.inner.limits.fuel)
                .expect("fuel metering is on when the budget is set");
        }
    }

    /// Fuel used since the last [`Self::refuel`]; 0 with metering off.
    fn consumed(&self, store: &Store<State>) -> u64 {
        match store.get_fuel() {
            Ok(left) => self.inner.limits.fuel.saturating_sub(left),
            Err(_) => 0,
        }
    }

    fn instantiate(&self, plugin: &Plugin) -> Result<Warm, Refused> {
        let inner = &self.inner;
        let mut store = Store::new(&inner.engine, State::new(&inner.limits));
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(inner.deadline_ticks);
        store.epoch_deadline_trap();
        self.refuel(&mut store);
        match plugin.inner.pre.instantiate(&mut store) {
            Ok(bindings) => Ok(Warm {
                store,
                bindings,
                calls: 0,
                last_used: Instant::now(),
            }),
            Err(err) => {
                let fuel = self.consumed(&store);
                let state = store.data_mut();
                let (output, overflowed) = state.output.take();
                let (logs, breached) = (std::mem::take(&mut state.logs), state.limiter.breached);
                let error = match self.classify(&err, breached, overflowed, &output) {
                    CallError::Trap(message) => CallError::Instantiate(message),
                    other => other,
                };
                Err((error, logs, output, fuel))
            }
        }
    }

    fn classify(
        &self,
        err: &wasmtime::Error,
        breached: Option<Limit>,
        overflowed: bool,
        output: &str,
    ) -> CallError {
        let trap = err.downcast_ref::<Trap>();
        let limit = match trap {
            Some(Trap::Interrupt) => Some(Limit::Deadline),
            Some(Trap::OutOfFuel) => Some(Limit::Fuel),
            Some(Trap::StackOverflow) => Some(Limit::Stack),
            _ => breached.or(overflowed.then_some(Limit::Output)),
        };
        if let Some(limit) = limit {
            let message = limit.describe(&self.inner.limits);
            return CallError::Limit { limit, message };
        }
        let mut message = match trap {
            Some(trap) => trap.to_string(),
            None => format!("{:#}", err),
        };
        if let Some(panic) = output.lines().find(|line| line.contains("panicked at")) {
            let detail: String = output
                .lines()
                .skip_while(|l| *l != panic)
                .take(2)
                .collect::<Vec<_>>()
                .join(": ");
            message = format!("{message} ({detail})");
        }
        CallError::Trap(message)
    }
}

fn plugin_error(error: PluginError) -> CallError {
    match error {
        PluginError::InvalidConfig(m) => CallError::InvalidConfig(m),
        PluginError::InvalidEvent(m) => CallError::InvalidEvent(m),
        PluginError::Failed(m) => CallError::Failed(m),
    }
}

#[cfg(test)]
mod tests;
