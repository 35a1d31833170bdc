//! # kait-pdk: the Kait plugin development kit
//!
//! Everything a payload transformer for Kait needs besides its own logic: the
//! bindings of the `kait:plugin` WIT contract, the event format, merchant templates,
//! configuration parsing with clear errors, and logging into the delivery's log.
//!
//! A plugin is a `cdylib` crate compiled for `wasm32-wasip2`:
//!
//! ```no_run
//! use kait_pdk::{Action, Event, Guest, PluginError, PluginInfo};
//!
//! struct Echo;
//!
//! impl Guest for Echo {
//!     fn info() -> PluginInfo {
//!         PluginInfo {
//!             name: "echo".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             description: "Skips every event, saying which one.".into(),
//!             config_schema: r#"{"type": "object"}"#.into(),
//!         }
//!     }
//!     fn validate_config(_config: String) -> Result<(), PluginError> {
//!         Ok(())
//!     }
//!     fn transform(event: Event, _config: String) -> Result<Action, PluginError> {
//!         kait_pdk::log::info(&format!("got {}", event.kind));
//!         Ok(Action::Skip(format!("event {} seen", event.id)))
//!     }
//! }
//!
//! kait_pdk::export_transformer!(Echo);
//! ```
//!
//! Everything except the host import behind [`log`] also works on the native
//! target, so a plugin's transform logic can be unit-tested with `cargo test` and
//! benchmarked natively; there, [`log`] collects lines instead of calling the host.

#![deny(missing_docs)]

/// Bindings generated from the WIT contract in `wit/` (world `transformer`).
#[allow(missing_docs, clippy::too_many_arguments)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "transformer",
        pub_export_macro: true,
        export_macro_name: "export_transformer",
        default_bindings_module: "kait_pdk::bindings",
        additional_derives: [PartialEq],
    });
}

pub mod catalogue;
pub mod config;
mod document;
pub mod event;
pub mod log;
pub mod model;
pub mod request;
pub mod samples;
pub mod template;
#[cfg(feature = "testing")]
pub mod testing;

pub use bindings::export_transformer;
pub use bindings::kait::plugin::types::{Auth, GoogleCredentials, OutgoingRequest};
pub use bindings::{Action, Event, Guest, PluginError, PluginInfo};

/// Exports a plugin whose logic is three plain functions, `info()`,
/// `validate_config(&str)` and `transform(&Event, &str)`, as the component's
/// `transformer` world. Keeping the logic in plain functions lets the same crate be
/// unit-tested and benchmarked natively; the export exists only on wasm32.
///
/// ```ignore
/// kait_pdk::export_plugin!(info, validate_config, transform);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($info:path, $validate_config:path, $transform:path) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct Plugin;

            impl $crate::Guest for Plugin {
                fn info() -> $crate::PluginInfo {
                    $info()
                }

                fn validate_config(config: String) -> Result<(), $crate::PluginError> {
                    $validate_config(&config)
                }

                fn transform(
                    event: $crate::Event,
                    config: String,
                ) -> Result<$crate::Action, $crate::PluginError> {
                    $transform(&event, &config)
                }
            }

            $crate::export_transformer!(Plugin);
        };
    };
}

impl PluginError {
    /// The human-readable message, whatever the variant.
    pub fn message(&self) -> &str {
        match self {
            PluginError::InvalidConfig(m)
            | PluginError::InvalidEvent(m)
            | PluginError::Failed(m) => m,
        }
    }
}
