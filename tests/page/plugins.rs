//! The plugins page and the abandonment window, as a merchant uses them: an
//! upload (and a refused one), which webhook runs which version, a rollback by
//! pinning, deleting what no webhook uses, a dry run; the window's bounds.

use reqwest::StatusCode;
use serde_json::json;

use super::{Visitor, portal_link};
use crate::server::{ApiCalls as _, Kait, guests, variant};

async fn upload(page: &Visitor, csrf: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("name", name.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("plugin.wasm"),
        );
    let response = page
        .client
        .post(format!("{}/settings/plugins", page.base))
        .header("cookie", page.cookie.clone().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_uploaded_on_the_page_swapped_to_and_rolled_back() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let mut page = Visitor::new(&kait);
    page.open(&portal_link(&kait, "mirfaith", &key).await).await;
    let csrf = page.csrf().await;
    let run = std::process::id();

    let (status, refused) = upload(&page, &csrf, "mine", b"not a component".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("id=\"form-error\""),
        "the refusal is explained"
    );

    let first = variant(guests::KAIT_HTTP, &format!("page-{run}-1"));
    let (status, body) = upload(&page, &csrf, "mine", first).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, versions) = kait
        .get("/v1/shops/mirfaith/plugins/mine/versions", &key)
        .await;
    let v1 = versions["data"][0]["version"].as_str().unwrap().to_string();
    let hook = kait
        .webhook("mirfaith", &key, json!({"name": "Pakai mine", "plugin": "mine@latest", "config": {"url": "http://127.0.0.1:9/x"}}))
        .await;
    let id = hook["id"].as_str().unwrap();
    let second = variant(guests::KAIT_HTTP, &format!("page-{run}-2"));
    let (status, _) = upload(&page, &csrf, "mine", second).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, versions) = kait
        .get("/v1/shops/mirfaith/plugins/mine/versions", &key)
        .await;
    let v2 = versions["data"][1]["version"].as_str().unwrap().to_string();

    let (_, _, listing) = page.get("/settings/plugins").await;
    let row = |v: &str| {
        let at = listing.find(&format!("id=\"version-{v}\"")).unwrap();
        listing[at..listing[at..].find("</tr>").unwrap() + at].to_string()
    };
    assert!(
        row(&v2).contains("Pakai mine"),
        "the webhook runs the latest"
    );
    assert!(!row(&v1).contains("Pakai mine"));

    // Roll back: pin the webhook to the first version.
    let (status, _) = page
        .post(
            &format!("/settings/plugins/pin/{id}"),
            &[("csrf", &csrf), ("plugin", &format!("mine@{v1}"))],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, hook) = kait
        .get(&format!("/v1/shops/mirfaith/webhooks/{id}"), &key)
        .await;
    assert_eq!(hook["plugin"], format!("mine@{v1}"));

    // The first is in use and stays; the second is not and goes.
    let (status, html) = page
        .post(
            &format!("/settings/plugins/mine/{v1}/delete"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Pakai mine"), "the refusal names the webhook");
    let (status, _) = page
        .post(
            &format!("/settings/plugins/mine/{v2}/delete"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, versions) = kait
        .get("/v1/shops/mirfaith/plugins/mine/versions", &key)
        .await;
    assert_eq!(versions["data"].as_array().unwrap().len(), 1);

    // A dry run of the version on a sample.
    let config = r#"{"url": "https://example.com/hook"}"#;
    let (status, html) = page
        .post(
            &format!("/settings/plugins/mine/{v1}/dry-run"),
            &[
                ("csrf", &csrf),
                ("sample", "order.shipped"),
                ("config", config),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"preview\"")
            && html.contains("POST https:&#x2f;&#x2f;example.com&#x2f;hook"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_abandonment_window_within_its_bounds() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let mut page = Visitor::new(&kait);
    page.open(&portal_link(&kait, "mirfaith", &key).await).await;
    let csrf = page.csrf().await;
    let (_, _, form) = page.get("/settings/abandonment").await;
    assert!(form.contains("value=\"60\""), "the default window");
    let (status, _) = page
        .post(
            "/settings/abandonment",
            &[("csrf", &csrf), ("minutes", "30")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, shop) = kait.get("/v1/shops/mirfaith", &key).await;
    assert_eq!(shop["abandonment_window_minutes"], 30);
    let (status, html) = page
        .post(
            "/settings/abandonment",
            &[("csrf", &csrf), ("minutes", "4")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"form-error\""));
    let (_, shop) = kait.get("/v1/shops/mirfaith", &key).await;
    assert_eq!(
        shop["abandonment_window_minutes"], 30,
        "a refused window changes nothing"
    );
}
