//! One shop's plugins are invisible to another, and the dry run shows the action
//! and sends nothing.

use super::*;

#[tokio::test]
async fn a_shops_plugins_are_invisible_to_other_shops() {
    let kait = Kait::start(&[]);
    let a = kait.shop("shop-a", "premium").await;
    let b = kait.shop("shop-b", "premium").await;
    let bytes = std::fs::read(guests::KAIT_HTTP).unwrap();
    let (status, mine) = kait.upload("shop-a", &a, "mine", bytes.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let version = mine["version"].as_str().unwrap();

    for path in [
        "/v1/shops/shop-a/plugins".to_string(),
        "/v1/shops/shop-a/plugins/mine/versions".to_string(),
        format!("/v1/shops/shop-a/plugins/mine/versions/{version}"),
    ] {
        let (status, body) = kait.get(&path, &b).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = kait.upload("shop-a", &b, "mine", bytes.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "B cannot upload into A");
    for path in [
        "/v1/shops/shop-b/plugins/mine/versions".to_string(),
        format!("/v1/shops/shop-b/plugins/mine/versions/{version}"),
    ] {
        let (status, body) = kait.get(&path, &b).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let dry = json!({"sample": "order.paid", "config": {"url": "https://example.com/x"}});
    let (status, body) = kait
        .post(
            &format!("/v1/shops/shop-b/plugins/mine/versions/{version}/dry-run"),
            &b,
            dry,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for plugin in ["mine", "mine@latest", &format!("mine@{version}")] {
        let (status, refused) = kait
            .post(
                "/v1/shops/shop-b/webhooks",
                &b,
                json!({"name": "n", "plugin": plugin, "config": {"url": "https://example.com/x"}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["code"], "unknown_plugin");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("available: http, sheets, telegram") && !message.contains("mine,"),
            "{message}"
        );
    }
    let (_, listed) = kait.get("/v1/shops/shop-b/plugins", &b).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        3,
        "only the built-ins: {listed}"
    );
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["builtin"] == true)
    );

    // The same bytes uploaded by B are B's own version, with the same id.
    let (status, theirs) = kait.upload("shop-b", &b, "mine", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    assert_eq!(theirs["version"], mine["version"]);
    let (status, _) = delete(&kait, "shop-a", &a, version).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, still) = kait.get("/v1/shops/shop-b/plugins/mine/versions", &b).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "A's delete left B's version: {still}"
    );
    let (status, gone) = kait.get("/v1/shops/shop-a/plugins/mine/versions", &a).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    // The admin reaches every shop.
    let (status, _) = kait
        .get("/v1/shops/shop-b/plugins/mine/versions", ADMIN_KEY)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_dry_run_shows_the_action_and_sends_nothing() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let (_, mine) = kait
        .upload(
            "acme",
            &key,
            "mine",
            std::fs::read(guests::KAIT_HTTP).unwrap(),
        )
        .await;
    let version = mine["version"].as_str().unwrap();
    let path = format!("/v1/shops/acme/plugins/mine/versions/{version}/dry-run");
    let url = format!("{}/dry", receiver.url);
    let config = json!({"url": url, "body_template": "{\"id\": \"{{ event.id }}\", \"shop\": \"{{ event.shop }}\"}"});

    let (status, ran) = kait
        .post(
            &path,
            &key,
            json!({"sample": "order.shipped", "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    assert_eq!(ran["plugin"], format!("mine@{version}"));
    assert_eq!(ran["outcome"], "send");
    let request = &ran["action"]["send"][0];
    assert_eq!(request["url"], url);
    let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["shop"], "acme", "the event is the shop's own: {ran}");
    assert!(ran["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(ran["logs"].is_array());

    // A given event, `latest`, and a built-in.
    let given = event("order.paid", "someone-else", "evt-dry");
    let (status, ran) = kait
        .post(
            "/v1/shops/acme/plugins/mine/versions/latest/dry-run",
            &key,
            json!({"event": given, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    let body = ran["action"]["send"][0]["body"].as_str().unwrap();
    assert_eq!(body, r#"{"id": "evt-dry", "shop": "acme"}"#);
    let (status, ran) = kait
        .post(
            "/v1/shops/acme/plugins/http/versions/latest/dry-run",
            &key,
            json!({"config": {"url": url}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    assert!(ran["plugin"].as_str().unwrap().starts_with("http@"));

    // Refusals: a configuration the plugin refuses, an unknown sample, both inputs.
    let (status, refused) = kait
        .post(&path, &key, json!({"config": {"url": "ftp://x"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_config");
    let (status, refused) = kait
        .post(
            &path,
            &key,
            json!({"sample": "order.lost", "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, _) = kait
        .post(
            &path,
            &key,
            json!({"sample": "order.paid", "event": given, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    assert!(
        receiver.nothing_within(Duration::from_millis(500)).await,
        "a dry run delivers nothing"
    );
}
