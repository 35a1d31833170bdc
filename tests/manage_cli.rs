//! `kait shops`, `kait webhooks` and `kait deliveries` against the real
//! `kait serve`: ids printed so they pipe into the next command, `--json` for
//! scripts, the server's reason on failure.

use std::process::{Command, Output};

use serde_json::Value;

use crate::server::{ADMIN_KEY, Kait, Receiver, cache_dir};

/// `kait args…` with `env`, no profile of the user's, nothing else inherited that
/// would name a server.
pub fn kait(env: &[(&str, &str)], args: &[&str]) -> Output {
    let nowhere = std::env::temp_dir().join("kait-test-no-profile/profile.toml");
    Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(args)
        .env_remove("KAIT_URL")
        .env_remove("KAIT_KEY")
        .env_remove("KAIT_SHOP")
        .env("KAIT_PROFILE", nowhere)
        .env("KAIT_CACHE_DIR", cache_dir())
        .envs(env.iter().copied())
        .output()
        .expect("kait runs")
}

/// Stdout of a command that must succeed.
pub fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Stderr of a command that must fail.
pub fn fails(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "should fail; printed {stdout}");
    String::from_utf8(out.stderr).unwrap()
}

/// The value after `label` on a line of `text`.
pub fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in {text}"));
    line.rsplit(' ').next().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_webhooks_and_deliveries_from_the_command_line() {
    let server = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let admin = [("KAIT_URL", server.base.as_str()), ("KAIT_KEY", ADMIN_KEY)];

    // Shops: the id on stdout, the key on stderr.
    let out = kait(
        &admin,
        &[
            "shops", "create", "acme", "--name", "Acme", "--plan", "premium",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(ok(out), "acme\n");
    let key = after(&stderr, "shop key (shown only now").to_string();
    assert!(key.starts_with("kait_sk_"), "{stderr}");
    let made: Value =
        serde_json::from_str(&ok(kait(&admin, &["shops", "create", "bolt", "--json"]))).unwrap();
    assert_eq!(made["shop"]["plan"], "standard");
    assert!(made["key"].as_str().unwrap().starts_with("kait_sk_"));
    let listed = ok(kait(&admin, &["shops", "list"]));
    let lines: Vec<&str> = listed.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("acme\tpremium\tAcme\t")),
        "{listed}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("bolt\tstandard\tbolt\t")),
        "{listed}"
    );
    let listed: Value =
        serde_json::from_str(&ok(kait(&admin, &["shops", "list", "--json"]))).unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    let stderr = fails(kait(&admin, &["shops", "create", "acme"]));
    assert!(stderr.contains("409"), "{stderr}");

    // Webhooks, with the shop's key and KAIT_SHOP.
    let shop = [
        ("KAIT_URL", server.base.as_str()),
        ("KAIT_KEY", key.as_str()),
        ("KAIT_SHOP", "acme"),
    ];
    let events = "order.paid,order.shipped";
    let out = kait(
        &shop,
        &[
            "webhooks",
            "create",
            "--callback-url",
            &receiver.url,
            "--events",
            events,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let printed = ok(out);
    let webhook = printed.trim_end();
    assert!(
        webhook.starts_with("wh_") && !webhook.contains('\n'),
        "{printed}"
    );
    assert!(
        after(&stderr, "signing secret (shown only now").starts_with("whsec_"),
        "{stderr}"
    );
    let listed = ok(kait(&shop, &["webhooks", "list"]));
    let fields: Vec<&str> = listed.trim_end().split('\t').collect();
    assert_eq!(fields.len(), 5, "{listed}");
    assert_eq!(
        (fields[0], fields[1], fields[3], fields[4]),
        (webhook, "active", "Callback", events)
    );
    assert!(fields[2].starts_with("http@"), "{listed}");
    let paused = ok(kait(&shop, &["webhooks", "pause", webhook]));
    assert!(
        paused.starts_with(&format!("{webhook}\tpaused\t")),
        "{paused}"
    );
    let resumed: Value =
        serde_json::from_str(&ok(kait(&shop, &["webhooks", "resume", webhook, "--json"]))).unwrap();
    assert_eq!(
        (&resumed["id"], &resumed["status"]),
        (&webhook.into(), &"active".into())
    );

    // A test delivery, then the log.
    let tested = ok(kait(
        &shop,
        &["webhooks", "test", webhook, "--type", "order.shipped"],
    ));
    let fields: Vec<&str> = tested.trim_end().split('\t').collect();
    assert_eq!(fields[1], "succeeded", "{tested}");
    let delivery = fields[0];
    assert!(delivery.starts_with("msg_"), "{tested}");
    assert_eq!(receiver.next().await.json()["type"], "order.shipped");
    let listed = ok(kait(&shop, &["deliveries", "list"]));
    assert!(
        listed.starts_with(&format!(
            "{delivery}\t{webhook}\torder.shipped\tsucceeded\t1\t"
        )),
        "{listed}"
    );
    let filtered = ok(kait(
        &shop,
        &[
            "deliveries",
            "list",
            "--webhook",
            webhook,
            "--status",
            "succeeded",
        ],
    ));
    assert_eq!(filtered, listed);
    assert_eq!(
        ok(kait(&shop, &["deliveries", "list", "--status", "dead"])),
        ""
    );
    let shown = ok(kait(&shop, &["deliveries", "show", delivery]));
    for expected in [
        format!("delivery   {delivery}"),
        format!("webhook    {webhook}"),
        "status     succeeded after 1 attempt(s)".to_string(),
        "attempt 1 at ".to_string(),
        format!("request POST {}", receiver.url),
        "/ → 200\n".to_string(),
    ] {
        assert!(shown.contains(&expected), "{expected:?} in {shown}");
    }
    let json: Value = serde_json::from_str(&ok(kait(
        &shop,
        &["deliveries", "show", delivery, "--json"],
    )))
    .unwrap();
    assert_eq!(json["attempt_log"][0]["outcome"], "succeeded");
    let retried = ok(kait(&shop, &["deliveries", "retry", delivery]));
    assert!(
        retried.starts_with(&format!("{delivery}\t{webhook}\t")),
        "{retried}"
    );
    let again = receiver.next().await;
    assert_eq!(
        again.json()["type"],
        "order.shipped",
        "the retry is sent again"
    );

    // Another plugin, with its configuration inline; created as JSON.
    let made: Value = serde_json::from_str(&ok(kait(
        &shop,
        &[
            "webhooks",
            "create",
            "--plugin",
            "http",
            "--config",
            &format!(r#"{{"url": "{}"}}"#, receiver.url),
            "--name",
            "Second",
            "--paused",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(
        (&made["name"], &made["status"]),
        (&"Second".into(), &"paused".into())
    );
    assert!(
        made["signing_secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );

    // Delete: nothing printed; then gone, and the server's reason says so.
    assert_eq!(ok(kait(&shop, &["webhooks", "delete", webhook])), "");
    let listed = ok(kait(&shop, &["webhooks", "list"]));
    assert!(
        !listed.contains(webhook) && listed.contains("Second"),
        "{listed}"
    );
    let stderr = fails(kait(&shop, &["webhooks", "pause", webhook]));
    assert!(
        stderr.contains("404") && stderr.contains("not_found"),
        "{stderr}"
    );

    // What is missing is named.
    let stderr = fails(kait(&shop[..2], &["webhooks", "list"]));
    assert!(
        stderr.contains("no shop: pass --shop or set KAIT_SHOP"),
        "{stderr}"
    );
    let stderr = fails(kait(&shop, &["webhooks", "list", "--shop", "bolt"]));
    assert!(
        stderr.contains("404"),
        "another shop's key is refused: {stderr}"
    );
    let stderr = fails(kait(
        &shop,
        &[
            "webhooks",
            "create",
            "--callback-url",
            "ftp://x",
            "--plugin",
            "http",
        ],
    ));
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
