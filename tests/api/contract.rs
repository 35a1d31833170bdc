//! The API's contract as a client generator or a Standard Webhooks user reads it:
//! public routes say `security: []`, a wrong method answers 405 in the error
//! format with `Allow`, a webhook test needs no body, and `/v1/event-types`
//! lists the seed's ten types with the event format's JSON Schema. (The whole
//! document against the running server: tests/contract/run.sh, schemathesis.)

use super::*;
use crate::server::{Kait, Receiver};

#[tokio::test]
async fn public_routes_say_so_and_the_rules_match_the_server() {
    let kait = App::start().await;
    let (_, doc) = kait.call(Method::GET, "/v1/openapi.json", None, None).await;
    for path in ["/healthz", "/readyz", "/metrics", "/v1/event-types"] {
        assert_eq!(doc["paths"][path]["get"]["security"], json!([]), "{path}");
    }
    let create = &doc["paths"]["/v1/shops/{shop}/webhooks"]["post"];
    assert!(
        create.get("security").is_none(),
        "the document's default: a key"
    );
    for status in ["401", "403", "404", "413", "415", "422"] {
        assert!(
            create["responses"][status].is_object(),
            "{status}: {create}"
        );
    }
    let shop = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "shop")
        .unwrap();
    assert_eq!(shop["schema"]["pattern"], "^[a-z0-9_-]{1,64}$");
    let schemas = &doc["components"]["schemas"];
    let status = &schemas["CreateWebhook"]["properties"]["status"]["oneOf"][1]["$ref"];
    assert_eq!(status, "#/components/schemas/ChosenStatus");
    assert_eq!(
        schemas["ChosenStatus"]["enum"],
        json!(["active", "paused"]),
        "disabled is only read"
    );
    assert_eq!(
        schemas["Webhook"]["properties"]["status"]["$ref"],
        "#/components/schemas/WebhookStatus"
    );
    assert_eq!(schemas["CreateWebhook"]["required"], json!(["name"]));
    let list = &doc["paths"]["/v1/shops"]["get"]["parameters"];
    let limit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(
        (
            limit["schema"]["minimum"].as_u64(),
            limit["schema"]["maximum"].as_u64()
        ),
        (Some(1), Some(250))
    );

    // And the server holds to them.
    for limit in ["0", "251"] {
        let (status, body) = kait
            .get(&format!("/v1/shops?limit={limit}"), ADMIN_KEY)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_limit")
        );
    }
    let (status, _) = kait.get("/v1/shops?limit=250", ADMIN_KEY).await;
    assert_eq!(status, StatusCode::OK);
    let key = kait.shop("mirfaith", "premium").await;
    let (status, body) = kait
        .post(
            "/v1/shops/mirfaith/webhooks",
            &key,
            json!({"name": "x".repeat(101), "callback_url": "http://127.0.0.1:9/"}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_name")
    );
    let (status, body) = kait
        .post(
            "/v1/shops",
            ADMIN_KEY,
            json!({"id": "kedai", "name": "Kedai Ünïcödé ".repeat(14), "plan": "free"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "200 characters, more bytes: {body}"
    );
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_error_format_with_allow() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    for (method, path, allowed) in [
        (Method::PUT, "/v1/shops/mirfaith/webhooks", "GET,HEAD,POST"),
        (Method::DELETE, "/v1/shops", "GET,HEAD,POST"),
        (Method::GET, "/v1/shops/mirfaith/events", "POST"),
        (Method::POST, "/healthz", "GET,HEAD"),
    ] {
        let response = kait
            .client
            .request(method.clone(), format!("{}{path}", kait.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let allow = response.headers()["allow"].to_str().unwrap().to_string();
        let mut got: Vec<&str> = allow.split(',').map(str::trim).collect();
        got.sort();
        assert_eq!(got.join(","), allowed, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "method_not_allowed", "{body}");
    }
}

#[tokio::test]
async fn a_webhook_test_needs_no_body() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .http_webhook("mirfaith", &key, &format!("{}/t", receiver.url))
        .await;
    let path = format!(
        "{}/v1/shops/mirfaith/webhooks/{}/test",
        kait.base,
        hook["id"].as_str().unwrap()
    );
    let response = kait
        .client
        .post(&path)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let delivery: Value = response.json().await.unwrap();
    assert_eq!(
        delivery["event_type"], "order.paid",
        "the default sample: {delivery}"
    );
    assert_eq!(receiver.next().await.json()["type"], "order.paid");

    // A body still chooses the sample; one that is not JSON says so.
    let (status, delivery) = kait
        .post(
            &path[kait.base.len()..],
            &key,
            json!({"type": "order.packed"}),
        )
        .await;
    assert_eq!(
        (status, delivery["event_type"].as_str()),
        (StatusCode::OK, Some("order.packed"))
    );
    let response = kait
        .client
        .post(&path)
        .bearer_auth(&key)
        .body("type=order.packed")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn event_types_list_the_seeds_names_in_both_languages_with_the_schema() {
    let kait = App::start().await;
    let (status, types) = kait.call(Method::GET, "/v1/event-types", None, None).await;
    assert_eq!(status, StatusCode::OK, "public: {types}");
    let data = types["data"].as_array().unwrap();
    let kinds: Vec<&str> = data.iter().map(|t| t["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, kait::events::TYPES);
    let processing = &data[5];
    assert_eq!(processing["title"]["en"], "Order Status Processing");
    assert!(
        processing["title"]["ms"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(
        processing["description"]["ms"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(
        types["schema"]["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );

    let (status, alone) = kait
        .call(Method::GET, "/v1/event-types/schema", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alone, types["schema"]);
    let required = &alone["properties"]["data"]["properties"]["checkout"]["properties"];
    for field in [
        "id",
        "total",
        "items",
        "customer",
        "shipping_address",
        "completed_at",
    ] {
        assert!(required[field].is_object(), "{field}");
    }
}
