//! The resource limits every plugin call runs under, and the limiter that enforces
//! the memory, table and instance limits inside a store while remembering which
//! one was breached, so a trap can be reported as the limit that caused it.

use std::time::Duration;

/// The default instruction budget per call, from measurement (`kait bench-plugin`,
/// `kait plugin run`): on the sample events the most any built-in or example
/// transformer uses is about 2.3 million (the JavaScript example on a fresh
/// instance), under 5% of it. At a few billion per second it runs out well before
/// the default 100 ms deadline on an idle machine.
pub const DEFAULT_FUEL: u64 = 50_000_000;

/// Configurable limits for one plugin call. The defaults are the documented ones.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Wall-clock deadline for one call, instantiation included. The backstop:
    /// it depends on the machine's load, the fuel budget does not.
    #[serde(with = "millis")]
    pub deadline: Duration,
    /// Instruction budget (wasmtime fuel) for one call, instantiation included;
    /// the same code stops at the same point however busy the machine is. 0 turns
    /// fuel metering off (the engine is then built without it).
    pub fuel: u64,
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Most table elements per table.
    pub table_elements: usize,
    /// Most core instances one component may create.
    pub instances: usize,
    /// Most tables one component may create.
    pub tables: usize,
    /// Most memories one component may create.
    pub memories: usize,
    /// Bytes of stdout and stderr captured per call, both streams together.
    pub output_bytes: usize,
    /// Most `host.log` lines per call.
    pub log_lines: usize,
    /// Longest `host.log` line in bytes; longer lines are cut.
    pub log_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            deadline: Duration::from_millis(100),
            fuel: DEFAULT_FUEL,
            memory_bytes: 32 << 20,
            table_elements: 20_000,
            instances: 32,
            tables: 16,
            memories: 4,
            output_bytes: 64 << 10,
            log_lines: 100,
            log_line_bytes: 1 << 10,
        }
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Which limit a call exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The wall-clock deadline.
    Deadline,
    /// The instruction budget (fuel).
    Fuel,
    /// The linear-memory cap.
    Memory,
    /// The wasm call stack.
    Stack,
    /// Table elements.
    Tables,
    /// Captured stdout and stderr.
    Output,
    /// The number of `host.log` lines.
    LogLines,
}

impl Limit {
    /// A short phrase naming the limit, for error messages.
    pub fn describe(self, limits: &Limits) -> String {
        match self {
            Limit::Deadline => format!("deadline of {} ms", limits.deadline.as_millis()),
            Limit::Fuel => format!("instruction budget of {} fuel", limits.fuel),
            Limit::Memory => format!("memory limit of {} MiB", limits.memory_bytes >> 20),
            Limit::Stack => "wasm stack limit".to_string(),
            Limit::Tables => format!("table limit of {} elements", limits.table_elements),
            Limit::Output => format!("output limit of {} KiB", limits.output_bytes >> 10),
            Limit::LogLines => format!("log limit of {} lines", limits.log_lines),
        }
    }
}

/// Enforces [`Limits`] inside one store and records the first breach.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: Limits,
    pub(crate) breached: Option<Limit>,
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            breached: None,
        }
    }

    fn refuse(&mut self, limit: Limit) -> bool {
        self.breached.get_or_insert(limit);
        false
    }
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.limits.memory_bytes || self.refuse(Limit::Memory))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.limits.table_elements || self.refuse(Limit::Tables))
    }

    fn instances(&self) -> usize {
        self.limits.instances
    }

    fn tables(&self) -> usize {
        self.limits.tables
    }

    fn memories(&self) -> usize {
        self.limits.memories
    }
}
