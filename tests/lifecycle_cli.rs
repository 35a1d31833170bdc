//! `kait plugin versions | promote | withdraw | dry-run` against the real
//! `kait serve`: lines with the version id first, `--json` the server's answer,
//! the shop from `--shop` or `KAIT_SHOP`, and a refusal shown with its reason.

use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::Value;

use crate::server::{ApiCalls as _, Kait, Receiver, guests, variant};

fn kait(server: &Kait, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(["plugin"])
        .args(args)
        .env("KAIT_URL", &server.base)
        .env("KAIT_KEY", key)
        .env("KAIT_SHOP", "acme")
        .output()
        .expect("kait runs")
}

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The first tab-separated column of each line, as `cut -f1` gives it.
fn first_column(printed: &str) -> Vec<&str> {
    printed
        .lines()
        .map(|line| line.split('\t').next().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_promotes_withdraws_and_dry_runs_versions() {
    let server = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let key = server.shop("acme", "premium").await;
    let run = std::process::id();
    let mut v = Vec::new();
    for n in 0..2 {
        let bytes = variant(guests::KAIT_HTTP, &format!("cli-{run}-{n}"));
        let (status, uploaded) = server.upload("acme", &key, "tagged", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        v.push(uploaded["version"].as_str().unwrap().to_string());
    }

    let listed = ok(kait(
        &server,
        &key,
        &["versions", "tagged", "--shop", "acme"],
    ));
    assert_eq!(
        first_column(&listed),
        [v[0].as_str(), v[1].as_str()],
        "{listed}"
    );
    assert!(
        listed.lines().nth(1).unwrap().contains("\tlatest\t"),
        "{listed}"
    );

    let promoted = ok(kait(
        &server,
        &key,
        &["promote", "tagged", &v[0], "--shop", "acme"],
    ));
    assert_eq!(first_column(&promoted), [v[0].as_str()]);
    assert!(promoted.contains("\tlatest\t"), "{promoted}");

    // The shop from KAIT_SHOP; the server's JSON with --json.
    let withdrawn = ok(kait(
        &server,
        &key,
        &["withdraw", "tagged", &v[0], "--json"],
    ));
    let withdrawn: Value = serde_json::from_str(&withdrawn).unwrap();
    assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
    assert_eq!(withdrawn["pinned_webhooks"], serde_json::json!([]));
    let listed = ok(kait(&server, &key, &["versions", "tagged"]));
    assert!(
        listed.lines().next().unwrap().contains("\twithdrawn\t"),
        "{listed}"
    );
    assert!(
        listed.lines().nth(1).unwrap().contains("\tlatest\t"),
        "{listed}"
    );

    // The last version in @latest: refused, with the server's reason; nothing moved.
    let refused = kait(&server, &key, &["withdraw", "tagged", &v[1]]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("last_version"), "{stderr}");
    assert_eq!(ok(kait(&server, &key, &["versions", "tagged"])), listed);

    // A dry run of an exact version on a sample event, sending nothing.
    let config = format!(r#"{{"url": "{}/dry"}}"#, receiver.url);
    let dry = format!("tagged@{}", v[0]);
    let printed = ok(kait(
        &server,
        &key,
        &["dry-run", &dry, "--type", "order.paid", "--config", &config],
    ));
    assert!(
        first_column(&printed).iter().all(|id| *id == v[0]),
        "{printed}"
    );
    assert!(
        printed.lines().next().unwrap().contains("\tsend\t"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("{}/dry", receiver.url)),
        "{printed}"
    );
}
