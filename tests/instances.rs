//! Warm instances: reused only within one (plugin version, configuration, shop),
//! never after a trap, and not at all when fresh instances are asked for. The
//! stateful guest answers `previous=<what the same instance saw last>`.

use kait::runtime::{Action, Plugin, Reuse, Runtime, RuntimeConfig};

use crate::common;

fn stateful(runtime: &Runtime) -> Plugin {
    common::load(runtime, common::guests::KAIT_TEST_STATEFUL)
}

fn previous(runtime: &Runtime, plugin: &Plugin, id: &str, shop: &str, config: &str) -> String {
    match runtime
        .transform(plugin, &common::event(id, shop), config)
        .result
    {
        Ok(Action::Skip(reason)) => reason,
        other => panic!("expected a skip, got {other:?}"),
    }
}

#[test]
fn an_instance_is_reused_for_the_same_shop_and_configuration() {
    let runtime = common::runtime();
    let plugin = stateful(&runtime);
    assert_eq!(
        previous(&runtime, &plugin, "e1", "mirfaith", "{}"),
        "previous=none"
    );
    assert_eq!(
        previous(&runtime, &plugin, "e2", "mirfaith", "{}"),
        "previous=mirfaith|{}|e1"
    );
}

#[test]
fn state_never_crosses_configurations_or_shops() {
    let runtime = common::runtime();
    let plugin = stateful(&runtime);
    let a = r#"{"chat":"a"}"#;
    let b = r#"{"chat":"b"}"#;
    assert_eq!(
        previous(&runtime, &plugin, "e1", "mirfaith", a),
        "previous=none"
    );
    assert_eq!(
        previous(&runtime, &plugin, "e2", "mirfaith", b),
        "previous=none"
    );
    assert_eq!(
        previous(&runtime, &plugin, "e3", "kedaikopi", a),
        "previous=none"
    );
    let back = previous(&runtime, &plugin, "e4", "mirfaith", a);
    assert_eq!(back, format!("previous=mirfaith|{a}|e1"));
}

#[test]
fn an_instance_starts_clean_after_a_trap() {
    let runtime = common::runtime();
    let plugin = stateful(&runtime);
    assert_eq!(
        previous(&runtime, &plugin, "e1", "mirfaith", "{}"),
        "previous=none"
    );
    let trapped = runtime.transform(&plugin, &common::event("trap", "mirfaith"), "{}");
    assert!(trapped.result.is_err());
    assert_eq!(
        previous(&runtime, &plugin, "e2", "mirfaith", "{}"),
        "previous=none"
    );
}

#[test]
fn fresh_instances_for_every_call_when_configured() {
    let reuse = Reuse {
        fresh_every_call: true,
        ..Reuse::default()
    };
    let runtime = Runtime::new(RuntimeConfig {
        reuse,
        ..common::config()
    })
    .unwrap();
    let plugin = stateful(&runtime);
    for id in ["e1", "e2", "e3"] {
        assert_eq!(
            previous(&runtime, &plugin, id, "mirfaith", "{}"),
            "previous=none"
        );
    }
    assert_eq!(runtime.warm_instances(), 0);
}

#[test]
fn an_instance_is_recycled_after_its_call_budget() {
    let reuse = Reuse {
        max_calls: 2,
        ..Reuse::default()
    };
    let runtime = Runtime::new(RuntimeConfig {
        reuse,
        ..common::config()
    })
    .unwrap();
    let plugin = stateful(&runtime);
    assert_eq!(
        previous(&runtime, &plugin, "e1", "mirfaith", "{}"),
        "previous=none"
    );
    assert_eq!(
        previous(&runtime, &plugin, "e2", "mirfaith", "{}"),
        "previous=mirfaith|{}|e1"
    );
    assert_eq!(
        previous(&runtime, &plugin, "e3", "mirfaith", "{}"),
        "previous=none"
    );
}
