//! Behaviour of merchant templates as a merchant sees it.

use serde_json::json;

use super::*;

fn context() -> Context {
    Context::from_json(&json!({
        "event": {"id": "evt_1", "type": "order.paid", "shop": "mirfaith",
                  "occurred_at": "2021-03-03T22:58:32+08:00"},
        "checkout": {
            "id": 1262140, "currency": "MYR", "total": 1234.5, "shipping": 0,
            "completed_at": "2021-03-03T22:58:32+08:00",
            "items": [
                {"product": {"name": "Test", "sku": "123456"}, "quantity": 1, "subtotal": 10},
                {"product": {"name": "Kopi"}, "quantity": 2, "subtotal": 1224.5},
            ],
            "customer": {"first_name": "Abu", "last_name": "Ali", "phone": "60123456789",
                         "note": null},
        },
    }))
}

fn render(text: &str, escape: Escape) -> String {
    Template::compile("template", text, escape)
        .unwrap()
        .render(&context())
        .unwrap()
}

fn config_error(text: &str) -> String {
    match Template::compile("template", text, Escape::Html) {
        Err(PluginError::InvalidConfig(message)) => message,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

#[test]
fn help_page_syntax_works_verbatim() {
    assert_eq!(
        render(
            "Hi {{ checkout.customer.first_name }}: {{ checkout.items[].product.name }}",
            Escape::None
        ),
        "Hi Abu: Test, Kopi"
    );
    assert_eq!(
        render("{{ checkout.items[].quantity }}", Escape::None),
        "1, 2"
    );
    assert_eq!(
        render("{{ checkout.items[].product.sku }}", Escape::None),
        "123456, "
    );
}

#[test]
fn loops_and_conditions() {
    let text = "{% for item in checkout.items %}\n- {{ item.quantity }} x {{ item.product.name }}\n{% endfor %}\n{% if checkout.shipping == 0 %}Free shipping{% endif %}";
    assert_eq!(
        render(text, Escape::None),
        "- 1 x Test\n- 2 x Kopi\nFree shipping"
    );
    let list = "{% for n in checkout.items[].product.name %}[{{ n }}]{% endfor %}";
    assert_eq!(render(list, Escape::None), "[Test][Kopi]");
}

#[test]
fn missing_fields_render_empty() {
    let text = "<{{ checkout.nope }}|{{ checkout.customer.note }}|{{ checkout.shipping_address.city }}|\
        {{ nothing.at.all }}|{{ checkout.shipping_address.city|upper }}|{{ checkout.nope|money }}|\
        {{ checkout.nope|date }}|{{ checkout.nope[].x }}|{{ checkout.nope|default('n/a') }}>";
    assert_eq!(render(text, Escape::None), "<||||||||n/a>");
    let filters = "<{{ checkout.nope|length }}|{{ checkout.customer.note|upper }}|{{ checkout.nope|first }}|\
        {{ checkout.nope|round }}|{{ checkout.nope|split|join }}|{{ checkout.customer.note|default('-') }}>";
    assert_eq!(render(filters, Escape::None), "<0|||||->");
    let loop_over_missing = "{% for x in checkout.nope.items %}{{ x }}{% endfor %}ok";
    assert_eq!(render(loop_over_missing, Escape::None), "ok");
}

#[test]
fn builtin_filters() {
    assert_eq!(
        render(
            "{{ checkout.customer.first_name|upper }} {{ 'ABC'|lower }}",
            Escape::None
        ),
        "ABU abc"
    );
}

#[test]
fn syntax_errors_name_field_line_and_column() {
    assert_eq!(
        config_error("Hello\nTotal: {{ checkout.total"),
        "template: syntax error at line 2, column 25: unexpected end of input, expected end of variable block"
    );
    let after_shorthand = config_error("{{ checkout.items[].product.name }} {{ 1 + }}");
    assert!(
        after_shorthand.starts_with("template: syntax error at line 1, column 44: "),
        "{after_shorthand}"
    );
    let unclosed = config_error("line one\n{% for item in checkout.items %}\n{{ item.name }}");
    assert!(
        unclosed.starts_with("template: syntax error at line 3"),
        "{unclosed}"
    );
}

#[test]
fn unknown_filters_are_config_errors() {
    let message = config_error("a\n{% for i in checkout.items %}{{ i.price|monee }}{% endfor %}");
    assert!(
        message.starts_with("template: unknown filter at line 2"),
        "{message}"
    );
    assert!(message.contains("monee"), "{message}");
    let again = config_error("a\n{% for i in checkout.items %}{{ i.price|monee }}{% endfor %}");
    assert_eq!(again, message, "a cached template reports its error again");
}

#[test]
fn money_filter() {
    assert_eq!(
        render("{{ checkout.total|money }}", Escape::None),
        "RM 1,234.50"
    );
    assert_eq!(
        render("{{ checkout.total|money('USD') }}", Escape::None),
        "USD 1,234.50"
    );
    assert_eq!(render("{{ 10|money }}", Escape::None), "RM 10.00");
    assert_eq!(render("{{ '7.255'|money }}", Escape::None), "RM 7.26");
    assert_eq!(render("{{ 'free'|money }}", Escape::None), "free");
    let sgd = Context::from_json(&json!({"checkout": {"currency": "SGD", "total": 3}}));
    let template = Template::compile("t", "{{ checkout.total|money }}", Escape::None).unwrap();
    assert_eq!(template.render(&sgd).unwrap(), "SGD 3.00");
    let none = Context::from_json(&json!({"total": 3}));
    let template = Template::compile("t", "{{ total|money }}", Escape::None).unwrap();
    assert_eq!(template.render(&none).unwrap(), "RM 3.00");
}

#[test]
fn date_filter_keeps_the_values_own_offset() {
    assert_eq!(
        render("{{ checkout.completed_at|date }}", Escape::None),
        "03/03/2021 22:58"
    );
    assert_eq!(
        render(
            "{{ checkout.completed_at|date('%Y-%m-%d %H:%M:%S %z') }}",
            Escape::None
        ),
        "2021-03-03 22:58:32 +0800"
    );
    assert_eq!(render("{{ 'yesterday'|date }}", Escape::None), "yesterday");
    let bad = Template::compile("t", "{{ checkout.completed_at|date('%Q') }}", Escape::None)
        .unwrap()
        .render(&context())
        .unwrap_err();
    assert!(bad.message().contains("invalid format"), "{bad:?}");
}

#[test]
fn html_mode_escapes_hostile_customer_text_only() {
    let hostile = "<script>alert(\"x\")</script> & Sons 🍜\nسلام עברית 'q'";
    let context = Context::from_json(&json!({"checkout": {"customer": {"first_name": hostile}}}));
    let template = Template::compile(
        "template",
        "<b>Name:</b> {{ checkout.customer.first_name }} &amp; co",
        Escape::Html,
    )
    .unwrap();
    assert_eq!(
        template.render(&context).unwrap(),
        "<b>Name:</b> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons 🍜\nسلام עברית 'q' &amp; co"
    );
}

#[test]
fn json_mode_escapes_string_contents() {
    let context = Context::from_json(&json!({"name": "a \"b\"\n", "n": 10.5, "ok": true}));
    let template = Template::compile(
        "body_template",
        r#"{"name": "{{ name }}", "n": {{ n }}, "ok": {{ ok }}}"#,
        Escape::Json,
    )
    .unwrap();
    let body = template.render(&context).unwrap();
    assert_eq!(body, r#"{"name": "a \"b\"\n", "n": 10.5, "ok": true}"#);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["name"],
        "a \"b\"\n"
    );
}

#[test]
fn render_value_keeps_numbers_as_numbers() {
    let value = |text: &str| {
        Template::compile("value", text, Escape::None)
            .unwrap()
            .render_value(&context())
            .unwrap()
    };
    assert_eq!(value("{{ checkout.id }}"), json!(1262140));
    assert_eq!(value("{{ checkout.total }}"), json!(1234.5));
    assert_eq!(value("{{- checkout.items[0].quantity -}}"), json!(1));
    assert_eq!(value("{{ checkout.customer.phone }}"), json!("60123456789"));
    assert_eq!(value("#{{ checkout.id }}"), json!("#1262140"));
    assert_eq!(value("{{ checkout.items[].quantity }}"), json!("1, 2"));
    assert_eq!(value("{{ checkout.missing }}"), json!(""));
}

#[test]
fn context_with_adds_a_variable() {
    let base = context();
    let with_item = base.with("item", &json!({"name": "Kopi"}));
    let template =
        Template::compile("t", "{{ item.name }}/{{ checkout.id }}", Escape::None).unwrap();
    assert_eq!(template.render(&with_item).unwrap(), "Kopi/1262140");
    assert_eq!(template.render(&base).unwrap(), "/1262140");
}

#[test]
fn runaway_loops_run_out_of_fuel() {
    let text = "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}";
    let err = Template::compile("t", text, Escape::None)
        .unwrap()
        .render(&context())
        .unwrap_err();
    assert!(matches!(err, PluginError::InvalidConfig(_)), "{err:?}");
}

#[test]
fn line_column_counts_characters() {
    assert_eq!(line_column("ab\nçd", 5), (2, 2));
    assert_eq!(line_column("ab\nçd", 6), (2, 3));
    assert_eq!(line_column("ab", 99), (1, 3));
}

#[test]
fn event_title_is_the_seeds_in_the_asked_language() {
    let event = crate::samples::get("order.processing").unwrap();
    let payload = Payload::parse(&event).unwrap();
    let title = |context: &Context| {
        Template::compile("template", "{{ event.title }}", Escape::None)
            .unwrap()
            .render(context)
            .unwrap()
    };
    assert_eq!(
        title(&Context::new(&event, &payload)),
        "Order Status Processing"
    );
    assert_eq!(
        title(&Context::in_language(&event, &payload, Lang::Ms)),
        "Order Status Processing"
    );
    let unknown = Event {
        kind: "order.ready_for_pickup_late".into(),
        ..event
    };
    assert_eq!(
        title(&Context::new(&unknown, &payload)),
        "Order Ready For Pickup Late"
    );
}

#[test]
fn url_mode_encodes_values_and_keeps_literal_text() {
    let url = render(
        "/orders/{{ checkout.customer.first_name }} {{ checkout.items[].product.name }}?q={{ checkout.total }}&x=a b",
        Escape::Url,
    );
    assert_eq!(url, "/orders/Abu Test%2C%20Kopi?q=1234.5&x=a b");
}
