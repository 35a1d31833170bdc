//! The management API in-process, through the router (no socket adds anything
//! here): shops and keys, scoping, plan gating, webhook CRUD with plugin
//! validation and secrets, ingest refusals and idempotency, the OpenAPI document
//! and the operations endpoints.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::server::{ADMIN_KEY, ApiCalls as _, App, event};

const TOKEN: &str = "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token";

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
}

#[tokio::test]
async fn shops_keys_and_scope() {
    let kait = App::start().await;
    let a = kait.shop("shop-a", "premium").await;
    let b = kait.shop("shop-b", "standard").await;
    assert!(a.starts_with("kait_sk_"));

    // Who may do what.
    let (status, body) = kait.call(Method::GET, "/v1/shops/shop-a", None, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, _) = kait.get("/v1/shops/shop-a", "kait_sk_wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, shop) = kait.get("/v1/shops/shop-a", &a).await;
    assert_eq!(
        (status, shop["plan"].as_str()),
        (StatusCode::OK, Some("premium"))
    );
    let (status, body) = kait.get("/v1/shops/shop-b", &a).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = kait.get("/v1/shops", &a).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, list) = kait.get("/v1/shops", ADMIN_KEY).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    // Shop A can neither see nor touch shop B's webhooks or events.
    let hook = kait
        .http_webhook("shop-b", &b, "http://127.0.0.1:9/b")
        .await;
    let id = hook["id"].as_str().unwrap();
    for (method, path, body) in [
        (Method::GET, format!("/v1/shops/shop-b/webhooks/{id}"), None),
        (Method::GET, "/v1/shops/shop-b/webhooks".to_string(), None),
        (
            Method::PATCH,
            format!("/v1/shops/shop-b/webhooks/{id}"),
            Some(json!({"name": "x"})),
        ),
        (
            Method::DELETE,
            format!("/v1/shops/shop-b/webhooks/{id}"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/shops/shop-b/webhooks/{id}/pause"),
            None,
        ),
        (
            Method::POST,
            "/v1/shops/shop-b/events".to_string(),
            Some(event("order.paid", "shop-b", "e1")),
        ),
        (Method::GET, format!("/v1/shops/shop-a/webhooks/{id}"), None),
    ] {
        let (status, body) = kait.call(method.clone(), &path, Some(&a), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (status, hook) = kait
        .get(&format!("/v1/shops/shop-b/webhooks/{id}"), &b)
        .await;
    assert_eq!(
        (status, hook["name"].as_str()),
        (StatusCode::OK, Some("orders"))
    );

    // Bad shops are refused.
    let (status, body) = kait
        .post(
            "/v1/shops",
            ADMIN_KEY,
            json!({"id": "shop-a", "name": "A", "plan": "free"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
    let (status, body) = kait
        .post(
            "/v1/shops",
            ADMIN_KEY,
            json!({"id": "Bad Id!", "name": "A", "plan": "free"}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_shop_id")
    );
    let (status, body) = kait
        .post(
            "/v1/shops",
            ADMIN_KEY,
            json!({"id": "c", "name": "C", "plan": "gold"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("plan"),
        "{body}"
    );
    let (status, _) = kait
        .post(
            "/v1/shops",
            &a,
            json!({"id": "c", "name": "C", "plan": "free"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn plans_gate_webhooks_and_downgrades_pause_them() {
    let kait = App::start().await;
    let free = kait.shop("kedai", "free").await;
    let (status, body) = kait
        .post(
            "/v1/shops/kedai/webhooks",
            &free,
            json!({"name": "x", "plugin": "http", "config": {"url": "http://127.0.0.1:9/"}}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "plan_not_eligible")
    );
    let message = body["error"]["message"].as_str().unwrap();
    for plan in ["standard", "premium", "ultimate"] {
        assert!(message.contains(plan), "{message}");
    }

    let key = kait.shop("butik", "standard").await;
    let one = kait
        .http_webhook("butik", &key, "http://127.0.0.1:9/1")
        .await;
    kait.http_webhook("butik", &key, "http://127.0.0.1:9/2")
        .await;
    let own_pause = kait
        .http_webhook("butik", &key, "http://127.0.0.1:9/3")
        .await;
    let own_pause = own_pause["id"].as_str().unwrap();
    kait.post(
        &format!("/v1/shops/butik/webhooks/{own_pause}/pause"),
        &key,
        json!({}),
    )
    .await;
    let (status, changed) = kait
        .patch("/v1/shops/butik", ADMIN_KEY, json!({"plan": "basic"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["paused_webhooks"].as_array().unwrap().len(), 2);
    assert!(
        changed["message"].as_str().unwrap().contains("paused"),
        "{changed}"
    );
    let id = one["id"].as_str().unwrap();
    let (_, hook) = kait
        .get(&format!("/v1/shops/butik/webhooks/{id}"), &key)
        .await;
    assert_eq!(hook["status"], "paused");
    assert!(
        hook["disabled_reason"].as_str().unwrap().contains("plan"),
        "{hook}"
    );
    let (status, body) = kait
        .post(
            &format!("/v1/shops/butik/webhooks/{id}/resume"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "plan_not_eligible")
    );
    let (status, _) = kait
        .patch("/v1/shops/butik", &key, json!({"plan": "ultimate"}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a shop cannot change its own plan"
    );
    let (status, changed) = kait
        .patch("/v1/shops/butik", ADMIN_KEY, json!({"plan": "ultimate"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["resumed_webhooks"].as_array().unwrap().len(),
        2,
        "exactly the webhooks the downgrade paused: {changed}"
    );
    assert!(changed["message"].as_str().unwrap().contains("resumed"));
    let (_, hook) = kait
        .get(&format!("/v1/shops/butik/webhooks/{id}"), &key)
        .await;
    assert_eq!(
        (hook["status"].as_str(), &hook["disabled_reason"]),
        (Some("active"), &Value::Null)
    );
    let (_, hook) = kait
        .get(&format!("/v1/shops/butik/webhooks/{own_pause}"), &key)
        .await;
    assert_eq!(hook["status"], "paused", "the merchant's own pause stays");
    let (_, again) = kait
        .patch("/v1/shops/butik", ADMIN_KEY, json!({"plan": "premium"}))
        .await;
    assert_eq!(again["resumed_webhooks"], json!([]), "{again}");
}

mod contract;
mod events;
mod webhooks;
