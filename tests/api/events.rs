//! Ingest refusals and idempotency, the OpenAPI document, health, readiness
//! and metrics.

use super::*;

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

#[tokio::test]
async fn a_stored_event_is_given_back_with_its_id_and_only_to_its_shop() {
    let kait = App::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let other = kait.shop("elsewhere", "premium").await;
    let mut anonymous = event("order.shipped", "mirfaith", "x");
    anonymous.as_object_mut().unwrap().remove("id");
    anonymous["data"]["checkout"]["note"] = "kept as sent".into();
    let (status, accepted) = kait.event("mirfaith", &key, &anonymous).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["id"].as_str().unwrap();

    let (status, stored) = kait
        .get(&format!("/v1/shops/mirfaith/events/{id}"), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["id"], id, "the derived id is written in");
    let mut expected = anonymous.clone();
    expected["id"] = id.into();
    assert_eq!(stored, expected);
    let (status, admin) = kait
        .get(&format!("/v1/shops/mirfaith/events/{id}"), ADMIN_KEY)
        .await;
    assert_eq!((status, &admin), (StatusCode::OK, &stored));

    for (path, key) in [
        (
            "/v1/shops/mirfaith/events/evt_nothing".to_string(),
            key.as_str(),
        ),
        (format!("/v1/shops/mirfaith/events/{id}"), other.as_str()),
        (format!("/v1/shops/elsewhere/events/{id}"), other.as_str()),
        (format!("/v1/shops/nowhere/events/{id}"), ADMIN_KEY),
    ] {
        let (status, body) = kait.get(&path, key).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
}
