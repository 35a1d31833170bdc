//! Logging into the delivery's log through the host's `log` import.
//!
//! On `wasm32` every call goes to the host. On the native target (unit tests,
//! benchmarks) there is no host, so lines are kept in a per-thread buffer that
//! [`take_native`] drains.

pub use crate::bindings::kait::plugin::host::Level;

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static NATIVE: std::cell::RefCell<Vec<(Level, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds `message` to the delivery's log at `level`.
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::bindings::kait::plugin::host::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    NATIVE.with(|lines| lines.borrow_mut().push((level, message.to_owned())));
}

/// Logs at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Logs at warning level.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Logs at error level.
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Returns and clears the lines logged on this thread (native target only).
#[cfg(not(target_arch = "wasm32"))]
pub fn take_native() -> Vec<(Level, String)> {
    NATIVE.with(|lines| std::mem::take(&mut *lines.borrow_mut()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_lines_are_collected_in_order() {
        take_native();
        info("one");
        error("two");
        assert_eq!(
            take_native(),
            vec![
                (Level::Info, "one".to_owned()),
                (Level::Error, "two".to_owned())
            ]
        );
        assert!(take_native().is_empty());
    }
}
