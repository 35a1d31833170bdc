//! Webhooks through the API: validated by their plugin, secrets masked and kept.

use super::*;

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
