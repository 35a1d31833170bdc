//! The request a merchant's bot receives, for typical and hostile events.

use kait_pdk::testing::{self, event, example, help_page_checkout, only_request, with_members};
use kait_pdk::{Action, OutgoingRequest, PluginError};
use serde_json::{Value, json};

use super::*;
use crate::truncate::{LIMIT, visible_len};

const TOKEN: &str = "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token";

fn config(extra: Value) -> String {
    with_members(
        json!({"bot_token": TOKEN, "chat_id": "-1001234567890"}),
        extra,
    )
}

fn send(event: &Event, config: &str) -> OutgoingRequest {
    only_request(transform(event, config))
}

fn body(request: &OutgoingRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn config_error(config: &str) -> String {
    testing::config_error(validate_config(config))
}

#[test]
fn sends_one_html_message_to_the_bot_api() {
    let request = send(&example("order.paid"), &config(json!({})));
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        format!("https://api.telegram.org/bot{TOKEN}/sendMessage")
    );
    assert_eq!(
        request.headers,
        vec![("content-type".into(), "application/json".into())]
    );
    assert!(request.auth.is_none());
    let body = body(&request);
    assert_eq!(body["chat_id"], "-1001234567890");
    assert_eq!(body["parse_mode"], "HTML");
    assert!(body.get("disable_notification").is_none());
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["chat_id", "parse_mode", "text"]);
}

#[test]
fn default_message_summarises_the_order_in_malay_or_english() {
    let event = event("order.paid", json!({"checkout": help_page_checkout()}));
    let text = |extra: Value| {
        body(&send(&event, &config(extra)))["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        text(json!({})),
        "🛒 <b>Order Paid</b>\nPesanan #1262140\n\nPelanggan: Abu Ali\nTelefon: 60123456789\n\n\
         • 1 × Test (2 Unit/ Hitam): RM 10.00\n\nPenghantaran (FREE SHIPPING COD): RM 0.00\n\
         <b>Jumlah: RM 10.00</b>"
    );
    assert_eq!(text(json!({"language": "ms"})), text(json!({})));
    assert_eq!(
        text(json!({"language": "en"})),
        "🛒 <b>Order Paid</b>\nOrder #1262140\n\nCustomer: Abu Ali\nPhone: 60123456789\n\n\
         • 1 × Test (2 Unit/ Hitam): RM 10.00\n\nShipping (FREE SHIPPING COD): RM 0.00\n\
         <b>Total: RM 10.00</b>"
    );
}

#[test]
fn default_message_for_every_sample_event() {
    for (language, total, tracking) in [
        ("ms", "<b>Jumlah: RM ", "Nombor penjejakan: "),
        ("en", "<b>Total: RM ", "Tracking: "),
    ] {
        let config = config(json!({ "language": language }));
        for event in kait_pdk::samples::all() {
            let kind = &event.kind;
            let text = body(&send(&event, &config))["text"]
                .as_str()
                .unwrap()
                .to_owned();
            let title = kait_pdk::catalogue::event_title(
                kind,
                serde_json::from_value(json!(language)).unwrap(),
            );
            assert!(
                text.starts_with(&format!("🛒 <b>{}</b>\n", title.unwrap())),
                "{kind}: {text}"
            );
            assert!(text.contains(total), "{kind}: {text}");
            assert!(!text.contains("\n\n\n"), "{kind}: {text}");
            assert_eq!(text.contains(tracking), kind == "order.shipped", "{kind}");
        }
    }
    let processing =
        body(&send(&example("order.processing"), &config(json!({}))))["text"].to_string();
    assert!(
        processing.contains("<b>Order Status Processing</b>"),
        "{processing}"
    );
}

#[test]
fn templates_are_tried_on_every_sample_before_they_are_saved() {
    for language in ["ms", "en"] {
        validate_config(&config(json!({ "language": language }))).unwrap();
    }
    let refused = |template: &str| config_error(&config(json!({ "template": template })));
    assert_eq!(
        refused("<div>{{ checkout.id }}</div>"),
        "template: on the sample order.paid event, Telegram would refuse the HTML: <div> is not one \
         of Telegram's tags (b, strong, i, em, u, ins, s, strike, del, span class=\"tg-spoiler\", \
         tg-spoiler, a href=\"…\", tg-emoji emoji-id=\"…\", code, pre, blockquote); write a < that \
         is text as &lt;"
    );
    assert_eq!(
        refused("{% if event.type == 'order.shipped' %}<b>{% endif %}Dihantar"),
        "template: on the sample order.shipped event, Telegram would refuse the HTML: <b> is never \
         closed; add </b>"
    );
    assert_eq!(
        refused("<b><i>{{ checkout.id }}</b></i>"),
        "template: on the sample order.paid event, Telegram would refuse the HTML: </b> closes a tag \
         that is not the last one opened: expected </i>"
    );
    assert!(refused("Total < RM 50").contains("is not a tag; write a < that is text as &lt;"));
    let failing = refused("{{ checkout.id // 0 }}");
    assert!(
        failing.starts_with("template: on the sample order.paid event, "),
        "{failing}"
    );
    // Inserted values are escaped, so customer text is never taken for markup.
    validate_config(&config(json!({"template": "<b>{{ checkout.customer.first_name }}</b> <a href=\"{{ checkout.url }}\">{{ checkout.rate }}</a>"}))).unwrap();
}

#[test]
fn options_chat_id_number_and_silent_delivery() {
    let config = config(json!({"chat_id": -1001234567890i64, "disable_notification": true}));
    let body = body(&send(&example("order.paid"), &config));
    assert_eq!(body["chat_id"], json!(-1001234567890i64));
    assert_eq!(body["disable_notification"], true);
    let channel = super::config::Config::parse(&super::tests::config(
        json!({"chat_id": "@mirfaith_orders"}),
    ));
    assert!(channel.is_ok());
}

#[test]
fn custom_template_escapes_hostile_customer_text() {
    let mut checkout = help_page_checkout();
    checkout["customer"]["first_name"] = json!("<script>alert(\"x\")</script> & Co 🍜\nسلام");
    let event = event("order.paid", json!({"checkout": checkout}));
    let config =
        config(json!({"template": "<b>New order</b> from {{ checkout.customer.first_name }}"}));
    let text = body(&send(&event, &config))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        text,
        "<b>New order</b> from &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co 🍜\nسلام"
    );
}

#[test]
fn long_messages_are_cut_to_the_limit() {
    let mut checkout = help_page_checkout();
    checkout["customer"]["first_name"] = json!("<&>".repeat(3000));
    let event = event("order.paid", json!({"checkout": checkout}));
    let config = config(json!({"template": "<b>{{ checkout.customer.first_name }}</b>"}));
    let text = body(&send(&event, &config))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(visible_len(&text), LIMIT);
    assert!(text.starts_with("<b>&lt;&amp;&gt;"));
    assert!(text.ends_with("…</b>"));
}

#[test]
fn an_empty_message_is_skipped() {
    let config =
        config(json!({"template": "{% if event.type == 'order.shipped' %}Shipped{% endif %}\n"}));
    assert!(matches!(
        transform(&example("order.paid"), &config).unwrap(),
        Action::Skip(_)
    ));
}

#[test]
fn config_errors_name_the_field() {
    assert_eq!(
        config_error(&config(json!({"chat_id": true}))),
        "config.chat_id: invalid type: boolean `true`, expected a chat id (\"-1001234567890\", \"@channel\" or an integer)"
    );
    assert!(
        config_error(&config(json!({"chat_id": "my group"})))
            .starts_with("config.chat_id: \"my group\" is neither")
    );
    let token = config_error(&config(json!({"bot_token": "123:short"})));
    assert!(
        token.starts_with("config.bot_token: not a bot token"),
        "{token}"
    );
    assert!(!token.contains("short"));
    assert_eq!(
        config_error(r#"{"chat_id": "1"}"#),
        "config: missing field `bot_token`"
    );
    assert!(config_error(&config(json!({"silent": true}))).contains("unknown field `silent`"));
    assert_eq!(
        config_error(&config(json!({"disable_notification": "yes"}))),
        "config.disable_notification: invalid type: string \"yes\", expected a boolean"
    );
    assert_eq!(
        config_error(&config(
            json!({"template": "Hi\n{{ checkout.customer.first_name "})
        )),
        "template: syntax error at line 2, column 32: unexpected end of input, expected end of variable block"
    );
    assert!(
        config_error(&config(json!({"template": " "})))
            .starts_with("config.template: must not be empty")
    );
    assert_eq!(
        config_error(&config(json!({"language": "fr"}))),
        "config.language: unknown variant `fr`, expected `ms` or `en`"
    );
}

#[test]
fn events_without_a_checkout_are_invalid() {
    let result = transform(&event("order.paid", json!({})), &config(json!({})));
    assert!(
        matches!(result, Err(PluginError::InvalidEvent(_))),
        "{result:?}"
    );
}

#[test]
fn info_describes_the_config_schema() {
    let info = info();
    assert_eq!(info.name, "telegram");
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["bot_token"]["writeOnly"], true);
    assert_eq!(schema["required"], json!(["bot_token", "chat_id"]));
    for (name, property) in schema["properties"].as_object().unwrap() {
        assert!(property["description"].is_string(), "{name}");
    }
    assert_eq!(
        schema["properties"]["language"]["enum"],
        json!(["ms", "en"])
    );
    assert_eq!(schema["properties"]["language"]["default"], "ms");
    assert!(schema["properties"]["template"].get("default").is_none());
    let every_property =
        config(json!({"template": "x", "disable_notification": false, "language": "en"}));
    validate_config(&every_property).unwrap();
}

#[test]
fn schema_and_validation_agree() {
    let schema = info().config_schema;
    let cases = [
        (json!({}), true),
        (
            json!({"chat_id": -1001234567890i64, "disable_notification": true}),
            true,
        ),
        (
            json!({"chat_id": "@mirfaith_orders", "template": "<b>{{ checkout.id }}</b>"}),
            true,
        ),
        (json!({"bot_token": "123:short"}), false),
        (json!({"chat_id": "my group"}), false),
        (json!({"chat_id": true}), false),
        (json!({"template": ""}), false),
        (json!({"disable_notification": "yes"}), false),
        (json!({"silent": true}), false),
        (json!({"language": "en"}), true),
        (json!({"language": "fr"}), false),
    ];
    kait_pdk::testing::assert_schema_and_plugin_agree(
        &schema,
        validate_config,
        cases
            .into_iter()
            .map(|(extra, valid)| (config(extra), valid)),
    );
    let missing = json!({"chat_id": "1"});
    assert!(kait_pdk::testing::schema_verdict(&schema, &missing).is_err());
}

#[test]
fn example_configs_are_valid() {
    for name in ["telegram.json", "telegram-custom.json"] {
        testing::check_example_config(name, (info, validate_config, transform));
    }
}
