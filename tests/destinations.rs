//! The built-in destinations against local fakes: Telegram's Bot API (with its
//! 429 `retry_after`), and Google's token endpoint and Sheets API (a service
//! account's JWT exchanged once for a token that is then reused). Secrets never
//! reach the delivery log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{self, ApiCalls as _, Kait, Receiver, Reply, event};

const TOKEN: &str = "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token";

#[tokio::test]
async fn telegram_messages_reach_the_bot_api_and_honour_retry_after() {
    let mut telegram = Receiver::start().await;
    let upstreams = format!(r#"{{ "https://api.telegram.org" = "{}" }}"#, telegram.url);
    let kait = Kait::start(&[("KAIT_UPSTREAMS", &upstreams)]);
    let key = kait.shop("mirfaith", "premium").await;
    kait.webhook(
        "mirfaith",
        &key,
        json!({"name": "tg", "plugin": "telegram", "events": ["order.paid"], "config": {"bot_token": TOKEN, "chat_id": "-1001234567890"}}),
    )
    .await;
    telegram.answer([Reply::status(429).body(r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#)]);
    telegram.answer_always(Reply::status(200).body(r#"{"ok":true,"result":{"message_id":7}}"#));
    let (status, accepted) = kait
        .event("mirfaith", &key, &event("order.paid", "mirfaith", "evt-tg"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = accepted["deliveries"][0]["id"].as_str().unwrap();

    let first = telegram.next().await;
    assert_eq!(first.path, format!("/bot{TOKEN}/sendMessage"));
    let message = first.json();
    assert_eq!(message["chat_id"], "-1001234567890");
    assert_eq!(message["parse_mode"], "HTML");
    assert!(
        message["text"].as_str().unwrap().contains("1262140"),
        "{message}"
    );
    telegram.next().await;

    let delivery = kait
        .delivery_until("mirfaith", &key, id, |d| d["status"] == "succeeded")
        .await;
    let log = &delivery["attempt_log"];
    let at =
        |n: usize| chrono::DateTime::parse_from_rfc3339(log[n]["at"].as_str().unwrap()).unwrap();
    assert!(
        at(1) - at(0) >= chrono::Duration::milliseconds(900),
        "retry_after 1 s was not honoured"
    );
    let url = log[0]["requests"][0]["request"]["url"].as_str().unwrap();
    assert_eq!(url, "https://api.telegram.org/bot••••oken/sendMessage");
    assert!(
        !delivery.to_string().contains(TOKEN),
        "the bot token leaked into the log"
    );

    // A template that renders nothing makes the plugin skip: recorded as skipped.
    let quiet = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"name": "quiet", "plugin": "telegram", "config": {"bot_token": TOKEN, "chat_id": "-100", "template": "{% if false %}never{% endif %}"}}),
        )
        .await;
    let path = format!(
        "/v1/shops/mirfaith/webhooks/{}/test",
        quiet["id"].as_str().unwrap()
    );
    let (_, tested) = kait
        .post(&path, &key, json!({"type": "order.shipped"}))
        .await;
    assert_eq!(tested["status"], "skipped", "{tested:#}");
    assert_eq!(tested["attempt_log"][0]["outcome"], "skipped");
    assert!(
        tested["attempt_log"][0]["error"]
            .as_str()
            .unwrap()
            .contains("empty message")
    );
}

fn service_account() -> Value {
    json!({
        "type": "service_account",
        "project_id": "kait-test",
        "private_key_id": "0123456789abcdef",
        "private_key": server::private_key(),
        "client_email": "kait-test@kait-test.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    })
}

#[tokio::test]
async fn sheets_rows_are_appended_with_a_token_minted_once() {
    let mut google = Receiver::start().await;
    let mut sheets = Receiver::start().await;
    let upstreams = format!(
        r#"{{ "https://sheets.googleapis.com" = "{}" }}"#,
        sheets.url
    );
    let token_url = format!("{}/token", google.url);
    let kait = Kait::start(&[
        ("KAIT_UPSTREAMS", &upstreams),
        ("KAIT_GOOGLE_TOKEN_URL", &token_url),
    ]);
    let key = kait.shop("mirfaith", "premium").await;
    let credentials = service_account();
    kait.webhook(
        "mirfaith",
        &key,
        json!({"name": "sales", "plugin": "sheets", "events": ["order.paid"], "config": {"spreadsheet_id": "sheet123", "sheet": "Jualan", "credentials": credentials}}),
    )
    .await;
    google.answer_always(Reply::status(200).body(
        r#"{"access_token":"ya29.fake-access-token","expires_in":3600,"token_type":"Bearer"}"#,
    ));
    sheets.answer_always(Reply::status(200).body(r#"{"updates":{"updatedRows":1}}"#));

    let mut ids = Vec::new();
    for n in 0..2 {
        let (_, accepted) = kait
            .event(
                "mirfaith",
                &key,
                &event("order.paid", "mirfaith", &format!("evt-row-{n}")),
            )
            .await;
        ids.push(
            accepted["deliveries"][0]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        let append = sheets.next().await;
        assert!(
            append
                .path
                .starts_with("/v4/spreadsheets/sheet123/values/Jualan!A1:append"),
            "{}",
            append.path
        );
        assert_eq!(
            append.header("authorization"),
            "Bearer ya29.fake-access-token"
        );
        assert!(
            append.json()["values"][0]
                .as_array()
                .is_some_and(|row| !row.is_empty())
        );
    }
    let exchange = google.next().await;
    let form = String::from_utf8_lossy(&exchange.body).to_string();
    assert!(
        form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"),
        "{form}"
    );
    assert!(form.contains("assertion="), "{form}");
    assert!(
        google
            .nothing_within(std::time::Duration::from_millis(300))
            .await,
        "the token is cached"
    );

    let delivery = kait
        .delivery_until("mirfaith", &key, &ids[1], |d| d["status"] == "succeeded")
        .await;
    let text = delivery.to_string();
    assert!(
        !text.contains("fake-access-token") && !text.contains("BEGIN PRIVATE KEY"),
        "{delivery:#}"
    );
}
