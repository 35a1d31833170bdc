//! Placeholders in the URL, every method, form bodies, and validation on the
//! sample events.

use super::*;

const TELEGRAM: &str =
    "https://api.telegram.org/bot123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token/sendMessage";

fn hostile() -> Event {
    let mut checkout = testing::help_page_checkout();
    checkout["customer"]["first_name"] = json!("A/B & C=D #1?é");
    event("order.paid", json!({ "checkout": checkout }))
}

#[test]
fn a_telegram_link_with_placeholders_and_spaces_is_sent_with_get() {
    let url = format!(
        "{TELEGRAM}?chat_id=-1001234567890&text=Order {{{{ checkout.id }}}} paid by {{{{ checkout.customer.first_name }}}}"
    );
    let request = send(&hostile(), &config(json!({"url": url, "method": "GET"})));
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.url,
        format!(
            "{TELEGRAM}?chat_id=-1001234567890&text=Order%201262140%20paid%20by%20A%2FB%20%26%20C%3DD%20%231%3F%C3%A9"
        )
    );
    assert!(request.body.is_empty());
    assert!(request.headers.is_empty(), "{:?}", request.headers);
}

#[test]
fn path_placeholders_stay_one_segment() {
    let config = config(json!({
        "url": "https://hooks.example.com/shops/{{ event.shop }}/orders/{{ checkout.customer.first_name }}/x y?tag=a b",
    }));
    let request = send(&hostile(), &config);
    assert_eq!(
        request.url,
        "https://hooks.example.com/shops/mirfaith/orders/A%2FB%20%26%20C%3DD%20%231%3F%C3%A9/x%20y?tag=a%20b"
    );
    let literal = send(
        &example("order.paid"),
        &super::config(json!({"url": "https://hooks.example.com/a?q=two words"})),
    );
    assert_eq!(literal.url, "https://hooks.example.com/a?q=two%20words");
}

#[test]
fn the_host_must_be_written_out() {
    for url in [
        "https://{{ checkout.domain }}/x",
        "https://hooks.{{ event.shop }}.example.com/x",
        "https://hooks.example.com:{{ checkout.id }}/x",
        "https://{% if true %}a.test{% endif %}/x",
        "https://hooks.example.com{{ '/x' }}",
    ] {
        assert_eq!(
            config_error(&json!({ "url": url }).to_string()),
            "config.url: the scheme and host must be written out; {{ … }} placeholders work only in the path and query",
            "{url}"
        );
    }
    assert!(
        config_error(&json!({"url": "https://hooks.example.com/\n{{ x }}"}).to_string())
            .ends_with("must not contain line breaks or control characters")
    );
    assert_eq!(
        config_error(&json!({"url": "https://hooks.example.com/{{ x"}).to_string()),
        "url: syntax error at line 1, column 31: unexpected end of input, expected end of variable block"
    );
}

#[test]
fn get_and_delete_send_no_body() {
    for method in ["GET", "DELETE"] {
        let request = send(&example("order.paid"), &config(json!({ "method": method })));
        assert_eq!(request.method, method);
        assert!(request.body.is_empty(), "{method}");
        assert!(
            request.headers.is_empty(),
            "{method}: {:?}",
            request.headers
        );
    }
    let delete = send(
        &example("order.paid"),
        &config(json!({"method": "DELETE", "body_template": "{\"id\": {{ checkout.id }}}"})),
    );
    assert_eq!(
        delete.headers,
        [("content-type".to_owned(), "application/json".to_owned())]
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&delete.body).unwrap()["id"],
        json!(1262140)
    );
    let headers = send(
        &example("order.paid"),
        &config(json!({"method": "GET", "headers": {"X-Api-Key": "k"}})),
    );
    assert_eq!(headers.headers, [("X-Api-Key".to_owned(), "k".to_owned())]);
}

#[test]
fn bodies_for_get_and_delete_are_refused_by_name() {
    let refused = |extra: Value| config_error(&config(extra));
    assert_eq!(
        refused(json!({"method": "GET", "body_template": "x"})),
        "config.body_template: a GET request has no body; put values in the URL's query, where {{ … }} placeholders work too"
    );
    assert!(
        refused(json!({"method": "GET", "form": {"a": "b"}}))
            .starts_with("config.form: a GET request has no body")
    );
    assert!(
        refused(json!({"method": "GET", "content_type": "text/plain"}))
            .starts_with("config.content_type: a GET request has no body")
    );
    assert!(
        refused(json!({"method": "DELETE", "content_type": "text/plain"})).starts_with(
            "config.content_type: a DELETE request without body_template or form has no body"
        )
    );
}

#[test]
fn a_form_is_sent_url_encoded_in_the_order_written() {
    let request = send(
        &hostile(),
        r#"{"url": "https://hooks.example.com/form", "form": {"order": "{{ checkout.id }}", "name": "{{ checkout.customer.first_name }}", "note": "Paid: {{ checkout.total|money }}", "a b": "x+y"}}"#,
    );
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.headers,
        [(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned()
        )]
    );
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        "order=1262140&name=A%2FB+%26+C%3DD+%231%3F%C3%A9&note=Paid%3A+RM+10.00&a+b=x%2By"
    );
}

#[test]
fn form_mistakes_are_refused_by_name() {
    let refused = |extra: Value| config_error(&config(extra));
    assert_eq!(
        refused(json!({"form": {"a": "b"}, "body_template": "{}"})),
        "config.form: give either form or body_template, not both"
    );
    assert_eq!(
        refused(json!({"form": {"a": "b"}, "content_type": "application/json"})),
        "config.content_type: a form is sent as application/x-www-form-urlencoded; leave content_type out"
    );
    validate_config(&config(json!({"form": {"a": "b"}, "content_type": "application/x-www-form-urlencoded; charset=utf-8"}))).unwrap();
    assert_eq!(
        refused(json!({"form": {}})),
        "config.form: must have at least one field"
    );
    assert_eq!(
        refused(json!({"form": {"a": 5}})),
        "config.form.a: must be a string (a template)"
    );
    assert!(refused(json!({"form": {"a": "{{ x"}})).starts_with("form.a: syntax error"));
    assert_eq!(
        config_error(r#"{"url": "https://hooks.example.com/", "form": {"a": "1", "a": "2"}}"#),
        "config.form.a: given twice"
    );
}

#[test]
fn validation_renders_every_template_on_every_sample() {
    let refused = |extra: Value| config_error(&config(extra));
    assert_eq!(
        refused(json!({"body_template": "{{ checkout }}"})),
        "body_template: on the sample order.paid event, the rendered body is not JSON (key must be a string at line 1 column 2); use |tojson for objects and lists, and quotes around text placeholders"
    );
    validate_config(&config(
        json!({"body_template": "{\"checkout\": {{ checkout|tojson }}}"}),
    ))
    .unwrap();
    // Fails only where the sample has no tracking number.
    let tracking =
        refused(json!({"body_template": "{\"tracking\": {{ checkout.tracking_number }}}"}));
    assert!(
        tracking.starts_with(
            "body_template: on the sample order.paid event, the rendered body is not JSON"
        ),
        "{tracking}"
    );
    let only_packed = "{% if event.type == 'order.packed' %}{{ checkout.id // 0 }}{% endif %}";
    for extra in [
        json!({"url": format!("https://hooks.example.com/{only_packed}")}),
        json!({"form": {"id": only_packed}}),
        json!({"content_type": "text/plain", "body_template": only_packed}),
    ] {
        let message = refused(extra.clone());
        let field = message.split(':').next().unwrap();
        assert!(
            message.contains(": on the sample order.packed event, "),
            "{extra}: {message}"
        );
        assert!(
            ["url", "form.id", "body_template"].contains(&field),
            "{message}"
        );
    }
    // A text body is not checked as JSON; nor is a plain URL rendered.
    validate_config(&config(
        json!({"content_type": "text/plain", "body_template": "{{ checkout }}"}),
    ))
    .unwrap();
}

#[test]
fn a_default_body_keeps_its_json_content_type() {
    let request = send(
        &example("order.paid"),
        &config(json!({"content_type": "application/cloudevents+json"})),
    );
    assert_eq!(
        request.headers,
        [(
            "content-type".to_owned(),
            "application/cloudevents+json".to_owned()
        )]
    );
}
