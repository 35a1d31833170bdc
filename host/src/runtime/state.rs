//! What one store holds: a WASI context that grants nothing, the limiter, the
//! captured output, and the `host.log` lines of the call in progress. The
//! `kait:plugin/host` interface is implemented here.

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::kait::plugin::host::{self, Level};
use super::bindings::kait::plugin::types;
use super::limits::{Limit, Limiter, Limits};
use super::output::Capture;

/// One `host.log` line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// `debug`, `info`, `warn` or `error`.
    pub level: &'static str,
    /// The message, cut to the configured line length.
    pub message: String,
}

/// The data of one store.
pub(crate) struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) output: Capture,
    pub(crate) logs: Vec<LogLine>,
    max_log_lines: usize,
    max_log_line_bytes: usize,
}

impl State {
    pub(crate) fn new(limits: &Limits) -> Self {
        let output = Capture::new(limits.output_bytes);
        // No preopens, no environment, no arguments, empty stdin, and no network:
        // the component instantiates, but every capability it asks for is refused.
        let wasi = WasiCtxBuilder::new()
            .stdout(output.clone())
            .stderr(output.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter::new(limits.clone()),
            output,
            logs: Vec::new(),
            max_log_lines: limits.log_lines,
            max_log_line_bytes: limits.log_line_bytes,
        }
    }

    /// Clears what the previous call left behind on a reused store.
    pub(crate) fn begin_call(&mut self) {
        self.logs.clear();
        self.output.take();
        self.limiter.breached = None;
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl host::Host for State {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if self.logs.len() >= self.max_log_lines {
            self.limiter.breached.get_or_insert(Limit::LogLines);
            wasmtime::bail!("plugin wrote more than {} log lines", self.max_log_lines);
        }
        let level = match level {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        self.logs.push(LogLine {
            level,
            message: cut(message, self.max_log_line_bytes),
        });
        Ok(())
    }
}

impl types::Host for State {}

/// Links WASI p2 and `kait:plugin/host` into `linker`.
pub(crate) fn link(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    host::add_to_linker::<State, HasSelf<State>>(linker, |state| state)?;
    types::add_to_linker::<State, HasSelf<State>>(linker, |state| state)?;
    Ok(())
}

fn cut(mut message: String, max: usize) -> String {
    if message.len() > max {
        let mut end = max;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}
