//! Errors of the runtime boundary: why a component could not be loaded, and why
//! a call did not produce a result.

use super::limits::Limit;

/// Why bytes could not become a usable plugin. Every case says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not WebAssembly at all.
    #[error("not a WebAssembly component: the file does not start with the wasm magic bytes")]
    NotWasm,
    /// A core module instead of a component.
    #[error(
        "this is a core WebAssembly module, not a component; build for wasm32-wasip2 \
         or wrap it with `wasm-tools component new`"
    )]
    CoreModule,
    /// A wasm binary of a layer or version this host does not know.
    #[error("unsupported WebAssembly binary (version bytes {0:02x?})")]
    UnknownVersion([u8; 4]),
    /// The component failed to parse, validate or compile.
    #[error("invalid component: {0}")]
    Invalid(String),
    /// The component imports interfaces the host does not provide.
    #[error(
        "the component imports what Kait does not provide: {}; plugins may import only \
         WASI 0.2 and kait:plugin/host@0.1.0",
        .0.join(", ")
    )]
    UnknownImports(Vec<String>),
    /// The component does not export the `kait:plugin/transformer` world.
    #[error(
        "the component does not export the kait:plugin@0.1.0 transformer world \
         (info, validate-config, transform): {0}"
    )]
    NotATransformer(String),
}

/// Why a plugin call produced no result. The plugin's own refusals are here too,
/// so a caller matches one enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The plugin refused the webhook's configuration.
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    /// The plugin refused the event.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The plugin reported a failure of its own.
    #[error("plugin failed: {0}")]
    Failed(String),
    /// The call exceeded a runtime limit; the instance was discarded.
    #[error("plugin exceeded the {message}")]
    Limit {
        /// Which limit.
        limit: Limit,
        /// The limit with its configured value.
        message: String,
    },
    /// The guest trapped (a panic, `unreachable`, a bad memory access …); the
    /// instance was discarded.
    #[error("plugin trapped: {0}")]
    Trap(String),
    /// The component could not be instantiated.
    #[error("plugin could not be instantiated: {0}")]
    Instantiate(String),
}

impl CallError {
    /// A stable machine-readable name for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::InvalidConfig(_) => "invalid_config",
            CallError::InvalidEvent(_) => "invalid_event",
            CallError::Failed(_) => "plugin_failed",
            CallError::Limit { .. } => "plugin_limit",
            CallError::Trap(_) => "plugin_trap",
            CallError::Instantiate(_) => "plugin_instantiate",
        }
    }
}

/// The runtime could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the plugin runtime: {0}")]
pub struct StartError(pub String);
