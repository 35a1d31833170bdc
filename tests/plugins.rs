//! Per-shop plugins against the real service: upload checks, content addressing,
//! listing, delete refusals, `@latest` and pinned versions, rollback, isolation
//! between shops, the dry run, and a restart that compiles nothing.

mod server;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::{ADMIN_KEY, Kait, Receiver, event, guests, variant};

/// A delivery's attempts, once it has succeeded.
async fn delivered(kait: &Kait, shop: &str, key: &str, accepted: &Value) -> Value {
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    kait.delivery_until(shop, key, id, |d| d["status"] == "succeeded")
        .await
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
    let (_, v2) = kait
        .upload("acme", &key, "mine", variant(guests::KAIT_HTTP, "2"))
        .await;
    let v2 = v2["version"].as_str().unwrap().to_string();
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e2"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v2}")
    );

    // The version in use cannot be deleted; the refusal names the webhook.
    let (status, refused) = kait
        .call(
            Method::DELETE,
            &format!("/v1/shops/acme/plugins/mine/versions/{v2}"),
            Some(&key),
            None,
        )
        .await;
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
    let (status, _) = kait
        .call(
            Method::DELETE,
            &format!("/v1/shops/acme/plugins/mine/versions/{v2}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, refused) = kait
        .call(
            Method::DELETE,
            &format!("/v1/shops/acme/plugins/mine/versions/{v1}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, refused) = kait
        .patch(&path, &key, json!({"plugin": format!("mine@{v2}")}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["message"].as_str().unwrap().contains(&v1),
        "{refused}"
    );

    // The config is validated against the version named.
    let (status, refused) = kait
        .patch(&path, &key, json!({"config": {"url": "ftp://nope"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_config");
    let _ = ADMIN_KEY;
    let _ = Duration::ZERO;
}
