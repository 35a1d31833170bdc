//! The auth matrix: every route of the API, called by five callers (no key, a
//! wrong key, another shop's key, the shop's own key, the admin key), with the
//! exact status each must get. The table below is the spec; a route added to
//! the OpenAPI document but not to the table fails the test.
//!
//! The rules: a missing or unknown key is 401; another shop's key on a shop's
//! resource is 404 (as if the shop did not exist); a shop key on an admin-only
//! route (or its own shop's plan) is 403; the shop's own key and the admin key
//! succeed. Public routes ignore the key altogether.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::server::{ADMIN_KEY, ApiCalls as _, Kait, Receiver, event, guests, variant};

/// What a call sends as its body.
#[derive(Clone, Copy)]
enum Body {
    /// Nothing.
    Empty,
    /// This JSON, with `{n}` replaced by a number unique to the call and `{url}`
    /// by the test receiver's URL.
    Json(&'static str),
    /// A sample `order.paid` event for shop A with an id unique to the call.
    Event,
    /// A plugin component unique to the call.
    Wasm,
}
use Body::{Empty, Event, Json, Wasm};

/// The callers, in the order of the expected statuses in the table.
const CALLERS: [&str; 5] = [
    "no key",
    "wrong key",
    "other shop's key",
    "own key",
    "admin key",
];

/// A well-formed key that no one has.
const WRONG_KEY: &str = "kait_sk_000000000000000000000000000000000000000000000000";

/// In a path, `{shop}` is shop A, and `{id}` is A's delivery under
/// `/deliveries/`, A's event under `/events/`, else A's webhook — except for DELETE, where every call gets a
/// webhook of its own, made just before, so each delete has something to delete.
/// `{name}` is A's plugin and `{version}` its first version (for DELETE, a version
/// of its own, uploaded just before).
#[rustfmt::skip]
const ROUTES: &[(Method, &str, Body, [u16; 5])] = &[
    //                                                                  none wrong other own admin
    (Method::GET,    "/healthz",                              Empty,     [200, 200, 200, 200, 200]),
    (Method::GET,    "/readyz",                               Empty,     [200, 200, 200, 200, 200]),
    (Method::GET,    "/metrics",                              Empty,     [200, 200, 200, 200, 200]),
    (Method::GET,    "/v1/openapi.json",                      Empty,     [200, 200, 200, 200, 200]),
    // The seed's event types and the event format: nothing about any shop.
    (Method::GET,    "/v1/event-types",                       Empty,     [200, 200, 200, 200, 200]),
    (Method::GET,    "/v1/event-types/schema",                Empty,     [200, 200, 200, 200, 200]),
    // Shops: creating, listing and re-planning them is the platform's business;
    // a shop may change its own abandonment window.
    (Method::POST,   "/v1/shops",
        Json(r#"{"id": "new-{n}", "name": "New", "plan": "free"}"#),     [401, 401, 403, 403, 201]),
    (Method::GET,    "/v1/shops",                             Empty,     [401, 401, 403, 403, 200]),
    (Method::GET,    "/v1/shops/{shop}",                      Empty,     [401, 401, 404, 200, 200]),
    (Method::PATCH,  "/v1/shops/{shop}", Json(r#"{"plan": "premium"}"#), [401, 401, 404, 403, 200]),
    (Method::PATCH,  "/v1/shops/{shop}",
        Json(r#"{"abandonment_window_minutes": 60}"#),                   [401, 401, 404, 200, 200]),
    // A one-time link into the shop's page: the platform (admin) or the shop.
    (Method::POST,   "/v1/shops/{shop}/portal-sessions",      Empty,     [401, 401, 404, 201, 201]),
    // Webhooks.
    (Method::POST,   "/v1/shops/{shop}/webhooks",
        Json(r#"{"name": "n{n}", "plugin": "http", "config": {"url": "{url}/n{n}"}}"#),
                                                                         [401, 401, 404, 201, 201]),
    (Method::GET,    "/v1/shops/{shop}/webhooks",             Empty,     [401, 401, 404, 200, 200]),
    (Method::GET,    "/v1/shops/{shop}/webhooks/{id}",        Empty,     [401, 401, 404, 200, 200]),
    (Method::PATCH,  "/v1/shops/{shop}/webhooks/{id}",
        Json(r#"{"name": "renamed {n}"}"#),                              [401, 401, 404, 200, 200]),
    (Method::DELETE, "/v1/shops/{shop}/webhooks/{id}",        Empty,     [401, 401, 404, 204, 204]),
    (Method::POST,   "/v1/shops/{shop}/webhooks/{id}/pause",  Empty,     [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/webhooks/{id}/resume", Empty,     [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/webhooks/{id}/rotate-secret",
                                                              Empty,     [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/webhooks/{id}/test",
        Json(r#"{"type": "order.shipped"}"#),                            [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/webhooks/{id}/test",   Empty,     [401, 401, 404, 200, 200]),
    // The delivery log.
    (Method::GET,    "/v1/shops/{shop}/webhooks/{id}/deliveries",
                                                              Empty,     [401, 401, 404, 200, 200]),
    (Method::GET,    "/v1/shops/{shop}/deliveries/{id}",      Empty,     [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/deliveries/{id}/retry",
                                                              Empty,     [401, 401, 404, 202, 202]),
    // A shop's plugins.
    (Method::GET,    "/v1/shops/{shop}/plugins",              Empty,     [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/plugins/{name}/versions",
                                                              Wasm,      [401, 401, 404, 201, 201]),
    (Method::GET,    "/v1/shops/{shop}/plugins/{name}/versions",
                                                              Empty,     [401, 401, 404, 200, 200]),
    (Method::GET,    "/v1/shops/{shop}/plugins/{name}/versions/{version}",
                                                              Empty,     [401, 401, 404, 200, 200]),
    (Method::DELETE, "/v1/shops/{shop}/plugins/{name}/versions/{version}",
                                                              Empty,     [401, 401, 404, 204, 204]),
    (Method::POST,   "/v1/shops/{shop}/plugins/{name}/versions/{version}/dry-run",
        Json(r#"{"sample": "order.paid", "config": {"url": "{url}/dry"}}"#),
                                                                         [401, 401, 404, 200, 200]),
    // The first version, withdrawn (the uploads above stay in @latest; a second
    // withdrawal is a no-op), then promoted back.
    (Method::POST,   "/v1/shops/{shop}/plugins/{name}/versions/{version}/withdraw",
                                                              Empty,     [401, 401, 404, 200, 200]),
    (Method::POST,   "/v1/shops/{shop}/plugins/{name}/versions/{version}/promote",
                                                              Empty,     [401, 401, 404, 200, 200]),
    // Ingest.
    (Method::POST,   "/v1/shops/{shop}/events",               Event,     [401, 401, 404, 202, 202]),
    (Method::GET,    "/v1/shops/{shop}/events/{id}",          Empty,     [401, 401, 404, 200, 200]),
];

/// The error code every refusal of this status must carry.
fn code_for(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("unauthorized"),
        403 => Some("forbidden"),
        404 => Some("not_found"),
        _ => None,
    }
}

/// Every (method, path) of the OpenAPI document.
async fn documented(kait: &Kait) -> BTreeSet<(String, String)> {
    let (status, doc) = kait.call(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths in the document") {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[tokio::test]
async fn every_route_answers_every_caller_as_specified() {
    let kait = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let own = kait.shop("shop-a", "premium").await;
    let other = kait.shop("shop-b", "premium").await;
    kait.http_webhook("shop-b", &other, &format!("{}/b", receiver.url))
        .await;

    // Shop A's resources, so every id in the table exists.
    let hook = kait
        .http_webhook("shop-a", &own, &format!("{}/a", receiver.url))
        .await;
    let webhook = hook["id"].as_str().unwrap().to_string();
    let (status, accepted) = kait
        .event("shop-a", &own, &event("order.paid", "shop-a", "evt-setup"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let delivery = accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    kait.delivery_until("shop-a", &own, &delivery, |d| d["status"] == "succeeded")
        .await;
    let (status, uploaded) = kait
        .upload("shop-a", &own, "mine", variant(guests::KAIT_HTTP, "setup"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    let version = uploaded["version"].as_str().unwrap().to_string();

    // The table covers exactly the documented routes (plus the document itself).
    let tabled: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|(_, path, _, _)| *path != "/v1/openapi.json")
        .map(|(method, path, _, _)| (method.to_string(), path.to_string()))
        .collect();
    let documented = documented(&kait).await;
    assert_eq!(
        tabled.symmetric_difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "the table and the OpenAPI document list different routes"
    );

    let keys = [
        None,
        Some(WRONG_KEY),
        Some(&*other),
        Some(&*own),
        Some(ADMIN_KEY),
    ];
    let mut n = 0;
    let mut mismatches = Vec::new();
    for (method, template, body, expected) in ROUTES {
        for ((caller, key), expected) in CALLERS.iter().zip(keys).zip(expected) {
            n += 1;
            let id = if template.contains("/deliveries/{id}") {
                delivery.clone()
            } else if template.contains("/events/{id}") {
                "evt-setup".to_string()
            } else if *method == Method::DELETE && template.contains("/webhooks/{id}") {
                let fresh = kait
                    .http_webhook("shop-a", &own, &format!("{}/fresh{n}", receiver.url))
                    .await;
                fresh["id"].as_str().unwrap().to_string()
            } else {
                webhook.clone()
            };
            let version = if template.contains("{version}") && *method == Method::DELETE {
                let tag = format!("delete-{n}");
                let (_, fresh) = kait
                    .upload("shop-a", &own, "mine", variant(guests::KAIT_HTTP, &tag))
                    .await;
                fresh["version"].as_str().unwrap().to_string()
            } else {
                version.clone()
            };
            let path = template
                .replace("{shop}", "shop-a")
                .replace("{id}", &id)
                .replace("{name}", "mine")
                .replace("{version}", &version);
            let json = match body {
                Empty | Wasm => None,
                Json(text) => {
                    let text = text
                        .replace("{n}", &n.to_string())
                        .replace("{url}", &receiver.url);
                    Some(serde_json::from_str::<Value>(&text).unwrap())
                }
                Event => Some(event("order.paid", "shop-a", &format!("evt-auth-{n}"))),
            };
            let (status, answer) = match body {
                Wasm => {
                    let bytes = variant(guests::KAIT_HTTP, &format!("call-{n}"));
                    kait.upload_as(&path, key, bytes).await
                }
                _ => kait.call(method.clone(), &path, key, json).await,
            };
            let code = answer["error"]["code"].as_str();
            let wanted_code = code_for(*expected);
            if status.as_u16() != *expected || (wanted_code.is_some() && code != wanted_code) {
                let answer = answer.to_string();
                let answer = &answer[..answer.len().min(300)];
                mismatches.push(format!(
                    "{method} {template} with {caller}: expected {expected} {}, got {status}: {answer}",
                    wanted_code.unwrap_or("")
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {n} calls got the wrong answer:\n  {}",
        mismatches.len(),
        mismatches.join("\n  ")
    );

    // Refused calls changed nothing: A has its first webhook, the two that
    // were created (own key, admin) and the three whose delete was refused.
    let (status, list) = kait.get("/v1/shops/shop-a/webhooks", &own).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let hooks = list["data"].as_array().unwrap();
    assert!(hooks.iter().any(|w| w["id"] == webhook), "{list}");
    assert_eq!(hooks.len(), 1 + 2 + 3, "{list}");
    let (status, shops) = kait.get("/v1/shops", ADMIN_KEY).await;
    assert_eq!(status, StatusCode::OK, "{shops}");
    assert_eq!(
        shops["data"].as_array().unwrap().len(),
        3,
        "only the admin's create went through: {shops}"
    );
}
