//! The delivery log on the page: Send test shows its attempt, hostile event
//! text shows as text, the status filter, and Retry.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::{Visitor, portal_link};
use crate::server::{ApiCalls as _, Kait, Receiver, Reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_test_and_the_log_with_hostile_text_shown_as_text() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .http_webhook("mirfaith", &key, &format!("{}/orders", receiver.url))
        .await;
    let id = hook["id"].as_str().unwrap();
    let mut page = Visitor::new(&kait);
    page.open(&portal_link(&kait, "mirfaith", &key).await).await;
    let csrf = page.csrf().await;

    // Send test: the attempt is in the log.
    let response = page
        .client
        .post(format!("{}/settings/webhooks/{id}/test", page.base))
        .header("cookie", page.cookie.clone().unwrap())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("/settings/webhooks/{id}/deliveries#msg_")),
        "{location}"
    );
    receiver.next().await;
    let (status, _, log) = page
        .get(&format!("/settings/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let delivery = location.rsplit('#').next().unwrap();
    assert!(log.contains(delivery), "the test delivery is listed");
    assert!(log.contains("http@"), "with the plugin version");
    assert!(log.contains("/assets/kait.js"), "the log refreshes itself");

    // An event carrying markup: shown as text in the request excerpt.
    let mut hostile: serde_json::Value =
        serde_json::from_str(include_str!("../../examples/events/order.processing.json")).unwrap();
    hostile["shop"] = "mirfaith".into();
    let (status, accepted) = kait.event("mirfaith", &key, &hostile).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    receiver.next().await;
    let sent = accepted["deliveries"][0]["id"].as_str().unwrap();
    kait.delivery_until("mirfaith", &key, sent, |d| d["status"] == "succeeded")
        .await;
    let (_, _, log) = page
        .get(&format!("/settings/webhooks/{id}/deliveries"))
        .await;
    assert!(
        !log.contains("<script>alert(1)</script>"),
        "no markup from the event"
    );
    assert!(
        log.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;") || log.contains("\\u003cscript"),
        "the text is there, escaped"
    );

    // A delivery that fails until it is dead: found by the status filter, then
    // retried with the button.
    receiver.answer(std::iter::repeat_n(Reply::status(500), 4));
    let (_, accepted) = kait
        .event(
            "mirfaith",
            &key,
            &crate::server::event("order.paid", "mirfaith", "dies"),
        )
        .await;
    let failing = accepted["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    kait.delivery_until("mirfaith", &key, &failing, |d| d["status"] == "dead")
        .await;
    let (_, _, dead) = page
        .get(&format!("/settings/webhooks/{id}/deliveries?status=dead"))
        .await;
    assert!(
        dead.contains(&failing) && !dead.contains(delivery),
        "only the dead one"
    );
    let (status, _) = page
        .post(
            &format!("/settings/deliveries/{failing}/retry"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    kait.delivery_until("mirfaith", &key, &failing, |d| d["status"] == "succeeded")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_logging_markup_is_shown_as_text() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let bytes = std::fs::read(crate::server::guests::KAIT_TEST_HOSTILE).unwrap();
    let (status, uploaded) = kait.upload("mirfaith", &key, "noisy", bytes).await;
    assert!(status.is_success(), "{uploaded}");
    let hook = kait
        .webhook(
            "mirfaith",
            &key,
            serde_json::json!({"name": "noisy", "plugin": "noisy@latest",
                "config": {"mode": "log", "message": "<img src=x onerror=alert(1)>"}}),
        )
        .await;
    let id = hook["id"].as_str().unwrap();
    let (status, _) = kait
        .post(
            &format!("/v1/shops/mirfaith/webhooks/{id}/test"),
            &key,
            serde_json::json!({}),
        )
        .await;
    assert!(status.is_success());
    let mut page = Visitor::new(&kait);
    page.open(&portal_link(&kait, "mirfaith", &key).await).await;
    let (_, _, log) = page
        .get(&format!("/settings/webhooks/{id}/deliveries"))
        .await;
    assert!(
        !log.contains("<img src=x"),
        "no markup from the plugin's log"
    );
    assert!(
        log.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the literal text"
    );
}
