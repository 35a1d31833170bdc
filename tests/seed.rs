//! The seed's own steps, as its merchants take them (../shared/seed/webhooks-en.md):
//! a Callback URL with `{{ checkout.… }}` parameters in it. The classic is a
//! Telegram link typed straight into the URL and sent with GET; here it goes to a
//! local fake of Telegram, and the token typed into it stays a secret.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{ApiCalls as _, Kait, Receiver, event};

const TOKEN: &str = "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token";

fn query(path: &str) -> Vec<(String, String)> {
    url::Url::parse(&format!("http://fake{path}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn a_telegram_link_with_parameters_is_a_callback_url() {
    let mut telegram = Receiver::start().await;
    let upstreams = format!(r#"{{ "https://api.telegram.org" = "{}" }}"#, telegram.url);
    let kait = Kait::start(&[("KAIT_UPSTREAMS", &upstreams)]);
    let key = kait.shop("mirfaith", "premium").await;
    // As a merchant pastes it: spaces, an `&` inside a value, no encoding.
    let url = format!(
        "https://api.telegram.org/bot{TOKEN}/sendMessage?chat_id=-1001234567890\
         &text=Order {{{{ checkout.id }}}} ({{{{ event.title }}}}): {{{{ checkout.total|money }}}} \
         from {{{{ checkout.customer.first_name }}}}"
    );
    let hook = kait
        .webhook(
            "mirfaith",
            &key,
            json!({"status": "active", "name": "Telegram link", "events": ["order.paid"],
                   "callback_url": url, "config": {"method": "GET"}}),
        )
        .await;
    assert_eq!(
        hook["plugin"], "http",
        "the seed's form is the http plugin's"
    );
    let shown = hook["callback_url"].as_str().unwrap();
    assert_eq!(hook["config"]["url"], shown);
    assert!(
        shown.starts_with("https://api.telegram.org/bot••••oken/sendMessage?chat_id="),
        "the token typed into the URL is masked: {shown}"
    );

    let mut paid = event("order.paid", "mirfaith", "evt-link-1");
    paid["data"]["checkout"]["customer"]["first_name"] = "Nur & Ain".into();
    let (status, accepted) = kait.event("mirfaith", &key, &paid).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let got = telegram.next().await;
    assert!(got.body.is_empty(), "GET sends no body");
    assert!(
        got.path.starts_with(&format!("/bot{TOKEN}/sendMessage?")),
        "{}",
        got.path
    );
    assert!(!got.path.contains(' '), "{}", got.path);
    let checkout = &paid["data"]["checkout"];
    assert_eq!(
        query(&got.path),
        [
            ("chat_id".to_string(), "-1001234567890".to_string()),
            (
                "text".to_string(),
                format!(
                    "Order {} (Order Paid): RM {:.2} from Nur & Ain",
                    checkout["id"],
                    checkout["total"].as_f64().unwrap()
                )
            ),
        ],
        "each value rendered and encoded in its place"
    );

    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = kait
        .delivery_until("mirfaith", &key, id, |d: &Value| d["status"] == "succeeded")
        .await;
    let logged = delivery["attempt_log"][0]["requests"][0]["request"]["url"]
        .as_str()
        .unwrap();
    assert!(!logged.contains(TOKEN), "scrubbed from the log: {logged}");
    assert!(logged.contains("bot••••oken/sendMessage"), "{logged}");
}
