//! The rows a merchant's spreadsheet receives.

use kait_pdk::testing::{self, event, example, help_page_checkout, only_request, with_members};
use kait_pdk::{Action, Auth, OutgoingRequest};
use serde_json::{Value, json};

use super::*;

mod user_entered;

fn key() -> Value {
    json!({
        "type": "service_account",
        "project_id": "kait-demo",
        "private_key": "-----BEGIN PRIVATE KEY-----\nFAKE\n-----END PRIVATE KEY-----\n",
        "client_email": "kait-demo@kait-demo.iam.gserviceaccount.com",
    })
}

fn config(extra: Value) -> String {
    with_members(
        json!({"spreadsheet_id": "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms", "credentials": key()}),
        extra,
    )
}

fn send(event: &Event, config: &str) -> OutgoingRequest {
    only_request(transform(event, config))
}

fn rows(event: &Event, config: &str) -> Value {
    let body: Value = serde_json::from_slice(&send(event, config).body).unwrap();
    body["values"].clone()
}

fn config_error(config: &str) -> String {
    testing::config_error(validate_config(config))
}

#[test]
fn appends_as_the_service_account() {
    let request = send(&example("order.paid"), &config(json!({})));
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "https://sheets.googleapis.com/v4/spreadsheets/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/values/Sheet1!A1:append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS"
    );
    assert_eq!(
        request.headers,
        vec![("content-type".into(), "application/json".into())]
    );
    let Some(Auth::GoogleServiceAccount(credentials)) = request.auth else {
        panic!("expected service-account auth");
    };
    assert_eq!(
        credentials.scopes,
        vec!["https://www.googleapis.com/auth/spreadsheets"]
    );
    assert_eq!(
        serde_json::from_str::<Value>(&credentials.key_json).unwrap(),
        key()
    );
}

#[test]
fn credentials_may_be_json_text() {
    let text = key().to_string();
    let request = send(
        &example("order.paid"),
        &config(json!({"credentials": text})),
    );
    let Some(Auth::GoogleServiceAccount(credentials)) = request.auth else {
        panic!()
    };
    assert_eq!(credentials.key_json, text);
}

#[test]
fn default_row_covers_the_help_page_fields() {
    let event = event("order.paid", json!({"checkout": help_page_checkout()}));
    assert_eq!(
        rows(&event, &config(json!({}))),
        json!([[
            "2021-03-03 22:58:32",
            "'order.paid",
            1262140,
            "'Abu",
            "'Ali",
            "'60123456789",
            "'abuali@gmail.com",
            "'Test",
            "'1",
            10,
            0,
            "'FREE SHIPPING COD",
            "'MYR",
            "'Persiaran Permata Perdana",
            "'-",
            "'63000",
            "'Cyberjaya",
            "'Selangor"
        ]])
    );
}

#[test]
fn numbers_stay_numbers_and_text_stays_text() {
    let columns = json!([
        {"header": "Total", "value": "{{ checkout.total }}"},
        {"header": "Phone", "value": "{{ checkout.customer.phone }}"},
        {"header": "Zip", "value": "{{ checkout.shipping_address.zip }}"},
        {"header": "Label", "value": "RM{{ checkout.total }}"},
        {"header": "Sum", "value": "{{ checkout.total + checkout.shipping }}"},
        {"header": "Money", "value": "{{ checkout.total|money }}"},
        {"header": "Missing", "value": "{{ checkout.nothing }}"},
    ]);
    let event = example("order.paid");
    let row = &rows(&event, &config(json!({"columns": columns})))[0];
    let total = &row[0];
    assert!(total.is_number(), "{row}");
    let checkout = &serde_json::from_str::<Value>(&event.payload).unwrap()["checkout"];
    assert_eq!(
        row[1],
        format!("'{}", checkout["customer"]["phone"].as_str().unwrap())
    );
    assert_eq!(
        row[2],
        format!("'{}", checkout["shipping_address"]["zip"].as_str().unwrap())
    );
    assert_eq!(row[3], format!("'RM{total}"));
    assert!(row[4].is_number(), "{row}");
    assert!(row[5].as_str().unwrap().starts_with("'RM "), "{row}");
    assert_eq!(row[6], "");
}

#[test]
fn formulas_are_neutralised() {
    let mut checkout = help_page_checkout();
    checkout["customer"]["first_name"] = json!("=HYPERLINK(\"http://evil\")");
    checkout["customer"]["last_name"] = json!("+1");
    checkout["customer"]["email"] = json!("@SUM(A1)");
    checkout["customer"]["phone"] = json!("-5");
    checkout["rate"] = json!("a=b");
    let columns: Vec<Value> = ["first_name", "last_name", "email", "phone"]
        .iter()
        .map(|f| json!({"header": f, "value": format!("{{{{ checkout.customer.{f} }}}}")}))
        .chain([json!({"header": "rate", "value": "{{ checkout.rate }}"})])
        .collect();
    let event = event("order.paid", json!({"checkout": checkout}));
    assert_eq!(
        rows(&event, &config(json!({"columns": columns}))),
        json!([[
            "'=HYPERLINK(\"http://evil\")",
            "'+1",
            "'@SUM(A1)",
            "'-5",
            "'a=b"
        ]])
    );
}

#[test]
fn one_row_per_item() {
    let columns = json!([
        {"header": "Order", "value": "{{ checkout.id }}"},
        {"header": "Product", "value": "{{ item.product.name }}"},
        {"header": "Qty", "value": "{{ item.quantity }}"},
        {"header": "Line", "value": "{{ item.subtotal|money }}"},
    ]);
    let mut checkout = help_page_checkout();
    checkout["items"] = json!([
        {"product": {"name": "Kopi"}, "quantity": 2, "subtotal": 20},
        {"product": {"name": "Teh"}, "quantity": 1, "subtotal": 1234.5},
    ]);
    let two_items = event("order.paid", json!({"checkout": checkout}));
    assert_eq!(
        rows(
            &two_items,
            &config(json!({"row_per": "item", "columns": columns}))
        ),
        json!([
            [1262140, "'Kopi", 2, "'RM 20.00"],
            [1262140, "'Teh", 1, "'RM 1,234.50"]
        ])
    );
    let default_rows = rows(&example("order.paid"), &config(json!({"row_per": "item"})));
    assert!(!default_rows.as_array().unwrap().is_empty());
    let no_items = event("order.paid", json!({"checkout": {"id": 1}}));
    assert!(matches!(
        transform(&no_items, &config(json!({"row_per": "item"}))).unwrap(),
        Action::Skip(_)
    ));
}

#[test]
fn sheet_names_are_quoted_and_encoded() {
    let url = |sheet: &str| append_url("abc", sheet);
    assert!(url("Jualan").contains("/values/Jualan!A1:append?"));
    assert!(url("Jualan Mac 2024").contains("/values/%27Jualan%20Mac%202024%27!A1:append?"));
    assert!(url("Q1").contains("/values/%27Q1%27!A1:append?"));
    assert!(url("R1C1").contains("/values/%27R1C1%27!A1:append?"));
    assert!(url("Rina's/#?").contains("/values/%27Rina%27%27s%2F%23%3F%27!A1:append?"));
    assert!(url("Jualan-Kedai").contains("/values/%27Jualan-Kedai%27!A1:append?"));
}

#[test]
fn config_errors_name_the_field() {
    assert!(
        config_error(&config(
            json!({"spreadsheet_id": "https://docs.google.com/spreadsheets/d/abc/edit"})
        ))
        .starts_with(
            "config.spreadsheet_id: may contain only letters, digits, '-' and '_'; use only the id"
        )
    );
    assert_eq!(
        config_error(&config(json!({"spreadsheet_id": ""}))),
        "config.spreadsheet_id: must not be empty"
    );
    assert_eq!(
        config_error(&config(json!({"sheet": " "}))),
        "config.sheet: must not be empty"
    );
    assert_eq!(
        config_error(&config(json!({"row_per": "line"}))),
        "config.row_per: unknown variant `line`, expected `order` or `item`"
    );
    assert_eq!(
        config_error(&config(
            json!({"columns": [{"header": "A", "value": "{{ a }}"}, {"header": "B", "value": "{% if %}"}]})
        )),
        "columns[1].value: syntax error at line 1, column 7: unexpected end of block"
    );
    assert_eq!(
        config_error(&config(json!({"columns": [{"header": "A"}]}))),
        "config.columns[0]: missing field `value`"
    );
    assert_eq!(
        config_error(&config(json!({"columns": []}))),
        "config.columns: must list at least one column"
    );
    let mut wrong_type = key();
    wrong_type["type"] = json!("authorized_user");
    assert!(
        config_error(&config(json!({"credentials": wrong_type})))
            .starts_with("config.credentials.type: must be \"service_account\"")
    );
    let mut no_key = key();
    no_key.as_object_mut().unwrap().remove("private_key");
    assert_eq!(
        config_error(&config(json!({"credentials": no_key}))),
        "config.credentials.private_key: missing"
    );
    let bad_text = config_error(&config(
        json!({"credentials": "{\"private_key\": \"secret"}),
    ));
    assert!(
        bad_text.starts_with("config.credentials: not a JSON key file")
            && !bad_text.contains("secret")
    );
    assert!(
        config_error(&config(json!({"credentials": 5})))
            .starts_with("config.credentials: expected")
    );
    assert!(config_error(&config(json!({"tab": "x"}))).contains("unknown field `tab`"));
}

#[test]
fn info_describes_the_config_schema() {
    let info = info();
    assert_eq!(info.name, "sheets");
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["credentials"]["writeOnly"], true);
    for (name, property) in schema["properties"].as_object().unwrap() {
        assert!(property["description"].is_string(), "{name}");
    }
    let every = config(
        json!({"sheet": "S", "row_per": "order", "columns": schema["properties"]["columns"]["default"]}),
    );
    validate_config(&every).unwrap();
}

#[test]
fn example_configs_are_valid() {
    for name in ["sheets.json", "sheets-items.json"] {
        testing::check_example_config(name, (info, validate_config, transform));
    }
}

#[test]
fn schema_and_validation_agree() {
    let schema = info().config_schema;
    let mut no_key = key();
    no_key.as_object_mut().unwrap().remove("private_key");
    let cases = [
        (json!({}), true),
        (json!({"sheet": "Jualan Mac", "row_per": "item"}), true),
        (json!({"credentials": key().to_string()}), true),
        (
            json!({"columns": [{"header": "Id", "value": "{{ checkout.id }}"}]}),
            true,
        ),
        (json!({"spreadsheet_id": ""}), false),
        (
            json!({"spreadsheet_id": "https://docs.google.com/spreadsheets/d/abc/edit"}),
            false,
        ),
        (json!({"sheet": ""}), false),
        (json!({"columns": []}), false),
        (json!({"columns": [{"header": "Id"}]}), false),
        (json!({"row_per": "line"}), false),
        (json!({"credentials": 5}), false),
        (json!({"credentials": no_key}), false),
        (json!({"tab": "x"}), false),
        (json!({"header_row": true}), true),
        (json!({"header_row": "yes"}), false),
    ];
    kait_pdk::testing::assert_schema_and_plugin_agree(
        &schema,
        validate_config,
        cases
            .into_iter()
            .map(|(extra, valid)| (config(extra), valid)),
    );
}
