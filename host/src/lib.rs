//! Kait (Malay: *hook*): the webhook engine of a multi-shop commerce platform.
//!
//! Every webhook's payload transformation runs as a sandboxed WebAssembly
//! component implementing the `kait:plugin` transformer world (`wit/plugin.wit`).
//! This crate is the host: [`runtime`] loads and calls plugins, [`builtin`] holds
//! the three built-in plugins, [`events`] the event format and its samples.
//! `kait serve` is [`service`] (the shared parts), [`api`] (HTTP), [`store`]
//! (SQLite), [`worker`] (claiming and attempting deliveries) and [`delivery`]
//! (sending, signed by [`signing`]).
#![deny(missing_docs)]

pub mod abandonment;
pub mod api;
pub mod builtin;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod events;
pub mod metrics;
pub mod redact;
pub mod registry;
pub mod render;
pub mod runtime;
pub mod server;
pub mod service;
pub mod signing;
pub mod store;
pub mod worker;
