//! `kait plugin new` and `kait plugin build`, in each language: a project written
//! outside the clone, built, its own test run, one event through the component
//! (`kait plugin run`), then uploaded to a real server and delivered to a local
//! receiver. Also `kait wit`, and the kits' own tests (node --test, unittest).

use std::borrow::BorrowMut;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait, Receiver, event};

const TEXT: &str = "order.paid · order 1262140 · RM 203.70";
const CONFIG: &str = r#"{"url":"https://example.com/hook"}"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn kait(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kait"));
    command.args(args);
    command
}

fn ok(out: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what}: {stdout}\n{stderr}");
    stdout.into_owned()
}

fn run(mut command: impl BorrowMut<Command>, what: &str) -> String {
    ok(command.borrow_mut().output().expect(what), what)
}

async fn new_build_run_upload_deliver(lang: &str, test: &[&str]) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("my-plugin");
    let dir_arg = dir.to_str().unwrap();
    let printed = run(
        kait(&[
            "plugin",
            "new",
            "my-plugin",
            "--lang",
            lang,
            "--dir",
            dir_arg,
        ]),
        "plugin new",
    );
    assert!(printed.contains(dir_arg), "{printed}");
    assert_eq!(
        std::fs::read_to_string(dir.join("wit/plugin.wit")).unwrap(),
        std::fs::read_to_string(repo().join("wit/plugin.wit")).unwrap()
    );
    assert!(
        std::fs::read_to_string(dir.join("README.md"))
            .unwrap()
            .contains("| WIT |")
    );

    // The folder is taken now: a second `new` into it is refused, nothing changed.
    let again = kait(&["plugin", "new", "other", "--lang", lang, "--dir", dir_arg])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not an empty folder"));

    // Rust builds share the Rust example's target folder: the same kit, lockfile
    // and profiles, so the kit's dependencies compile once for both.
    let target = repo().join("examples/rust-transformer/target");
    let built = run(
        kait(&["plugin", "build", "--dir", dir_arg]).env("CARGO_TARGET_DIR", &target),
        "plugin build",
    );
    let wasm = dir.join("transformer.wasm").canonicalize().unwrap();
    assert!(
        built.contains(&format!("built {}", wasm.display())),
        "{built}"
    );

    run(
        Command::new(test[0])
            .args(&test[1..])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target),
        "the project's own test",
    );

    let sample = repo().join("examples/events/order.paid.json");
    let report = run(
        kait(&["plugin", "run", "--plugin", wasm.to_str().unwrap()]).args([
            "--event",
            sample.to_str().unwrap(),
            "--config",
            CONFIG,
        ]),
        "plugin run",
    );
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["plugin"]["name"], "my-plugin", "{report:#}");
    assert!(report.to_string().contains(TEXT), "{report:#}");

    let server = Kait::start(&[("KAIT_PLUGIN_DEADLINE", "5s")]);
    let mut receiver = Receiver::start().await;
    let key = server.shop("acme", "premium").await;
    let uploaded = run(
        kait(&[
            "plugin",
            "upload",
            wasm.to_str().unwrap(),
            "--shop",
            "acme",
            "--name",
            "mine",
            "--json",
        ])
        .env("KAIT_URL", &server.base)
        .env("KAIT_KEY", &key),
        "plugin upload",
    );
    let uploaded: Value = serde_json::from_str(&uploaded).unwrap();
    assert_eq!(uploaded["info"]["name"], "my-plugin", "{uploaded:#}");
    let url = format!("{}/mine", receiver.url);
    server
        .webhook(
            "acme",
            &key,
            json!({"name": "mine", "plugin": "mine@latest", "config": {"url": url}}),
        )
        .await;
    let (_, accepted) = server
        .event("acme", &key, &event("order.paid", "acme", "evt-scaffold"))
        .await;
    assert_eq!(
        accepted["deliveries"].as_array().map(Vec::len),
        Some(1),
        "{accepted}"
    );
    let got = receiver.next().await;
    assert_eq!(got.path, "/mine");
    assert_eq!(got.json(), json!({ "text": TEXT }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_rust_plugin_builds_tests_and_delivers() {
    new_build_run_upload_deliver("rust", &["cargo", "test", "--quiet"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_javascript_plugin_builds_tests_and_delivers() {
    new_build_run_upload_deliver("js", &["node", "--test"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_python_plugin_builds_tests_and_delivers() {
    new_build_run_upload_deliver("python", &["python3", "-m", "unittest"]).await;
}

#[test]
fn wit_prints_the_contract_and_bad_projects_are_refused() {
    let printed = run(kait(&["wit"]), "kait wit");
    assert_eq!(
        printed,
        std::fs::read_to_string(repo().join("wit/plugin.wit")).unwrap()
    );
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("x");
    let out = kait(&[
        "plugin",
        "new",
        "Bad_Name",
        "--lang",
        "js",
        "--dir",
        dir.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid name"));
    assert!(!dir.exists(), "nothing written");
    let out = kait(&["plugin", "build", "--dir", temp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no build.sh"));
}

/// The kits' own tests, without compiling a component.
#[test]
fn the_kits_pass_their_tests() {
    run(
        Command::new("node")
            .arg("--test")
            .current_dir(repo().join("kits/js")),
        "node --test in kits/js",
    );
    run(
        Command::new("python3")
            .args(["-m", "unittest"])
            .current_dir(repo().join("kits/python")),
        "python3 -m unittest in kits/python",
    );
}
