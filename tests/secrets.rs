//! Secrets never leak. A realistic scenario (Telegram and Sheets webhooks, failures
//! and retries, every read route, a rotation, metrics) runs with debug logging;
//! then the database files, the whole log and every API response are searched for
//! each secret: the admin and shop keys, the bot token, the service account's
//! private key, the minted access token and the signing secrets.

use std::sync::{Arc, Mutex};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::server::{self, ADMIN_KEY, ApiCalls as _, Kait, Receiver, Reply, event};

const TOKEN: &str = "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token";
const ACCESS_TOKEN: &str = "ya29.fake-access-token-never-shown";
/// Secrets a merchant typed into a Callback URL: a bot token in the path, a key
/// in the query.
const URL_TOKEN: &str = "987654321:ZZtypedIntoTheCallbackUrl_example";
const URL_KEY: &str = "qk-typed-into-the-query-7f3a";

/// Every API response body, for the search at the end.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    async fn call(
        &self,
        kait: &Kait,
        method: Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Value {
        let (status, value) = kait.call(method, path, Some(key), body).await;
        assert!(status.is_success(), "{path}: {status} {value}");
        self.0.lock().unwrap().push(value.to_string());
        value
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_database_the_log_or_a_response() {
    let mut telegram = Receiver::start().await;
    let google = Receiver::start().await;
    let mut sheets = Receiver::start().await;
    let upstreams = format!(
        r#"{{ "https://api.telegram.org" = "{}", "https://sheets.googleapis.com" = "{}" }}"#,
        telegram.url, sheets.url
    );
    let token_url = format!("{}/token", google.url);
    let mut kait = Kait::start(&[
        ("KAIT_UPSTREAMS", &upstreams),
        ("KAIT_GOOGLE_TOKEN_URL", &token_url),
        ("KAIT_LOG", "debug"),
    ]);
    let seen = Seen::default();
    let key = kait.shop("mirfaith", "premium").await;
    let pem = server::private_key();
    telegram.answer([Reply::status(500).body("upstream trouble")]);
    google.answer_always(Reply::status(200).body(&format!(
        r#"{{"access_token":"{ACCESS_TOKEN}","expires_in":3600}}"#
    )));

    let tg = kait
        .webhook("mirfaith", &key, json!({"name": "tg", "plugin": "telegram", "events": ["order.paid"], "config": {"bot_token": TOKEN, "chat_id": "-100"}}))
        .await;
    let credentials = json!({"type": "service_account", "client_email": "k@kait.iam.gserviceaccount.com", "private_key": pem, "private_key_id": "abc"});
    let sh = kait
        .webhook("mirfaith", &key, json!({"name": "sheet", "plugin": "sheets", "events": ["order.paid"], "config": {"spreadsheet_id": "s1", "credentials": credentials}}))
        .await;
    let mut callback = Receiver::start().await;
    let url = format!(
        "{}/bot{URL_TOKEN}/sendMessage?chat_id=-100&api_key={URL_KEY}",
        callback.url
    );
    let cb = kait
        .webhook("mirfaith", &key, json!({"name": "link", "plugin": "http", "events": ["order.paid"], "config": {"url": url}}))
        .await;
    let shown_url = cb["config"]["url"].as_str().unwrap().to_string();
    assert!(
        shown_url.ends_with("/bot••••mple/sendMessage?chat_id=-100&api_key=••••7f3a"),
        "{shown_url}"
    );
    // The URL sent back as shown, with another chat: the secrets stay.
    let (status, changed) = kait
        .patch(
            &format!("/v1/shops/mirfaith/webhooks/{}", cb["id"].as_str().unwrap()),
            &key,
            json!({"config": {"url": shown_url.replace("-100", "-200")}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    seen.0.lock().unwrap().push(changed.to_string());
    let mut signing = vec![
        tg["signing_secret"].as_str().unwrap().to_string(),
        sh["signing_secret"].as_str().unwrap().to_string(),
        cb["signing_secret"].as_str().unwrap().to_string(),
    ];

    let (status, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "evt-secret"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    seen.0.lock().unwrap().push(accepted.to_string());
    telegram.next().await;
    telegram.next().await;
    sheets.next().await;
    let got = callback.next().await;
    assert_eq!(
        got.path,
        format!("/bot{URL_TOKEN}/sendMessage?chat_id=-200&api_key={URL_KEY}"),
        "the destination gets the URL as typed"
    );
    for delivery in accepted["deliveries"].as_array().unwrap() {
        let id = delivery["id"].as_str().unwrap();
        kait.delivery_until("mirfaith", &key, id, |d| d["status"] == "succeeded")
            .await;
        seen.call(
            &kait,
            Method::GET,
            &format!("/v1/shops/mirfaith/deliveries/{id}"),
            &key,
            None,
        )
        .await;
    }
    for hook in [&tg, &sh, &cb] {
        let id = hook["id"].as_str().unwrap();
        let path = format!("/v1/shops/mirfaith/webhooks/{id}");
        seen.call(&kait, Method::GET, &path, &key, None).await;
        seen.call(
            &kait,
            Method::GET,
            &format!("{path}/deliveries"),
            &key,
            None,
        )
        .await;
        seen.call(
            &kait,
            Method::PATCH,
            &path,
            &key,
            Some(json!({"name": "renamed"})),
        )
        .await;
        let tested = seen
            .call(
                &kait,
                Method::POST,
                &format!("{path}/test"),
                &key,
                Some(json!({})),
            )
            .await;
        assert_eq!(tested["status"], "succeeded", "{tested:#}");
        // The one response meant to show a signing secret: it is kept out of the search.
        let (_, rotated) = kait
            .post(&format!("{path}/rotate-secret"), &key, json!({}))
            .await;
        signing.push(rotated["signing_secret"].as_str().unwrap().to_string());
    }
    seen.call(
        &kait,
        Method::GET,
        "/v1/shops/mirfaith/webhooks",
        &key,
        None,
    )
    .await;
    seen.call(&kait, Method::GET, "/v1/shops/mirfaith", &key, None)
        .await;
    seen.call(&kait, Method::GET, "/v1/shops", ADMIN_KEY, None)
        .await;
    let metrics = kait.call(Method::GET, "/metrics", None, None).await.1;
    seen.0.lock().unwrap().push(metrics.to_string());
    // Failures carry their messages too.
    let (_, refused) = kait
        .post("/v1/shops/mirfaith/webhooks", &key, json!({"name": "x", "plugin": "telegram", "config": {"bot_token": format!("{TOKEN}!"), "chat_id": "-1"}}))
        .await;
    seen.0.lock().unwrap().push(refused.to_string());

    assert!(kait.terminate().success());
    let stored = kait.place.stored_text();
    let logs = kait.logs.lock().unwrap().clone();
    let responses = seen.0.lock().unwrap().join("\n");
    assert!(logs.contains("DEBUG"), "the log ran at debug level");
    let pem_line = pem.lines().nth(3).unwrap().to_string();
    let mut secrets = vec![
        ("admin key", ADMIN_KEY.to_string()),
        ("shop key", key.clone()),
        ("bot token", TOKEN.to_string()),
        ("private key", pem_line),
        ("access token", ACCESS_TOKEN.to_string()),
        ("bot token in a Callback URL", URL_TOKEN.to_string()),
        ("key in a Callback URL", URL_KEY.to_string()),
    ];
    for secret in &signing {
        secrets.push(("signing secret", secret.clone()));
        secrets.push((
            "signing secret key",
            secret.trim_start_matches("whsec_").to_string(),
        ));
    }
    for (what, secret) in &secrets {
        for (place, text) in [
            ("the database files", &stored),
            ("the log", &logs),
            ("an API response", &responses),
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "the {what} appears in {place}"
            );
        }
    }
}
