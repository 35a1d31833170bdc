//! The `kait` binary as a user runs it: every `kait plugin` and `kait events`
//! command, with its output parsed and its failures checked for a clear message
//! and a non-zero exit.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn kait(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(args)
        .current_dir(root())
        .env("KAIT_CACHE_DIR", common::cache_dir())
        .output()
        .expect("kait runs")
}

fn ok_json(args: &[&str]) -> Value {
    let out = kait(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kait {args:?} failed: {stderr}");
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn fails(args: &[&str]) -> String {
    let out = kait(args);
    assert!(!out.status.success(), "kait {args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("error: "), "{stderr}");
    stderr
}

#[test]
fn run_prints_the_request_the_plugin_would_send() {
    let report = ok_json(&[
        "plugin",
        "run",
        "--plugin",
        "telegram",
        "--event",
        "examples/events/order.paid.json",
        "--config",
        "examples/configs/telegram.json",
    ]);
    let request = &report["action"]["send"][0];
    assert_eq!(request["method"], "POST");
    assert!(
        request["url"]
            .as_str()
            .unwrap()
            .starts_with("https://api.telegram.org/bot")
    );
    let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["parse_mode"], "HTML");
    assert_eq!(
        request["url"], "https://api.telegram.org/bot••••oken/sendMessage",
        "the bot token in the URL is masked, as in the delivery log"
    );
    assert!(!report.to_string().contains("AAEhBP0av28xKj1lZ8T3bAEXAMPLE"));
    assert_eq!(report["plugin"]["name"], "telegram");
    assert_eq!(report["event"]["type"], "order.paid");
    assert!(report["transform_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn run_takes_inline_config_and_a_component_path() {
    let report = ok_json(&[
        "plugin",
        "run",
        "--plugin",
        common::guests::KAIT_TEST_HOSTILE,
        "--event",
        "examples/events/order.shipped.json",
        "--config",
        r#"{"mode": "env"}"#,
    ]);
    assert_eq!(report["action"]["skip"], "env: 0 variables, 0 arguments");
}

#[test]
fn config_takes_any_inline_json_and_the_plugin_judges_it() {
    for config in [r#""https://example.com/hook""#, "[1, 2]", "42"] {
        let stderr = fails(&["plugin", "check", "--plugin", "http", "--config", config]);
        assert!(!stderr.contains("cannot read"), "{config}: {stderr}");
        assert!(stderr.contains("invalid"), "{config}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(["plugin", "inspect", "sheets"])
        .current_dir(root())
        .env("KAIT_CACHE_DIR", common::cache_dir())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("kait runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn run_reports_a_plugin_failure_and_exits_non_zero() {
    let stderr = fails(&[
        "plugin",
        "run",
        "--plugin",
        common::guests::KAIT_TEST_HOSTILE,
        "--event",
        "examples/events/order.paid.json",
        "--config",
        r#"{"mode": "loop"}"#,
    ]);
    // Whichever limit comes first on this machine: the fuel budget or the deadline.
    assert!(
        stderr.contains("instruction budget of") || stderr.contains("deadline of 100 ms"),
        "{stderr}"
    );
}

#[test]
fn inspect_prints_info_schema_and_imports() {
    let report = ok_json(&["plugin", "inspect", "sheets"]);
    assert_eq!(report["name"], "sheets");
    assert_eq!(report["config_schema"]["type"], "object");
    let imports = report["imports"].as_array().unwrap();
    assert!(imports.iter().any(|i| i == "kait:plugin/types@0.1.0"));
    assert!(
        imports
            .iter()
            .any(|i| i.as_str().unwrap().starts_with("wasi:cli/stdout@0.2"))
    );
}

#[test]
fn check_accepts_a_valid_config_and_names_the_wrong_field() {
    let out = kait(&[
        "plugin",
        "check",
        "--plugin",
        "http",
        "--config",
        "examples/configs/http.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));
    let stderr = fails(&[
        "plugin",
        "check",
        "--plugin",
        "http",
        "--config",
        r#"{"url": 5}"#,
    ]);
    assert!(stderr.contains("url"), "{stderr}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let event = "examples/events/order.paid.json";
    let stderr = fails(&[
        "plugin", "run", "--plugin", "nope", "--event", event, "--config", "{}",
    ]);
    assert!(stderr.contains("telegram, sheets, http"), "{stderr}");
    let stderr = fails(&[
        "plugin",
        "run",
        "--plugin",
        "http",
        "--event",
        "missing.json",
        "--config",
        "{}",
    ]);
    assert!(stderr.contains("missing.json"), "{stderr}");
    let stderr = fails(&[
        "plugin",
        "check",
        "--plugin",
        "http",
        "--config",
        "{not json",
    ]);
    assert!(stderr.contains("not valid JSON"), "{stderr}");
    let stderr = fails(&["plugin", "inspect", "README.md"]);
    assert!(stderr.contains("not a WebAssembly component"), "{stderr}");
}

#[test]
fn events_sample_prints_every_type() {
    for kind in kait::events::TYPES {
        let event = ok_json(&["events", "sample", kind]);
        assert_eq!(event["type"], kind);
        assert!(event["data"]["checkout"].is_object());
    }
    let stderr = fails(&["events", "sample", "order.eaten"]);
    assert!(stderr.contains("order.paid"), "{stderr}");
}

#[test]
fn events_sample_for_a_shop_is_fresh_each_time() {
    let plain = ok_json(&["events", "sample", "order.shipped"]);
    let first = ok_json(&["events", "sample", "order.shipped", "--shop", "acme"]);
    let second = ok_json(&["events", "sample", "order.shipped", "--shop", "acme"]);
    assert_eq!(first["shop"], "acme");
    assert_eq!(first["type"], "order.shipped");
    assert_eq!(first["data"], plain["data"], "the sample's data, unchanged");
    assert_ne!(first["id"], plain["id"]);
    assert_ne!(first["id"], second["id"], "never a duplicate");
    let stderr = fails(&["events", "sample", "order.eaten", "--shop", "acme"]);
    assert!(stderr.contains("order.paid"), "{stderr}");
}
