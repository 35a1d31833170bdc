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

/// The loop below must stop by fuel, long before this backstop.
const FUEL_BUDGET: u64 = 20_000_000;

/// A fresh instance for every call, so each measurement starts from the same state.
fn fuel_runtime() -> Runtime {
    let mut config = common::config();
    config.limits.fuel = FUEL_BUDGET;
    config.limits.deadline = Duration::from_secs(60);
    config.reuse.fresh_every_call = true;
    Runtime::new(config).expect("runtime starts")
}

/// Fuel consumed by an endless loop (stopped by the budget) and by a normal call.
fn fuel_figures(runtime: &Runtime, plugin: &Plugin) -> (u64, u64) {
    let stopped = run(runtime, plugin, "loop");
    assert_limit(&stopped, Limit::Fuel);
    let message = stopped.result.as_ref().unwrap_err().to_string();
    assert!(
        message.contains(&format!("instruction budget of {FUEL_BUDGET} fuel")),
        "{message}"
    );
    let normal = run(runtime, plugin, "ok");
    let normal_fuel = normal.fuel;
    assert!(
        normal_fuel > 0 && normal_fuel < FUEL_BUDGET,
        "{normal_fuel}"
    );
    assert_eq!(skip_reason(normal), "ok");
    (stopped.fuel, normal_fuel)
}

#[test]
fn an_infinite_loop_is_stopped_by_fuel_at_the_same_point_quiet_or_loaded() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let runtime = fuel_runtime();
    let plugin = hostile(&runtime);
    let quiet = fuel_figures(&runtime, &plugin);
    assert!(quiet.0 >= FUEL_BUDGET, "{quiet:?}");

    // Load: more spinning threads than cores, for the whole second measurement.
    let stop = Arc::new(AtomicBool::new(false));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let burners: Vec<_> = (0..cores * 2)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            })
        })
        .collect();
    let loaded = fuel_figures(&runtime, &plugin);
    stop.store(true, Ordering::Relaxed);
    for burner in burners {
        burner.join().unwrap();
    }
    println!("fuel (loop, normal call): quiet {quiet:?}, loaded {loaded:?}");
    assert_eq!(quiet, loaded, "(loop, normal call) fuel, quiet vs loaded");
    assert_still_healthy(&runtime, &plugin);
}

#[test]
fn the_builtins_use_under_a_tenth_of_the_default_fuel_on_every_sample() {
    let runtime = common::runtime();
    for (name, bytes) in [
        ("telegram", kait::builtin::TELEGRAM),
        ("sheets", kait::builtin::SHEETS),
        ("http", kait::builtin::HTTP),
    ] {
        let file = format!(
            "{}/../examples/configs/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let config = serde_json::from_str::<serde_json::Value>(&text).unwrap();
        let plugin = runtime.load(bytes).unwrap();
        common::fuel_on_every_sample(&runtime, &plugin, &config.to_string());
    }
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
