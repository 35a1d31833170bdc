//! The dry run applies the delivery's destination guard: a request a delivery
//! would refuse is reported refused, per request, not sendable. The dry run never
//! sends, so the refused address is never contacted.

use reqwest::StatusCode;
use serde_json::json;

use crate::server::{ApiCalls as _, Kait, Receiver, guests};

#[tokio::test]
async fn a_dry_run_reports_what_the_guard_would_refuse() {
    let plugins = format!(r#"{{ "hostile" = "{}" }}"#, guests::KAIT_TEST_HOSTILE);
    let kait = Kait::start(&[
        ("KAIT_PLUGINS", &plugins),
        ("KAIT_ALLOW_PRIVATE_DESTINATIONS", "false"),
        ("KAIT_ALLOW_DESTINATIONS", r#"["127.0.0.1/32"]"#),
    ]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let allowed = format!("{}/hook", receiver.url);
    let metadata = "http://169.254.169.254/latest/meta-data/";

    let http = "/v1/shops/mirfaith/plugins/http/versions/latest/dry-run";
    let (status, ran) = kait
        .post(http, &key, json!({"config": {"url": metadata}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    assert_eq!(ran["outcome"], "error", "{ran:#}");
    assert_eq!(ran["error"]["code"], "destination_refused");
    let message = ran["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("request 1: "), "{message}");
    assert!(message.contains("169.254.0.0/16"), "{message}");
    let request = &ran["action"]["send"][0];
    assert_eq!(request["url"], metadata);
    assert!(
        request["refused"]
            .as_str()
            .unwrap()
            .contains("cloud metadata")
    );

    let (_, ran) = kait
        .post(http, &key, json!({"config": {"url": allowed}}))
        .await;
    assert_eq!(ran["outcome"], "send", "{ran:#}");
    assert!(ran["action"]["send"][0].get("refused").is_none(), "{ran:#}");

    // Per request: only the second of three is refused.
    let requests =
        json!([{"url": allowed}, {"url": "http://[::ffff:10.0.0.1]/"}, {"url": allowed}]);
    let hostile = "/v1/shops/mirfaith/plugins/hostile/versions/latest/dry-run";
    let config = json!({"mode": "fan-out", "requests": requests});
    let (status, ran) = kait.post(hostile, &key, json!({"config": config})).await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    assert_eq!(ran["outcome"], "error", "{ran:#}");
    let sent = ran["action"]["send"].as_array().unwrap();
    let refused: Vec<bool> = sent.iter().map(|r| r.get("refused").is_some()).collect();
    assert_eq!(refused, [false, true, false], "{ran:#}");
    assert!(
        ran["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("request 2: ")
    );

    assert!(
        receiver
            .nothing_within(std::time::Duration::from_millis(200))
            .await,
        "a dry run sends nothing"
    );
}
