//! Kait (Malay: *hook*): the webhook engine of a multi-shop commerce platform.
//!
//! Every webhook's payload transformation runs as a sandboxed WebAssembly
//! component implementing the `kait:plugin` transformer world (`wit/plugin.wit`).
//! This crate is the host: [`runtime`] loads and calls plugins, [`builtin`] holds
//! the three built-in plugins, [`events`] the event format and its samples.
#![deny(missing_docs)]

pub mod builtin;
pub mod events;
pub mod redact;
pub mod runtime;
