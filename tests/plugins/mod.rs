//! Per-shop plugins against the real service: upload checks, content addressing,
//! listing, delete refusals, `@latest` and pinned versions, rollback, isolation
//! between shops, the dry run, and a restart that compiles nothing. Here: the
//! upload checks; `versions.rs`: `@latest`, pins, rollback and the restart;
//! `isolation.rs`: shops apart, and the dry run.

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

mod isolation;
mod versions;
