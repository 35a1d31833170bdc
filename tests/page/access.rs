//! Getting in and staying in one's own shop: the portal link, the session
//! cookie, CSRF, another shop's session, a plan without webhooks, the pause and
//! trash icons, hostile text, headers and Malay.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::json;

use super::{Visitor, portal_link, status_of};
use crate::server::{ADMIN_KEY, ApiCalls as _, Kait, Receiver, event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_steps_on_the_page_pause_resume_and_delete() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .webhook("mirfaith", &key, json!({"name": "<img src=x onerror=alert(1)>", "plugin": "http", "config": {"url": receiver.url}}))
        .await;
    let id = hook["id"].as_str().unwrap();

    let mut merchant = Visitor::new(&kait);
    let url = portal_link(&kait, "mirfaith", &key).await;
    assert_eq!(merchant.open(&url).await, StatusCode::SEE_OTHER);
    let (status, headers, html) = merchant.get("/settings/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the name shows as text"
    );
    assert!(!html.contains("<img src=x"), "no markup from the name");
    assert!(
        html.contains("Order Status Processing"),
        "the seed's event titles"
    );
    // minijinja escapes `/` as `&#x2f;`; a browser shows it as `/`.
    let shown = html.replace("&#x2f;", "/");
    assert!(shown.contains(&receiver.url), "the Callback URL");

    // The pause icon: nothing arrives while paused, and it arrives on resume.
    let csrf = merchant.csrf().await;
    let (status, _) = merchant
        .post(
            &format!("/settings/webhooks/{id}/pause"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&kait, "mirfaith", &key, id).await, "paused");
    let (status, _) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "while-paused"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(
        receiver
            .nothing_within(std::time::Duration::from_millis(800))
            .await
    );
    let (status, _) = merchant
        .post(
            &format!("/settings/webhooks/{id}/resume"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Paused means not receiving (the seed): what came meanwhile stays away,
    // what comes after the resume arrives.
    let (status, _) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "after-resume"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(receiver.next().await.json()["id"], "after-resume");

    // The trash icon asks first, then deletes.
    let (status, _, confirm) = merchant
        .get(&format!("/settings/webhooks/{id}/delete"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("cannot be undone"));
    let (status, _) = merchant
        .post(
            &format!("/settings/webhooks/{id}/delete"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = kait
        .get(&format!("/v1/shops/mirfaith/webhooks/{id}"), &key)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_link_opens_once_and_not_after_it_expires() {
    let kait = Kait::start(&[("KAIT_PORTAL_LINK_TTL", "1s")]);
    let key = kait.shop("mirfaith", "premium").await;
    let url = portal_link(&kait, "mirfaith", &key).await;
    let (status, _) = kait
        .post(
            "/v1/shops/mirfaith/portal-sessions",
            "kait_sk_not_a_key",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let other = kait.shop("other", "premium").await;
    let (status, _) = kait
        .post("/v1/shops/mirfaith/portal-sessions", &other, json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a shop key reaches its own shop only"
    );
    let admin_link = portal_link(&kait, "mirfaith", ADMIN_KEY).await;

    let mut first = Visitor::new(&kait);
    assert_eq!(first.open(&url).await, StatusCode::SEE_OTHER);
    let mut again = Visitor::new(&kait);
    assert_eq!(
        again.open(&url).await,
        StatusCode::FORBIDDEN,
        "a link opens once"
    );
    assert!(again.cookie.is_none());
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let mut late = Visitor::new(&kait);
    assert_eq!(
        late.open(&admin_link).await,
        StatusCode::FORBIDDEN,
        "an expired link opens nothing"
    );
    let (_, _, html) = late
        .get(&format!(
            "/portal/{}",
            admin_link.rsplit('/').next().unwrap()
        ))
        .await;
    assert!(html.contains("expired or was already used"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_from_another_site_or_another_shop_change_nothing() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .http_webhook("mirfaith", &key, "http://127.0.0.1:9/hook")
        .await;
    let id = hook["id"].as_str().unwrap();
    let other_key = kait.shop("other", "premium").await;

    let mut merchant = Visitor::new(&kait);
    merchant
        .open(&portal_link(&kait, "mirfaith", &key).await)
        .await;
    let csrf = merchant.csrf().await;
    let pause = format!("/settings/webhooks/{id}/pause");
    let (status, _) = merchant.post(&pause, &[("csrf", "forged")], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token, no change");
    let (status, _) = merchant
        .post(&pause, &[("csrf", &csrf)], Some("https://evil.example"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another site's form");
    assert_eq!(status_of(&kait, "mirfaith", &key, id).await, "active");

    // Another shop's session sees nothing of this one.
    let mut stranger = Visitor::new(&kait);
    stranger
        .open(&portal_link(&kait, "other", &other_key).await)
        .await;
    let their_csrf = stranger.csrf().await;
    let (_, _, list) = stranger.get("/settings/webhooks").await;
    assert!(!list.contains(id), "another shop's webhook is not listed");
    let (status, _, _) = stranger
        .get(&format!("/settings/webhooks/{id}/delete"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger.post(&pause, &[("csrf", &their_csrf)], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .post(
            &format!("/settings/webhooks/{id}/delete"),
            &[("csrf", &their_csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&kait, "mirfaith", &key, id).await, "active");

    // Signing out ends the session: the cookie opens nothing after.
    let (status, _) = merchant.post("/sign-out", &[("csrf", &csrf)], None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, headers, _) = merchant.get("/settings/webhooks").await;
    assert_eq!(
        (status, headers[LOCATION].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/sign-in")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_shop_is_told_why_in_malay_and_signs_in_with_its_key() {
    let kait = Kait::start(&[]);
    let key = kait.shop("kedai", "premium").await;
    let hook = kait
        .http_webhook("kedai", &key, "http://127.0.0.1:9/hook")
        .await;
    let id = hook["id"].as_str().unwrap();
    let (status, _) = kait
        .patch("/v1/shops/kedai", ADMIN_KEY, json!({"plan": "basic"}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut merchant = Visitor::new(&kait);
    merchant.lang = "ms-MY,ms;q=0.9";
    let (status, _) = merchant
        .post("/sign-in", &[("key", "kait_sk_wrong")], None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let response = merchant
        .client
        .post(format!("{}/sign-in", merchant.base))
        .form(&[("key", key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = response.headers()[SET_COOKIE].to_str().unwrap();
    merchant.cookie = Some(set.split(';').next().unwrap().to_string());

    let (_, _, html) = merchant.get("/settings/webhooks").await;
    assert!(
        html.contains("lang=\"ms\""),
        "Malay when the browser asks for it"
    );
    assert!(
        html.contains("hanya terdapat pada langganan plan Standard, Premium dan Ultimate"),
        "{html}"
    );
    assert!(html.contains("Dihentikan"), "the paused webhook, in Malay");
    let csrf = merchant.csrf().await;
    let (status, refused) = merchant
        .post(
            &format!("/settings/webhooks/{id}/resume"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("webhooks need the standard"), "{refused}");
    assert_eq!(status_of(&kait, "kedai", &key, id).await, "paused");
}
