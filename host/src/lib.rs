//! Kait (Malay: *hook*): the webhook engine of a multi-shop commerce platform.
//!
//! Every webhook's payload transformation runs as a sandboxed WebAssembly
//! component implementing the `kait:plugin` transformer world (`wit/plugin.wit`).
//! This crate is the host. Its layers, top to bottom; each imports only those
//! below it:
//!
//! - the binary's `cli`, and [`server`]: start, stop, settings.
//! - [`api`]: HTTP (`/v1`, JSON, OpenAPI) translated into [`service`] calls.
//! - [`service`]: the shared parts and the operations the API and the page share.
//! - [`worker`] (an attempt in typed stages) and [`abandonment`] (the timers).
//! - [`registry`] (the plugins webhooks can name), [`delivery`] (sending, the
//!   destination guard), [`signals`] (wake-ups and bulletins).
//! - [`store`]: what Kait keeps, as one interface; SQLite behind it.
//! - [`domain`]: shops, webhooks, plugin references, events and deliveries as
//!   validated types, and every rule about them.
//! - [`runtime`] (wasmtime, free of the rest of the crate), [`events`] (the event
//!   format), [`builtin`], [`signing`], [`redact`], [`render`], [`clock`],
//!   [`config`], [`metrics`].
#![deny(missing_docs)]

pub mod abandonment;
pub mod api;
pub mod builtin;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod events;
pub mod metrics;
pub mod redact;
pub mod registry;
pub mod render;
pub mod runtime;
pub mod server;
pub mod service;
pub mod signals;
pub mod signing;
pub mod store;
pub mod web;
pub mod worker;
