//! The CLI against the real `kait serve`: `kait plugin upload` and `kait trigger`,
//! reading the server's address and key from `KAIT_URL` and `KAIT_KEY`.

use std::process::{Command, Output};

use serde_json::Value;

use crate::server::{ApiCalls as _, Kait, Receiver, guests};

fn kait(kait: &Kait, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(args)
        .env("KAIT_URL", &kait.base)
        .env("KAIT_KEY", key)
        .output()
        .expect("kait runs")
}

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_sends_a_fresh_sample_to_the_shop_or_one_webhook() {
    let kait_server = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait_server.shop("acme", "premium").await;
    let hook = kait_server.http_webhook("acme", &key, &receiver.url).await;
    let webhook = hook["id"].as_str().unwrap();

    // Twice the same type: two fresh events (never a duplicate), in this shop.
    for _ in 0..2 {
        let printed = ok(kait(
            &kait_server,
            &key,
            &["trigger", "order.shipped", "--shop", "acme"],
        ));
        assert!(printed.contains("order.shipped: 1 deliveries"), "{printed}");
        assert!(printed.contains(webhook), "where it went: {printed}");
        let got = receiver.next().await.json();
        assert_eq!(got["type"], "order.shipped");
        assert_eq!(got["shop"], "acme");
        assert!(got["id"].as_str().unwrap().starts_with("evt_trigger_"));
    }

    let printed = ok(kait(
        &kait_server,
        &key,
        &[
            "trigger",
            "order.paid",
            "--shop",
            "acme",
            "--webhook",
            webhook,
            "--json",
        ],
    ));
    let delivery: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(delivery["status"], "succeeded", "{delivery:#}");
    assert_eq!(receiver.next().await.json()["type"], "order.paid");

    let out = kait(
        &kait_server,
        &key,
        &["trigger", "order.lost", "--shop", "acme"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("order.paid"));
    let out = kait(
        &kait_server,
        &key,
        &["trigger", "order.paid", "--shop", "other"],
    );
    assert!(!out.status.success(), "another shop's key is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
}

#[tokio::test]
async fn upload_keeps_a_version_and_says_why_when_refused() {
    let kait_server = Kait::start(&[]);
    let key = kait_server.shop("acme", "premium").await;
    let printed = ok(kait(
        &kait_server,
        &key,
        &[
            "plugin",
            "upload",
            guests::KAIT_TEST_STATEFUL,
            "--shop",
            "acme",
            "--name",
            "mine",
            "--json",
        ],
    ));
    let kept: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(kept["name"], "mine");
    assert_eq!(kept["latest"], true);
    // Without --json: the version's line, its id first (the same bytes again
    // are the same version).
    let line = ok(kait(
        &kait_server,
        &key,
        &[
            "plugin",
            "upload",
            guests::KAIT_TEST_STATEFUL,
            "--shop",
            "acme",
            "--name",
            "mine",
        ],
    ));
    let mut columns = line.trim().split('\t');
    assert_eq!(columns.next(), kept["version"].as_str(), "{line}");
    assert_eq!(columns.next(), Some("latest"), "{line}");

    let out = kait(
        &kait_server,
        &key,
        &[
            "plugin",
            "upload",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"),
            "--shop",
            "acme",
            "--name",
            "notwasm",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not_wasm"));
}
