//! The built-in plugins, run as components through the runtime on every sample
//! event. Each request is checked twice: against expectations derived here from
//! the sample's own data (URL, method, headers, parsed body), and against the
//! exact request recorded in `tests/golden/<plugin>/<type>.json`, which a reviewer
//! reads like any other file. `KAIT_BLESS=1` rewrites the recordings.

use std::path::PathBuf;

use kait::builtin;
use kait::events::{self, TYPES};
use kait::runtime::{Action, Auth, OutgoingRequest, Runtime};
use serde_json::{Value, json};

use crate::common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn sample(kind: &str) -> Value {
    serde_json::from_str(events::sample(kind).unwrap()).unwrap()
}

/// Runs `plugin` with `examples/configs/<config>` on the sample of `kind`.
fn requests(runtime: &Runtime, plugin: &str, config: &str, kind: &str) -> Vec<OutgoingRequest> {
    let component = runtime.load(builtin::get(plugin).unwrap()).unwrap();
    let config = read_json(&format!("examples/configs/{config}")).to_string();
    let event = events::parse(events::sample(kind).unwrap()).unwrap();
    match runtime.transform(&component, &event, &config).result {
        Ok(Action::Send(requests)) => requests,
        other => panic!("{plugin} on {kind}: expected requests, got {other:?}"),
    }
}

fn headers(request: &OutgoingRequest) -> Vec<(&str, &str)> {
    request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn body(request: &OutgoingRequest) -> Value {
    serde_json::from_slice(&request.body).expect("body is JSON")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn money(amount: f64) -> String {
    let cents = (amount * 100.0).round() as u64;
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("RM {grouped}.{:02}", cents % 100)
}

/// Compares with the recorded request, or records it under `KAIT_BLESS=1`.
fn golden(plugin: &str, kind: &str, requests: &[OutgoingRequest]) {
    let actual: Vec<Value> = requests
        .iter()
        .map(|r| {
            let auth = match &r.auth {
                None => Value::Null,
                Some(Auth::Bearer(_)) => json!("bearer"),
                Some(Auth::GoogleServiceAccount(c)) => json!({"google_service_account": c.scopes}),
            };
            json!({"method": r.method, "url": r.url, "headers": r.headers, "body": body(r), "auth": auth})
        })
        .collect();
    let path = root()
        .join("tests/golden")
        .join(plugin)
        .join(format!("{kind}.json"));
    let actual = Value::Array(actual);
    if std::env::var_os("KAIT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no recording at {}; run with KAIT_BLESS=1", path.display()));
    let expected: Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(
        actual,
        expected,
        "{plugin} on {kind} differs from {}",
        path.display()
    );
}

#[test]
fn telegram_sends_one_escaped_html_message_per_event() {
    let runtime = common::runtime();
    let config = read_json("examples/configs/telegram.json");
    for kind in TYPES {
        let requests = requests(&runtime, "telegram", "telegram.json", kind);
        assert_eq!(requests.len(), 1, "{kind}");
        let request = &requests[0];
        let token = config["bot_token"].as_str().unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.url,
            format!("https://api.telegram.org/bot{token}/sendMessage")
        );
        assert_eq!(headers(request), [("content-type", "application/json")]);
        assert!(request.auth.is_none());

        let body = body(request);
        assert_eq!(body["chat_id"], config["chat_id"]);
        assert_eq!(body["parse_mode"], "HTML");
        assert!(body.get("disable_notification").is_none());
        let text = body["text"].as_str().unwrap();
        let checkout = &sample(kind)["data"]["checkout"];
        let customer = &checkout["customer"];
        for field in ["first_name", "last_name", "phone"] {
            let value = html_escape(customer[field].as_str().unwrap());
            assert!(
                text.contains(&value),
                "{kind}: {field} {value:?} not in {text}"
            );
        }
        for item in checkout["items"].as_array().unwrap() {
            let name = html_escape(item["product"]["name"].as_str().unwrap());
            assert!(text.contains(&name), "{kind}: item {name:?} not in {text}");
        }
        // The default message is in Malay unless the config says `"language": "en"`.
        let total = money(checkout["total"].as_f64().unwrap());
        assert!(
            text.contains(&format!("<b>Jumlah: {total}</b>")),
            "{kind}: {text}"
        );
        assert!(
            !text.contains("<script>"),
            "{kind}: customer HTML must be escaped"
        );
        golden("telegram", kind, &requests);
    }
}

#[test]
fn telegram_custom_template_renders_the_seed_syntax() {
    let runtime = common::runtime();
    let requests = requests(&runtime, "telegram", "telegram-custom.json", "order.paid");
    let body = body(&requests[0]);
    assert_eq!(body["disable_notification"], true);
    let checkout = &sample("order.paid")["data"]["checkout"];
    let names: Vec<&str> = checkout["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product"]["name"].as_str().unwrap())
        .collect();
    let expected = format!(
        "<b>Pesanan baru</b> #{}\n{} {}\nItems: {}\nJumlah: {}",
        checkout["id"],
        checkout["customer"]["first_name"].as_str().unwrap(),
        checkout["customer"]["last_name"].as_str().unwrap(),
        names.join(", "),
        money(checkout["total"].as_f64().unwrap()),
    );
    assert_eq!(body["text"], expected);
}

#[test]
fn sheets_appends_one_row_per_order_with_numbers_kept_and_formulas_neutralised() {
    let runtime = common::runtime();
    let config = read_json("examples/configs/sheets.json");
    for kind in TYPES {
        let requests = requests(&runtime, "sheets", "sheets.json", kind);
        assert_eq!(requests.len(), 1, "{kind}");
        let request = &requests[0];
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.url,
            format!(
                "https://sheets.googleapis.com/v4/spreadsheets/{}/values/{}!A1:append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS",
                config["spreadsheet_id"].as_str().unwrap(),
                config["sheet"].as_str().unwrap()
            )
        );
        assert_eq!(headers(request), [("content-type", "application/json")]);
        match &request.auth {
            Some(Auth::GoogleServiceAccount(credentials)) => {
                assert_eq!(
                    credentials.scopes,
                    ["https://www.googleapis.com/auth/spreadsheets"]
                );
                let key: Value = serde_json::from_str(&credentials.key_json).unwrap();
                assert_eq!(key, config["credentials"]);
            }
            other => panic!("{kind}: expected service-account auth, got {other:?}"),
        }

        let rows = body(request)["values"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 1, "{kind}");
        let row = rows[0].as_array().unwrap();
        let checkout = &sample(kind)["data"]["checkout"];
        assert!(
            row.contains(&checkout["total"]),
            "{kind}: total stays a number in {row:?}"
        );
        // Text carries the leading ' that Sheets hides, so digits stay text.
        let phone = format!("'{}", checkout["customer"]["phone"].as_str().unwrap());
        assert!(row.contains(&json!(phone)), "{kind}: phone stays text");
        for cell in row.iter().filter_map(Value::as_str) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "{kind}: {cell:?} could be a formula"
            );
        }
        golden("sheets", kind, &requests);
    }
}

#[test]
fn sheets_can_append_one_row_per_item() {
    let runtime = common::runtime();
    for kind in TYPES {
        let requests = requests(&runtime, "sheets", "sheets-items.json", kind);
        let rows = body(&requests[0])["values"].as_array().unwrap().clone();
        let items = sample(kind)["data"]["checkout"]["items"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(rows.len(), items.len(), "{kind}");
        for (row, item) in rows.iter().zip(&items) {
            let name = item["product"]["name"].as_str().unwrap();
            assert_eq!(
                row[1],
                format!("'{name}"),
                "{kind}: text behind the hidden '"
            );
            assert_eq!(row[3], item["quantity"], "{kind}: quantity stays a number");
            assert_eq!(row[4], item["price"], "{kind}: price stays a number");
        }
    }
}

#[test]
fn http_posts_the_event_itself() {
    let runtime = common::runtime();
    for kind in TYPES {
        let requests = requests(&runtime, "http", "http.json", kind);
        assert_eq!(requests.len(), 1, "{kind}");
        let request = &requests[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "https://hooks.example.com/kait");
        assert_eq!(
            headers(request),
            [
                ("content-type", "application/json"),
                ("x-shop-token", "demo")
            ]
        );
        assert!(request.auth.is_none());
        assert_eq!(
            body(request),
            sample(kind),
            "{kind}: the body is the event, unknown fields kept"
        );
        golden("http", kind, &requests);
    }
}

#[test]
fn http_body_template_renders_json() {
    let runtime = common::runtime();
    for kind in TYPES {
        let requests = requests(&runtime, "http", "http-template.json", kind);
        let request = &requests[0];
        assert_eq!(request.method, "PUT");
        assert_eq!(request.url, "https://hooks.example.com/orders");
        let checkout = &sample(kind)["data"]["checkout"];
        let expected = json!({
            "order": checkout["id"],
            "customer": checkout["customer"]["first_name"],
            "total": checkout["total"],
        });
        assert_eq!(body(request), expected, "{kind}");
    }
}
