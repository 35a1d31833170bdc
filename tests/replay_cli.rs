//! `kait plugin run --delivery`: a stored delivery's event and its webhook's
//! configuration, fetched from the server, run through a local component. The
//! component that failed fails the same way; a fixed one runs on the same input.

use serde_json::{Value, json};

use crate::manage_cli::{fails, kait, ok};
use crate::server::{ApiCalls as _, Kait, event, guests};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_delivery_replays_the_same_failure_and_a_fix_runs_on_its_input() {
    let server = Kait::start(&[]);
    let key = server.shop("acme", "premium").await;
    let bytes = std::fs::read(guests::KAIT_TEST_STATEFUL).unwrap();
    let (status, kept) = server.upload("acme", &key, "mine", bytes).await;
    assert!(status.is_success(), "{kept}");
    // This plugin panics on the event whose id is `trap`, whatever the config.
    let config = json!({"mode": "log", "message": "configured for acme"});
    let hook = server
        .webhook(
            "acme",
            &key,
            json!({"name": "mine", "plugin": "mine@latest", "config": config}),
        )
        .await;
    let (status, accepted) = server
        .event("acme", &key, &event("order.paid", "acme", "trap"))
        .await;
    assert!(status.is_success(), "{accepted}");
    let delivery = accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let failed = server
        .delivery_until("acme", &key, &delivery, |d| {
            d["attempts"].as_u64() >= Some(1)
        })
        .await;
    let attempt = &failed["attempt_log"][0];
    assert_eq!(attempt["outcome"], "failed", "{failed:#}");
    // The log adds what the plugin printed; the local run shows it as `output`.
    let error = attempt["error"].as_str().unwrap();
    let error = error.split("; the plugin printed").next().unwrap();

    let remote = [
        ("KAIT_URL", server.base.as_str()),
        ("KAIT_KEY", key.as_str()),
        ("KAIT_SHOP", "acme"),
    ];
    // The same component, the stored input: the same failure.
    let stderr = fails(kait(
        &remote,
        &[
            "plugin",
            "run",
            "--plugin",
            guests::KAIT_TEST_STATEFUL,
            "--delivery",
            &delivery,
        ],
    ));
    assert!(
        stderr.contains(&format!("replaying {delivery}: event trap (order.paid)")),
        "{stderr}"
    );
    assert!(stderr.contains(hook["id"].as_str().unwrap()), "{stderr}");
    assert!(
        stderr.contains(&format!("failed on order.paid: {error}")),
        "{error:?} in {stderr}"
    );

    // A component that handles it: runs on that event, with that configuration.
    let report: Value = serde_json::from_str(&ok(kait(
        &remote,
        &[
            "plugin",
            "run",
            "--plugin",
            guests::KAIT_TEST_HOSTILE,
            "--delivery",
            &delivery,
        ],
    )))
    .unwrap();
    assert_eq!(report["event"]["id"], "trap");
    assert_eq!(report["event"]["shop"], "acme");
    assert_eq!(report["action"]["skip"], "logged", "{report:#}");
    assert_eq!(
        report["logs"][0]["message"], "configured for acme",
        "{report:#}"
    );

    // `--config` replaces the stored configuration; the event stays the stored one.
    let report: Value = serde_json::from_str(&ok(kait(
        &remote,
        &[
            "plugin",
            "run",
            "--plugin",
            guests::KAIT_TEST_HOSTILE,
            "--delivery",
            &delivery,
            "--config",
            r#"{"mode": "ok"}"#,
        ],
    )))
    .unwrap();
    assert_eq!(
        (&report["event"]["id"], &report["action"]["skip"]),
        (&"trap".into(), &"ok".into())
    );

    // Without --delivery, --event and --config are needed; an unknown delivery is
    // the server's 404.
    let stderr = fails(kait(
        &[],
        &["plugin", "run", "--plugin", "http", "--config", "{}"],
    ));
    assert!(stderr.contains("--event"), "{stderr}");
    let stderr = fails(kait(
        &remote,
        &[
            "plugin",
            "run",
            "--plugin",
            "http",
            "--delivery",
            "msg_nothing",
        ],
    ));
    assert!(
        stderr.contains("cannot fetch delivery msg_nothing") && stderr.contains("404"),
        "{stderr}"
    );
}
