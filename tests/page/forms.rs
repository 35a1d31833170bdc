//! Add Webhook and Edit, as the merchant fills them in: the seed's form
//! (Status, Name, Callback URL) with the events, a Telegram token kept masked
//! on edit, Sheets columns edited as rows, and the plugin's refusal shown with
//! what was typed kept.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Visitor, portal_link};
use crate::server::{ApiCalls as _, Kait, Receiver, event};

const TOKEN: &str = "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token";

/// The merchant of `shop` on the page.
async fn merchant(kait: &Kait, shop: &str, key: &str) -> (Visitor, String) {
    let mut visitor = Visitor::new(kait);
    visitor.open(&portal_link(kait, shop, key).await).await;
    let csrf = visitor.csrf().await;
    (visitor, csrf)
}

/// The shop's only webhook, as the API shows it.
async fn only_webhook(kait: &Kait, shop: &str, key: &str) -> Value {
    let (_, list) = kait.get(&format!("/v1/shops/{shop}/webhooks"), key).await;
    let hooks = list["data"].as_array().unwrap();
    assert_eq!(hooks.len(), 1, "{list:#}");
    hooks[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_add_webhook_form_status_name_callback_url() {
    let kait = Kait::start(&[]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let (page, csrf) = merchant(&kait, "mirfaith", &key).await;

    let (status, _, form) = page.get("/settings/webhooks/new").await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "name=\"config.url\"",
        "Order Status Processing",
        "the merchant changes the order status to Processing",
    ] {
        assert!(form.contains(shown), "{shown}");
    }
    let url = format!("{}/orders", receiver.url);
    let fields = [
        ("csrf", csrf.as_str()),
        ("plugin", "http"),
        ("status", "active"),
        ("name", "Orders"),
        ("events", "order.paid"),
        ("events", "order.shipped"),
        ("config.url", url.as_str()),
        ("config.method", "POST"),
    ];
    let (status, body) = page.post("/settings/webhooks/new", &fields, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let hook = only_webhook(&kait, "mirfaith", &key).await;
    assert_eq!(hook["name"], "Orders");
    assert_eq!(hook["events"], json!(["order.paid", "order.shipped"]));
    assert_eq!(hook["config"]["url"], url);
    let (status, _) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "from-the-form"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(receiver.next().await.json()["id"], "from-the-form");

    // The plugin's refusal, above the form, with what was typed kept.
    let refused = [
        ("csrf", csrf.as_str()),
        ("plugin", "http"),
        ("status", "active"),
        ("name", "Broken one"),
        ("events", "order.paid"),
        ("config.url", "ftp://nowhere"),
    ];
    let (status, html) = page.post("/settings/webhooks/new", &refused, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"form-error\""), "{html}");
    assert!(
        html.contains("value=\"Broken one\""),
        "the typed name is kept"
    );
    only_webhook(&kait, "mirfaith", &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_token_stays_masked_and_kept_on_edit() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let (page, csrf) = merchant(&kait, "mirfaith", &key).await;
    let (status, form) = {
        let (status, _, form) = page.get("/settings/webhooks/new?plugin=telegram").await;
        (status, form)
    };
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("type=\"password\""),
        "the token is a password input"
    );
    let fields = [
        ("csrf", csrf.as_str()),
        ("plugin", "telegram"),
        ("status", "active"),
        ("name", "Kedai TG"),
        ("events", "order.paid"),
        ("config.bot_token", TOKEN),
        ("config.chat_id", "-1001234567890"),
    ];
    let (status, body) = page.post("/settings/webhooks/new", &fields, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let hook = only_webhook(&kait, "mirfaith", &key).await;
    let id = hook["id"].as_str().unwrap();

    let (_, _, edit) = page.get(&format!("/settings/webhooks/{id}/edit")).await;
    assert!(
        !edit.contains(TOKEN),
        "the saved token is never sent to the page"
    );
    let last4 = format!("••••{}", &TOKEN[TOKEN.len() - 4..]);
    assert!(edit.contains(&last4), "its last 4 are shown");
    let changed = [
        ("csrf", csrf.as_str()),
        ("plugin", "telegram"),
        ("status", "active"),
        ("name", "Kedai TG"),
        ("events", "order.paid"),
        ("config.bot_token", ""),
        ("config.chat_id", "-1009999"),
        ("config.template", "Pesanan {{ checkout.id }}"),
    ];
    let (status, body) = page
        .post(&format!("/settings/webhooks/{id}/edit"), &changed, None)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let hook = only_webhook(&kait, "mirfaith", &key).await;
    assert_eq!(hook["config"]["chat_id"], "-1009999");
    assert_eq!(hook["config"]["template"], "Pesanan {{ checkout.id }}");
    let masked = hook["config"]["bot_token"].as_str().unwrap();
    assert!(
        masked.ends_with(&TOKEN[TOKEN.len() - 4..]),
        "the token was kept: {masked}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sheets_columns_are_edited_as_rows() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let (page, csrf) = merchant(&kait, "mirfaith", &key).await;
    let credentials = json!({
        "type": "service_account",
        "client_email": "kait-test@kait-test.iam.gserviceaccount.com",
        "private_key": crate::server::private_key(),
        "token_uri": "https://oauth2.googleapis.com/token",
    })
    .to_string();
    let (_, _, form) = page.get("/settings/webhooks/new?plugin=sheets").await;
    assert!(
        form.contains("name=\"config.columns.0.header\""),
        "the default columns as rows"
    );
    let fields = [
        ("csrf", csrf.as_str()),
        ("plugin", "sheets"),
        ("status", "active"),
        ("name", "Jualan"),
        ("events", "order.paid"),
        ("config.spreadsheet_id", "sheet123"),
        ("config.sheet", "Jualan"),
        ("config.row_per", "order"),
        ("config.credentials", credentials.as_str()),
        ("config.columns.0.header", "Pesanan"),
        ("config.columns.0.value", "{{ checkout.id }}"),
        ("config.columns.1.header", "Telefon"),
        ("config.columns.1.value", "{{ checkout.customer.phone }}"),
        ("config.columns.2.header", ""),
        ("config.columns.2.value", ""),
    ];
    let (status, body) = page.post("/settings/webhooks/new", &fields, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let hook = only_webhook(&kait, "mirfaith", &key).await;
    assert_eq!(
        hook["config"]["columns"],
        json!([{"header": "Pesanan", "value": "{{ checkout.id }}"}, {"header": "Telefon", "value": "{{ checkout.customer.phone }}"}])
    );
    let (_, _, edit) = page
        .get(&format!(
            "/settings/webhooks/{}/edit",
            hook["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        edit.contains("value=\"Telefon\""),
        "the saved rows come back"
    );
    assert!(
        !edit.contains("BEGIN PRIVATE KEY"),
        "the key is never sent to the page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_preview_shows_the_message_and_a_syntax_error_with_its_line() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let (page, csrf) = merchant(&kait, "mirfaith", &key).await;
    let fields = |template: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("plugin", "telegram".to_string()),
            ("status", "active".to_string()),
            ("name", "Kedai TG".to_string()),
            ("events", "order.paid".to_string()),
            ("config.bot_token", TOKEN.to_string()),
            ("config.chat_id", "-1001234567890".to_string()),
            ("config.template", template.to_string()),
            ("sample", "order.processing".to_string()),
        ]
    };
    let form = fields("<b>Pesanan {{ checkout.id }}</b>\n{{ checkout.customer.last_name }}");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = page.post("/settings/webhooks/preview", &form, None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let at = html
        .find("id=\"telegram-preview\">")
        .expect("the message as Telegram shows it");
    let message = &html[at..html[at..].find("</div>").unwrap() + at];
    assert!(message.contains("<b>Pesanan "), "{message}");
    assert!(
        !message.contains("<script"),
        "the event's markup is text: {message}"
    );
    assert!(!html.contains(TOKEN), "the token is masked in the preview");
    only_webhook_count(&kait, &key, 0).await;

    let broken = fields("Pesanan {% if checkout.id %}\n{{ checkout.id }");
    let broken: Vec<(&str, &str)> = broken.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = page.post("/settings/webhooks/preview", &broken, None).await;
    assert_eq!(status, StatusCode::OK);
    let at = html
        .find("id=\"form-error\">")
        .expect("the refusal above the form");
    let error = &html[at..html[at..].find("</p>").unwrap() + at];
    assert!(
        error.contains("line 2"),
        "the error names its line: {error}"
    );
}

async fn only_webhook_count(kait: &Kait, key: &str, expected: usize) {
    let (_, list) = kait.get("/v1/shops/mirfaith/webhooks", key).await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        expected,
        "nothing saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_on_a_recent_real_event_and_a_refusal_next_to_its_field() {
    let kait = Kait::start(&[]);
    let key = kait.shop("mirfaith", "premium").await;
    let hook = kait
        .http_webhook("mirfaith", &key, "http://127.0.0.1:9/down")
        .await;
    let id = hook["id"].as_str().unwrap();
    let (status, _) = kait
        .event(
            "mirfaith",
            &key,
            &event("order.paid", "mirfaith", "real-order-77"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (page, csrf) = merchant(&kait, "mirfaith", &key).await;
    let (_, _, edit) = page.get(&format!("/settings/webhooks/{id}/edit")).await;
    assert!(
        edit.contains("value=\"event:real-order-77\""),
        "the recent event is offered"
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("webhook", id),
        ("plugin", "http"),
        ("status", "active"),
        ("name", "orders"),
        ("events", "order.paid"),
        ("config.url", "https://example.com/hook"),
        ("sample", "event:real-order-77"),
    ];
    let (status, html) = page.post("/settings/webhooks/preview", &form, None).await;
    assert_eq!(status, StatusCode::OK);
    let at = html.find("id=\"preview\"").expect("a preview");
    assert!(
        html[at..].contains("real-order-77"),
        "the real event's data"
    );

    // The plugin's refusal names `url`: shown next to that field too.
    let refused = [
        ("csrf", csrf.as_str()),
        ("plugin", "http"),
        ("status", "active"),
        ("name", "orders"),
        ("events", "order.paid"),
        ("config.method", "POST"),
    ];
    let (status, html) = page
        .post(&format!("/settings/webhooks/{id}/edit"), &refused, None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let at = html.find("id=\"field-url\"").unwrap();
    let field = &html[at..at + html[at..].find("</div>").unwrap()];
    assert!(field.contains("class=\"error\""), "{field}");
}
