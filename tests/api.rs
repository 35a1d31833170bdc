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
    kait.patch("/v1/shops/butik", ADMIN_KEY, json!({"plan": "ultimate"}))
        .await;
    let (status, hook) = kait
        .post(
            &format!("/v1/shops/butik/webhooks/{id}/resume"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, hook["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );
}

#[tokio::test]
async fn webhooks_are_validated_by_their_plugin_and_keep_their_secrets() {
    let kait = App::start().await;
    let key = kait.shop("mirfaith", "premium").await;

    let (status, body) = kait
        .post("/v1/shops/mirfaith/webhooks", &key, json!({"name": "tg", "plugin": "telegram", "config": {"bot_token": "nope", "chat_id": "-100"}}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_config")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bot_token"),
        "{body}"
    );
    let (status, body) = kait
        .post(
            "/v1/shops/mirfaith/webhooks",
            &key,
            json!({"name": "x", "plugin": "fax", "config": {}}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_plugin")
    );
    let (status, body) = kait
        .post("/v1/shops/mirfaith/webhooks", &key, json!({"name": "x", "plugin": "http", "events": ["order.eaten"], "config": {"url": "http://127.0.0.1:9/"}}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_events")
    );
    let (status, body) = kait
        .post("/v1/shops/mirfaith/webhooks", &key, json!({"name": "x", "plugin": "http", "config": {"url": "http://127.0.0.1:9/"}, "colour": "red"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let created = kait
        .webhook("mirfaith", &key, json!({"name": "tg", "plugin": "telegram", "events": ["order.paid"], "config": {"bot_token": TOKEN, "chat_id": "-100"}}))
        .await;
    let secret = created["signing_secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["config"]["bot_token"], "••••oken");
    assert_eq!(created["events"], json!(["order.paid"]));
    let id = created["id"].as_str().unwrap();
    let path = format!("/v1/shops/mirfaith/webhooks/{id}");

    let (_, shown) = kait.get(&path, &key).await;
    assert!(shown.get("signing_secret").is_none(), "{shown}");
    assert!(!shown.to_string().contains(TOKEN), "{shown}");
    let (_, list) = kait.get("/v1/shops/mirfaith/webhooks", &key).await;
    assert!(!list.to_string().contains(TOKEN) && !list.to_string().contains(&secret));

    // An update that leaves the token out keeps it; an invalid one changes nothing.
    let (status, updated) = kait
        .patch(
            &path,
            &key,
            json!({"name": "Telegram", "config": {"chat_id": "-200"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated["config"],
        json!({"bot_token": "••••oken", "chat_id": "-200"})
    );
    let (status, _) = kait
        .patch(&path, &key, json!({"config": {"chat_id": "not a chat"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, after) = kait.get(&path, &key).await;
    assert_eq!(after["config"]["chat_id"], "-200");
    assert_eq!(after["name"], "Telegram");

    let (status, rotated) = kait
        .post(&format!("{path}/rotate-secret"), &key, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let new_secret = rotated["signing_secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);

    let (status, paused) = kait.post(&format!("{path}/pause"), &key, json!({})).await;
    assert_eq!(
        (status, paused["status"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    let (status, _) = kait.call(Method::DELETE, &path, Some(&key), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = kait.get(&path, &key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_events_are_refused_whole_and_duplicates_create_nothing() {
    let kait = App::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .http_webhook("mirfaith", &key, "http://127.0.0.1:9/never")
        .await;
    kait.post(
        &format!(
            "/v1/shops/mirfaith/webhooks/{}/pause",
            hook["id"].as_str().unwrap()
        ),
        &key,
        json!({}),
    )
    .await;
    let mut unknown = event("order.paid", "mirfaith", "e-unknown");
    unknown["type"] = "order.eaten".into();
    let mut no_checkout = event("order.paid", "mirfaith", "e-nocheckout");
    no_checkout["data"] = json!({"cart": {}});
    let mut huge = event("order.paid", "mirfaith", "e-huge");
    huge["data"]["checkout"]["note"] = "x".repeat(300 * 1024).into();
    let mut other_shop = event("order.paid", "mirfaith", "e-other");
    other_shop["shop"] = "elsewhere".into();
    for (body, status, expected) in [
        (
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_event",
        ),
        (
            unknown.to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_event_type",
        ),
        (
            no_checkout.to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_checkout",
        ),
        (
            huge.to_string().into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            other_shop.to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "shop_mismatch",
        ),
        (
            vec![0xff, 0xfe, b'{'],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ] {
        let (got, body) = kait.event_bytes("mirfaith", &key, body).await;
        assert_eq!((got, code(&body)), (status, expected), "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, metrics) = kait.call(Method::GET, "/metrics", None, None).await;
    assert!(
        !metrics
            .as_str()
            .unwrap()
            .contains("kait_events_accepted_total{"),
        "nothing was accepted"
    );

    // Resume: the same id twice gives the first result and one delivery.
    let id = hook["id"].as_str().unwrap();
    kait.post(
        &format!("/v1/shops/mirfaith/webhooks/{id}/resume"),
        &key,
        json!({}),
    )
    .await;
    let good = event("order.paid", "mirfaith", "evt-once");
    let (status, first) = kait.event("mirfaith", &key, &good).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["deliveries"].as_array().unwrap().len(), 1);
    let (status, second) = kait.event("mirfaith", &key, &good).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["deliveries"], first["deliveries"]);
    let (_, list) = kait
        .get(
            &format!("/v1/shops/mirfaith/webhooks/{id}/deliveries"),
            &key,
        )
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    // Without an id, one is given.
    let mut anonymous = event("order.shipped", "mirfaith", "x");
    anonymous.as_object_mut().unwrap().remove("id");
    let (status, accepted) = kait.event("mirfaith", ADMIN_KEY, &anonymous).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    assert!(accepted["id"].as_str().unwrap().starts_with("evt_"));
}

#[tokio::test]
async fn openapi_health_readiness_and_metrics() {
    let kait = App::start().await;
    let (status, doc) = kait.call(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/shops",
        "/v1/shops/{shop}",
        "/v1/shops/{shop}/webhooks/{id}",
        "/v1/shops/{shop}/events",
        "/v1/shops/{shop}/deliveries/{id}/retry",
        "/v1/shops/{shop}/webhooks/{id}/test",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let (status, _) = kait.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = kait.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = kait
        .call(Method::GET, "/v1/nowhere", Some(ADMIN_KEY), None)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (_, metrics) = kait.call(Method::GET, "/metrics", None, None).await;
    let metrics = metrics.as_str().unwrap();
    for family in [
        "kait_queue_depth",
        "kait_attempt_duration_seconds",
        "kait_plugin_duration_seconds",
    ] {
        assert!(metrics.contains(family), "{family} missing:\n{metrics}");
    }
}
