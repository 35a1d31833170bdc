//! Hostile guests: each misbehaviour is contained, reported as the limit or
//! capability it ran into, and the same runtime serves a normal call right after.

use std::time::Duration;

use kait::runtime::{Action, CallError, Called, Limit, Plugin, Runtime};

use crate::common;

fn hostile(runtime: &Runtime) -> Plugin {
    common::load(runtime, common::guests::KAIT_TEST_HOSTILE)
}

fn run(runtime: &Runtime, plugin: &Plugin, mode: &str) -> Called<Action> {
    let config = format!(r#"{{"mode":"{mode}"}}"#);
    runtime.transform(plugin, &common::event("evt_1", "mirfaith"), &config)
}

fn skip_reason(called: Called<Action>) -> String {
    match called.result {
        Ok(Action::Skip(reason)) => reason,
        other => panic!("expected a skip, got {other:?}"),
    }
}

fn assert_limit(called: &Called<Action>, expected: Limit) {
    match &called.result {
        Err(CallError::Limit { limit, .. }) => assert_eq!(*limit, expected),
        other => panic!("expected the {expected:?} limit, got {other:?}"),
    }
}

/// After any misbehaviour, a normal call on the same plugin and runtime succeeds.
fn assert_still_healthy(runtime: &Runtime, plugin: &Plugin) {
    assert_eq!(skip_reason(run(runtime, plugin, "ok")), "ok");
}

#[test]
fn an_infinite_loop_is_stopped_at_the_deadline() {
    let runtime = common::runtime_with_deadline(Duration::from_millis(100));
    let plugin = hostile(&runtime);
    let called = run(&runtime, &plugin, "loop");
    assert_limit(&called, Limit::Deadline);
    assert!(
        called
            .result
            .unwrap_err()
            .to_string()
            .contains("deadline of 100 ms")
    );
    // Deadline plus one 10 ms tick is 110 ms; the bound leaves room for a loaded
    // machine, and only proves the loop was stopped rather than timed.
    assert!(
        called.duration >= Duration::from_millis(100),
        "{:?}",
        called.duration
    );
    assert!(
        called.duration < Duration::from_secs(2),
        "{:?}",
        called.duration
    );
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn memory_growth_past_the_cap_is_refused() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let called = run(&runtime, &plugin, "memory");
    assert_limit(&called, Limit::Memory);
    assert!(
        called
            .result
            .unwrap_err()
            .to_string()
            .contains("memory limit of 32 MiB")
    );
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn deep_recursion_traps_on_the_stack_limit() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    assert_limit(&run(&runtime, &plugin, "recursion"), Limit::Stack);
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn exhausting_the_guest_shadow_stack_is_a_trap() {
    // Rust keeps large frames on a stack inside linear memory; running off its end
    // is an out-of-bounds access, contained like any other trap.
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let called = run(&runtime, &plugin, "big-frames");
    assert!(
        matches!(called.result, Err(CallError::Trap(_))),
        "{:?}",
        called.result
    );
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn a_stdout_flood_is_capped() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let called = run(&runtime, &plugin, "stdout");
    assert_limit(&called, Limit::Output);
    assert!(called.output.len() <= 64 << 10, "{}", called.output.len());
    assert!(called.output.len() > 60 << 10, "what fits is kept");
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn too_many_log_lines_fail_the_call_and_keep_the_first_hundred() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let called = run(&runtime, &plugin, "logs");
    assert_limit(&called, Limit::LogLines);
    assert_eq!(called.logs.len(), 100);
    assert_eq!(called.logs[99].message, "line 99");
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn files_are_not_reachable() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let reason = skip_reason(run(&runtime, &plugin, "file"));
    assert!(reason.starts_with("file: denied"), "{reason}");
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn sockets_are_denied() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let reason = skip_reason(run(&runtime, &plugin, "socket"));
    assert!(reason.starts_with("socket: denied"), "{reason}");
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn the_environment_and_arguments_are_empty() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    assert_eq!(
        skip_reason(run(&runtime, &plugin, "env")),
        "env: 0 variables, 0 arguments"
    );
}

#[test]
fn a_panic_fails_the_call_with_its_message() {
    let runtime = common::runtime();
    let plugin = hostile(&runtime);
    let called = run(&runtime, &plugin, "panic");
    match &called.result {
        Err(CallError::Trap(message)) => {
            assert!(
                message.contains("hostile guest panicked on purpose"),
                "{message}"
            )
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_still_healthy(&runtime, &plugin);
}
