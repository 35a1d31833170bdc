//! The built-in plugins, compiled from `plugins/` by the build script and embedded
//! in the binary, so `kait` needs no files beside it.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtins.rs"));
}

pub use embedded::{HTTP, SHEETS, TELEGRAM};

/// The names of the built-in plugins.
pub const NAMES: [&str; 3] = ["telegram", "sheets", "http"];

/// The component of the built-in plugin `name`, if there is one.
pub fn get(name: &str) -> Option<&'static [u8]> {
    match name {
        "telegram" => Some(TELEGRAM),
        "sheets" => Some(SHEETS),
        "http" => Some(HTTP),
        _ => None,
    }
}
