//! Webhooks through the API: validated by their plugin, secrets masked and kept.

use super::*;
use crate::server::{Kait, Receiver};

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

/// The seed's form, as its merchants fill it in: Status, Name, Callback URL. No
/// plugin, no config: an `http` webhook that delivers to the URL.
#[tokio::test]
async fn the_seeds_three_fields_make_a_webhook_that_delivers() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let url = format!("{}/orders", receiver.url);
    let created = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"status": "active", "name": "Orders", "callback_url": url}),
        )
        .await;
    assert_eq!(created["plugin"], "http", "{created}");
    assert_eq!(created["callback_url"], url.as_str());
    assert_eq!(created["config"]["url"], url.as_str());
    assert_eq!(created["status"], "active");
    assert_eq!(created["events"].as_array().unwrap().len(), 10);

    let (status, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-seed"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let got = receiver.next().await;
    assert_eq!(got.path, "/orders");
    assert_eq!(got.json()["id"], "evt-seed");
    assert_eq!(got.header("webhook-id"), accepted["deliveries"][0]["id"]);

    // With `events`, too; and `callback_url` equal to `config.url` is no conflict.
    let (status, body) = kait
        .post(
            "/v1/shops/mirfaith/webhooks",
            &key,
            json!({"status": "paused", "name": "Paid only", "events": ["order.paid"],
                   "callback_url": url, "config": {"url": url, "method": "POST"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["events"].clone()),
        (Some("paused"), json!(["order.paid"]))
    );
}

/// An update's Callback URL replaces `config.url` and keeps the rest.
#[tokio::test]
async fn a_callback_url_update_keeps_the_rest_of_the_config() {
    let kait = App::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let created = kait
        .webhook("mirfaith", &key, json!({"name": "Orders", "plugin": "http",
            "config": {"url": "http://127.0.0.1:9/old", "method": "PUT", "headers": {"X-Shop-Token": "kept"}}}))
        .await;
    let path = format!(
        "/v1/shops/mirfaith/webhooks/{}",
        created["id"].as_str().unwrap()
    );
    let (status, updated) = kait
        .patch(
            &path,
            &key,
            json!({"callback_url": "http://127.0.0.1:9/new"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["callback_url"], "http://127.0.0.1:9/new");
    assert_eq!(updated["config"]["url"], "http://127.0.0.1:9/new");
    assert_eq!(updated["config"]["method"], "PUT", "{updated}");
    assert_eq!(
        updated["config"]["headers"], "••••",
        "the secret is kept: {updated}"
    );
    let (_, shown) = kait.get(&path, &key).await;
    assert_eq!(shown["callback_url"], "http://127.0.0.1:9/new");

    // With a config too, the Callback URL goes into that config (which replaces
    // the old one but for secrets left out, as any config update).
    let (status, updated) = kait
        .patch(
            &path,
            &key,
            json!({"callback_url": "http://127.0.0.1:9/third", "config": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated["config"],
        json!({"url": "http://127.0.0.1:9/third", "headers": "••••"})
    );

    // A Telegram webhook shows no Callback URL.
    let telegram = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"name": "tg", "plugin": "telegram",
            "config": {"bot_token": TOKEN, "chat_id": "-100"}}),
        )
        .await;
    assert!(telegram["callback_url"].is_null(), "{telegram}");
}

/// What the seed's form refuses, each with its code, and nothing changes.
#[tokio::test]
async fn a_callback_url_that_contradicts_or_does_not_fit_is_refused() {
    let kait = App::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hooks = "/v1/shops/mirfaith/webhooks";
    for (body, wanted) in [
        (
            json!({"name": "x", "callback_url": "http://127.0.0.1:9/a", "config": {"url": "http://127.0.0.1:9/b"}}),
            "callback_url_conflict",
        ),
        (
            json!({"name": "x", "plugin": "telegram", "callback_url": "http://127.0.0.1:9/a",
                   "config": {"bot_token": TOKEN, "chat_id": "-100"}}),
            "callback_url_not_http",
        ),
        (
            json!({"name": "x", "callback_url": "ftp://127.0.0.1/a"}),
            "invalid_config",
        ),
        (json!({"name": "x"}), "invalid_config"),
        (
            json!({"name": "x", "callback_url": "http://127.0.0.1:9/a", "status": "disabled"}),
            "invalid_status",
        ),
    ] {
        let (status, refused) = kait.post(hooks, &key, body.clone()).await;
        assert_eq!(
            (status, code(&refused)),
            (StatusCode::UNPROCESSABLE_ENTITY, wanted),
            "{body}: {refused}"
        );
    }
    let (_, list) = kait.get(hooks, &key).await;
    assert_eq!(list["data"], json!([]), "refusals created nothing");

    let created = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"name": "Orders", "callback_url": "http://127.0.0.1:9/a"}),
        )
        .await;
    let path = format!("{hooks}/{}", created["id"].as_str().unwrap());
    let (status, refused) = kait
        .patch(&path, &key, json!({"callback_url": "http://127.0.0.1:9/b", "config": {"url": "http://127.0.0.1:9/c"}}))
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::UNPROCESSABLE_ENTITY, "callback_url_conflict")
    );
    let (status, refused) = kait
        .patch(
            &path,
            &key,
            json!({"plugin": "telegram", "callback_url": "http://127.0.0.1:9/b"}),
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::UNPROCESSABLE_ENTITY, "callback_url_not_http")
    );
    let (_, shown) = kait.get(&path, &key).await;
    assert_eq!(shown["callback_url"], "http://127.0.0.1:9/a", "{shown}");
}
