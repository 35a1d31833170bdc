//! `kait plugin new` and `kait plugin build`, in each language: a project written
//! outside the clone, built, its own test run, one event through the component
//! (`kait plugin run`), then uploaded to a real server and delivered to a local
//! receiver. Also `kait wit`, and the kits' own tests (node --test, unittest).

use std::borrow::BorrowMut;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

use reqwest::StatusCode;

use crate::server::listener::Listener;
use crate::server::{ApiCalls as _, Kait, event};

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
    let key = server.shop("acme", "premium").await;
    let upload = || {
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
        serde_json::from_str::<Value>(&uploaded).unwrap()
    };
    let uploaded = upload();
    assert_eq!(uploaded["info"]["name"], "my-plugin", "{uploaded:#}");

    // Delivered to `kait listen`, which checks the webhook's signature.
    let hook = server
        .webhook(
            "acme",
            &key,
            json!({"name": "mine", "plugin": "mine@latest", "events": ["order.paid"],
                   "config": {"url": "http://127.0.0.1:9/not-yet"}}),
        )
        .await;
    let listener = Listener::start(&["--secret", hook["signing_secret"].as_str().unwrap()]);
    let path = format!("/v1/shops/acme/webhooks/{}", hook["id"].as_str().unwrap());
    let url = format!("{}/mine", listener.url);
    let (status, _) = server
        .patch(&path, &key, json!({"config": {"url": url}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, accepted) = server
        .event("acme", &key, &event("order.paid", "acme", "evt-scaffold"))
        .await;
    assert_eq!(
        accepted["deliveries"].as_array().map(Vec::len),
        Some(1),
        "{accepted}"
    );
    let printed = listener.until("signature:").join("\n");
    assert!(printed.contains("── POST /mine"), "{printed}");
    assert!(printed.contains("signature: valid"), "{printed}");
    let body = listener.until("}").join("\n");
    assert!(body.contains(TEXT), "{body}");

    if lang == "js" {
        a_thrown_error_reaches_the_delivery_log(&dir, &server, &key, upload).await;
    }
}

/// A JavaScript bug as an integrator makes one: `transform` throws an `Error`,
/// which traps. The new version's attempt shows the exception's message in the
/// delivery log, and `plugin run --delivery` reproduces it locally.
async fn a_thrown_error_reaches_the_delivery_log(
    dir: &std::path::Path,
    server: &Kait,
    key: &str,
    upload: impl Fn() -> Value,
) {
    let source = dir.join("src/plugin.js");
    let code = std::fs::read_to_string(&source).unwrap();
    let head = "export function transform(event, configText, log = () => {}) {";
    assert!(
        code.contains(head),
        "the template's transform moved: {code}"
    );
    let broken = code.replace(
        head,
        &format!("{head}\n  throw new Error(`boom in ${{event.kind}}`);"),
    );
    std::fs::write(&source, broken).unwrap();
    run(
        kait(&["plugin", "build", "--dir", dir.to_str().unwrap()]),
        "plugin build (broken)",
    );
    let broken = upload();
    let (_, accepted) = server
        .event(
            "acme",
            key,
            &event("order.paid", "acme", "evt-scaffold-boom"),
        )
        .await;
    let id = accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let delivery = server
        .delivery_until("acme", key, &id, |d: &Value| {
            d["attempts"].as_u64() >= Some(1)
        })
        .await;
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(
        attempt["plugin"],
        format!("mine@{}", broken["version"].as_str().unwrap())
    );
    assert_eq!(attempt["error_kind"], "plugin_trap", "{attempt:#}");
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .contains("boom in order.paid"),
        "the exception's message in the log: {attempt:#}"
    );

    let out = kait(&[
        "plugin",
        "run",
        "--plugin",
        dir.join("transformer.wasm").to_str().unwrap(),
        "--delivery",
        &id,
        "--shop",
        "acme",
    ])
    .env("KAIT_URL", &server.base)
    .env("KAIT_KEY", key)
    .output()
    .unwrap();
    assert!(
        !out.status.success(),
        "the replay fails as the delivery did"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("boom in order.paid"), "{stderr}");
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
