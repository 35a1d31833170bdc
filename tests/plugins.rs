//! Per-shop plugins against the real service: upload checks, content addressing,
//! listing, delete refusals, `@latest` and pinned versions, rollback, isolation
//! between shops, the dry run, and a restart that compiles nothing.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::server::{ADMIN_KEY, ApiCalls as _, Kait, Receiver, cache_dir, event, guests, variant};

/// A delivery's attempts, once it has succeeded.
async fn delivered(kait: &Kait, shop: &str, key: &str, accepted: &Value) -> Value {
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    kait.delivery_until(shop, key, id, |d| d["status"] == "succeeded")
        .await
}

/// Deletes version `version` of `shop`'s plugin `mine`.
async fn delete(kait: &Kait, shop: &str, key: &str, version: &str) -> (StatusCode, Value) {
    let path = format!("/v1/shops/{shop}/plugins/mine/versions/{version}");
    kait.call(Method::DELETE, &path, Some(key), None).await
}

fn label(delivery: &Value) -> String {
    let attempts = delivery["attempt_log"].as_array().unwrap();
    attempts.last().unwrap()["plugin"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn uploads_are_checked_and_content_addressed() {
    let kait = Kait::start(&[("KAIT_MAX_PLUGIN_BYTES", "3000000")]);
    let key = kait.shop("acme", "premium").await;

    let refusals: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"hello".to_vec(), "not_wasm", "magic bytes"),
        (
            wat::parse_str("(module)").unwrap(),
            "core_module",
            "core WebAssembly module",
        ),
        (
            wat::parse_str(r#"(component (import "wasi:http/outgoing-handler@0.2.0" (instance)))"#)
                .unwrap(),
            "forbidden_imports",
            "wasi:http/outgoing-handler@0.2.0",
        ),
        (
            std::fs::read(guests::KAIT_TEST_OTHER_WORLD).unwrap(),
            "not_a_transformer",
            "transformer world",
        ),
        (
            vec![0; 3_000_001],
            "payload_too_large",
            "larger than 3000000 bytes",
        ),
    ];
    for (bytes, code, says) in refusals {
        let (status, body) = kait.upload("acme", &key, "mine", bytes).await;
        assert!(status.is_client_error(), "{code}: {status} {body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{code}: {message}");
    }
    let (status, body) = kait
        .upload(
            "acme",
            &key,
            "http",
            std::fs::read(guests::KAIT_HTTP).unwrap(),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_name"))
    );
    let (status, list) = kait.get("/v1/shops/acme/plugins/mine/versions", &key).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "refusals stored nothing: {list}"
    );

    let bytes = std::fs::read(guests::KAIT_HTTP).unwrap();
    let (status, first) = kait.upload("acme", &key, "mine", bytes.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let version = first["version"].as_str().unwrap();
    assert_eq!(version.len(), 12);
    assert!(first["sha256"].as_str().unwrap().starts_with(version));
    assert_eq!(first["size"], bytes.len());
    assert_eq!(first["info"]["name"], "http");
    assert!(first["info"]["config_schema"].is_object());
    assert!(first["created_at"].is_string());
    let imports = first["imports"].as_array().unwrap();
    assert!(
        imports.iter().any(|i| i == "kait:plugin/types@0.1.0"),
        "{first}"
    );

    let (status, again) = kait.upload("acme", &key, "mine", bytes).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same bytes are the same version"
    );
    assert_eq!(again["version"], first["version"]);
    let (_, list) = kait.get("/v1/shops/acme/plugins/mine/versions", &key).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let (_, plugins) = kait.get("/v1/shops/acme/plugins", &key).await;
    let names: Vec<&str> = plugins["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["http", "sheets", "telegram", "mine"], "{plugins}");
}

#[tokio::test]
async fn a_compile_over_the_cap_is_refused() {
    let kait = Kait::start(&[("KAIT_PLUGIN_COMPILE_TIMEOUT", "1ms")]);
    let key = kait.shop("acme", "premium").await;
    let tag = format!("slow-{}", std::process::id());
    let (status, body) = kait
        .upload("acme", &key, "slow", variant(guests::KAIT_HTTP, &tag))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "compile_timeout");
    let (status, _) = kait.get("/v1/shops/acme/plugins/slow/versions", &key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was stored");
}

#[tokio::test]
async fn webhooks_follow_latest_or_a_pinned_version_and_roll_back() {
    let kait = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let (_, v1) = kait
        .upload("acme", &key, "mine", variant(guests::KAIT_HTTP, "1"))
        .await;
    let v1 = v1["version"].as_str().unwrap().to_string();
    let config = json!({"url": format!("{}/hook", receiver.url)});
    let hook = kait
        .webhook(
            "acme",
            &key,
            json!({"name": "n", "plugin": "mine", "config": config}),
        )
        .await;
    assert_eq!(hook["plugin"], "mine@latest", "{hook}");
    assert_eq!(hook["plugin_version"], format!("mine@{v1}"));
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let path = format!("/v1/shops/acme/webhooks/{hook_id}");

    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e1"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v1}")
    );

    // A new upload is the next delivery's version, with no restart.
    let tag = format!("2-{}", std::process::id());
    let (_, v2) = kait
        .upload("acme", &key, "mine", variant(guests::KAIT_HTTP, &tag))
        .await;
    let v2_sha = v2["sha256"].as_str().unwrap().to_string();
    let v2 = v2["version"].as_str().unwrap().to_string();
    let cached = || {
        std::fs::read_dir(cache_dir())
            .unwrap()
            .filter_map(Result::ok)
            .any(|f| f.file_name().to_string_lossy().starts_with(&v2_sha))
    };
    assert!(cached(), "the upload compiled v2 into the disk cache");
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e2"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v2}")
    );

    // The version in use cannot be deleted; the refusal names the webhook.
    let (status, refused) = delete(&kait, "acme", &key, &v2).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "plugin_in_use");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&hook_id),
        "{refused}"
    );

    // Rollback: pin the earlier version.
    let (status, pinned) = kait
        .patch(&path, &key, json!({"plugin": format!("mine@{v1}")}))
        .await;
    assert_eq!(status, StatusCode::OK, "{pinned}");
    assert_eq!(pinned["plugin_version"], format!("mine@{v1}"));
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e3"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v1}")
    );

    // Unused now, v2 can go; v1 cannot; an unknown version is refused on save.
    let (status, _) = delete(&kait, "acme", &key, &v2).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!cached(), "deleting v2 dropped its compiled code");
    let (status, refused) = delete(&kait, "acme", &key, &v1).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, refused) = kait
        .patch(&path, &key, json!({"plugin": format!("mine@{v2}")}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["message"].as_str().unwrap().contains(&v1),
        "{refused}"
    );

    // Built-ins are named bare: a pin would break at Kait's next upgrade.
    let (_, http) = kait
        .get("/v1/shops/acme/plugins/http/versions/latest", &key)
        .await;
    let pinned = format!("http@{}", http["version"].as_str().unwrap());
    let (status, refused) = kait.patch(&path, &key, json!({"plugin": pinned})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("without @version")
    );

    // The config is validated against the version named.
    let (status, refused) = kait
        .patch(&path, &key, json!({"config": {"url": "ftp://nope"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_config");
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_compiles_nothing_already_compiled() {
    let mut kait = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let tag = format!("restart-{}", std::process::id());
    let mut versions = Vec::new();
    for n in 0..3 {
        let bytes = variant(guests::KAIT_HTTP, &format!("{tag}-{n}"));
        let (status, uploaded) = kait.upload("acme", &key, "mine", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        versions.push(uploaded["version"].as_str().unwrap().to_string());
    }
    assert_eq!(
        kait.metric("kait_plugin_loads_total{source=\"compiled\"}")
            .await,
        3.0
    );
    assert!(kait.terminate().success());
    kait.restart();

    let config = json!({"url": format!("{}/r", receiver.url)});
    for version in &versions {
        let plugin = format!("mine@{version}");
        let hook = kait
            .webhook(
                "acme",
                &key,
                json!({"name": "n", "plugin": plugin, "config": config}),
            )
            .await;
        assert_eq!(hook["plugin_version"], plugin);
    }
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e1"))
        .await;
    for delivery in accepted["deliveries"].as_array().unwrap() {
        let id = delivery["id"].as_str().unwrap();
        kait.delivery_until("acme", &key, id, |d| d["status"] == "succeeded")
            .await;
    }
    assert_eq!(
        kait.metric("kait_plugin_loads_total{source=\"compiled\"}")
            .await,
        0.0
    );
    assert_eq!(
        kait.metric("kait_plugin_loads_total{source=\"cache\"}")
            .await,
        3.0
    );
}
