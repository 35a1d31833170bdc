//! Hostile input to ingest, against the real binary: random JSON, the sample
//! event with each field of the wrong type, huge strings, random bytes and
//! invalid UTF-8, and JSON nested 10,000 deep.
//!
//! Whatever arrives, the answer is a 2xx or a 4xx (never a 5xx), every 4xx has
//! the error format `{"error": {"code", "message"}}`, the server keeps answering,
//! and nothing is half-written: at the end the database holds exactly the events
//! that were accepted and exactly the deliveries their answers listed.

mod server;

use std::fmt::Debug;
use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunResult, TestRunner};
use reqwest::{Method, StatusCode, header};
use serde_json::{Map, Value, json};
use server::{Kait, event};
use tokio::runtime::Runtime;

const SHOP: &str = "mirfaith";
/// The largest event ingest takes (`max_event_bytes`).
const LIMIT: usize = 256 * 1024;

/// One server with one shop and one `http` webhook to a closed port (so every
/// delivery fails once and waits an hour), and the tally of what it accepted.
struct Target {
    rt: Runtime,
    kait: Kait,
    key: String,
    tally: Mutex<Tally>,
}

#[derive(Default, Debug)]
struct Tally {
    posted: u64,
    events: u64,
    deliveries: u64,
}

/// An answer that passed the general property.
struct Answer {
    status: u16,
    body: Value,
}

/// The error format: exactly `{"error": {"code", "message"}}`, both non-empty.
fn is_error(body: &Value) -> bool {
    let text = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    body.as_object().is_some_and(|o| o.len() == 1)
        && body["error"].as_object().is_some_and(|e| e.len() == 2)
        && text(&body["error"]["code"])
        && text(&body["error"]["message"])
}

fn shortened(text: &str) -> &str {
    &text[..text.floor_char_boundary(400)]
}

impl Target {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let kait = Kait::start(&[("KAIT_RETRY_SCHEDULE", r#"["1h"]"#)]);
        let key = rt.block_on(async {
            let key = kait.shop(SHOP, "premium").await;
            kait.http_webhook(SHOP, &key, "http://127.0.0.1:9/").await;
            key
        });
        Self {
            rt,
            kait,
            key,
            tally: Mutex::default(),
        }
    }

    /// A fresh event id.
    fn unique(&self) -> String {
        format!("evt-{}", self.tally.lock().unwrap().posted)
    }

    /// Posts `body` as an event and checks the general property.
    fn post(&self, body: Vec<u8>) -> Result<Answer, TestCaseError> {
        let request = self
            .kait
            .client
            .post(format!("{}/v1/shops/{SHOP}/events", self.kait.base))
            .bearer_auth(&self.key)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
        let (status, text) = self.rt.block_on(async {
            let response = request.send().await.expect("the server answers");
            (response.status(), response.text().await.unwrap())
        });
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let mut tally = self.tally.lock().unwrap();
        tally.posted += 1;
        if status.is_success() && body["duplicate"] == false {
            tally.events += 1;
            tally.deliveries += body["deliveries"].as_array().map_or(0, Vec::len) as u64;
        }
        let shown = body.to_string();
        let shown = shortened(&shown);
        prop_assert!(
            status.is_success() || status.is_client_error(),
            "answered {status}: {shown}"
        );
        if status.is_success() {
            prop_assert_eq!(status, StatusCode::ACCEPTED, "{}", shown);
            prop_assert!(
                body["id"].is_string()
                    && body["duplicate"].is_boolean()
                    && body["deliveries"].is_array(),
                "not an ingest answer: {shown}"
            );
        } else {
            prop_assert!(is_error(&body), "{status} not in the error format: {shown}");
        }
        Ok(Answer {
            status: status.as_u16(),
            body,
        })
    }

    fn post_json(&self, value: &Value) -> Result<Answer, TestCaseError> {
        self.post(value.to_string().into_bytes())
    }

    /// Runs a property over `strategy`, 200 cases, and reports the minimal
    /// failing input shortened (it may be 300 KB).
    fn check<S: Strategy>(
        &self,
        strategy: S,
        property: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) where
        S::Value: Debug,
    {
        let mut runner = TestRunner::new(Config {
            cases: 200,
            failure_persistence: None,
            ..Config::default()
        });
        let result: TestRunResult<S> = runner.run(&strategy, property);
        if let Err(error) = result {
            match error {
                TestError::Fail(reason, input) => {
                    let input = format!("{input:?}");
                    panic!("{reason}\nminimal failing input: {}", shortened(&input));
                }
                other => panic!("{other}"),
            }
        }
    }

    /// The server still answers, and the database holds exactly what was accepted.
    fn finish(self) {
        let (status, _) = self
            .rt
            .block_on(self.kait.call(Method::GET, "/healthz", None, None));
        assert_eq!(status, StatusCode::OK, "the server no longer answers");
        let db = rusqlite::Connection::open_with_flags(
            self.kait.db(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let count = |table: &str| -> u64 {
            db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        let tally = self.tally.lock().unwrap();
        assert_eq!(
            (count("events"), count("deliveries")),
            (tally.events, tally.deliveries),
            "(events, deliveries) in the database differ from the accepted answers: {tally:?}"
        );
    }
}

/// Any JSON value, with the event's own words mixed in so some get deep into
/// the checks (and a few are even valid events).
fn any_json() -> impl Strategy<Value = Value> {
    let word = prop_oneof![
        3 => Just("id"), 3 => Just("type"), 3 => Just("shop"), 3 => Just("occurred_at"),
        3 => Just("data"), 3 => Just("checkout"), 3 => Just(SHOP), 3 => Just("order.paid"),
        3 => Just("2024-03-08T21:14:05+08:00"), 1 => Just(""),
    ]
    .prop_map(String::from);
    let text = prop_oneof![word.clone(), ".{0,40}"];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text.clone().prop_map(Value::from),
    ];
    let key = prop_oneof![3 => word, 1 => ".{0,12}"];
    leaf.prop_recursive(6, 128, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[test]
fn random_json_is_answered_2xx_or_4xx() {
    let target = Target::start();
    target.check(any_json(), |value| target.post_json(&value).map(drop));
    target.finish();
}

/// The JSON types, for replacing a field by one of another type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Type {
    String,
    Number,
    Array,
    Object,
    Null,
    Bool,
}

fn a_value_of(kind: Type) -> BoxedStrategy<Value> {
    match kind {
        Type::String => ".{0,20}".prop_map(Value::from).boxed(),
        Type::Number => prop_oneof![
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from)
        ]
        .boxed(),
        Type::Array => prop::collection::vec(any_json(), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        Type::Object => prop::collection::vec((".{0,8}", any_json()), 0..4)
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
        Type::Null => Just(Value::Null).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::from).boxed(),
    }
}

/// Each field of the event with the types it may have (`id` may be left out).
const FIELDS: [(&str, &[Type]); 6] = [
    ("/id", &[Type::String, Type::Null]),
    ("/type", &[Type::String]),
    ("/shop", &[Type::String]),
    ("/occurred_at", &[Type::String]),
    ("/data", &[Type::Object]),
    ("/data/checkout", &[Type::Object]),
];

#[test]
fn every_field_of_the_wrong_type_is_refused() {
    let target = Target::start();
    let all = [
        Type::String,
        Type::Number,
        Type::Array,
        Type::Object,
        Type::Null,
        Type::Bool,
    ];
    let wrong = (0..FIELDS.len())
        .prop_flat_map(move |field| {
            let (_, allowed) = FIELDS[field];
            let kinds: Vec<Type> = all.into_iter().filter(|k| !allowed.contains(k)).collect();
            (Just(FIELDS[field].0), prop::sample::select(kinds))
        })
        .prop_flat_map(|(field, kind)| (Just(field), Just(kind), a_value_of(kind)));
    target.check(wrong, |(field, _, value)| {
        let mut sent = event("order.paid", SHOP, &target.unique());
        *sent.pointer_mut(field).unwrap() = value;
        let answer = target.post_json(&sent)?;
        prop_assert!(
            (400..500).contains(&answer.status),
            "{field} of the wrong type was answered {}: {}",
            answer.status,
            answer.body
        );
        Ok(())
    });
    target.finish();
}

/// Where a huge string goes, and what the answer is while the event fits.
const HUGE_IN: [(&str, u16); 7] = [
    ("/id", 202),
    ("/type", 422),
    ("/shop", 422),
    ("/occurred_at", 422),
    ("/data/checkout/note", 202),
    ("/data/checkout/items/0/name", 202),
    ("/data/extra", 202),
];

#[test]
fn huge_strings_fit_under_the_limit_or_get_413() {
    let target = Target::start();
    let size = prop_oneof![0..4096usize, LIMIT - 4096..LIMIT + 4096, 0..300 * 1024];
    let char = prop::sample::select(vec!['x', 'é', '€', '😀', '"', '\\', '\n', '\u{0}']);
    let huge = (prop::sample::select(HUGE_IN.to_vec()), size, char);
    target.check(huge, |((field, fits), size, char)| {
        let mut sent = event("order.paid", SHOP, &target.unique());
        let text: String = std::iter::repeat_n(char, size / char.len_utf8()).collect();
        let (parent, name) = field.rsplit_once('/').unwrap();
        match sent.pointer_mut(parent).unwrap() {
            Value::Array(items) => items[name.parse::<usize>().unwrap()] = text.into(),
            object => object[name] = text.into(),
        }
        let body = sent.to_string().into_bytes();
        let len = body.len();
        let answer = target.post(body)?;
        let expected = if len > LIMIT { 413 } else { fits };
        prop_assert_eq!(
            answer.status,
            expected,
            "{} of {} bytes in {}: {}",
            size,
            len,
            field,
            answer.body
        );
        Ok(())
    });
    target.finish();
}

#[test]
fn random_bytes_and_invalid_utf8_are_refused_cleanly() {
    let target = Target::start();
    let bytes = prop_oneof![
        // Anything at all.
        prop::collection::vec(any::<u8>(), 0..4096).prop_map(|b| (b, Vec::new())),
        // A valid event with some of its bytes overwritten.
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..8).prop_map(|m| (Vec::new(), m)),
        // A valid event with random bytes inside a string (`@@` in the note).
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| (b, vec![(usize::MAX, 0)])),
    ];
    target.check(bytes, |(random, overwrite)| {
        let body = if overwrite.is_empty() {
            random
        } else {
            let mut sent = event("order.paid", SHOP, &target.unique());
            sent["data"]["checkout"]["note"] = "@@".into();
            let mut body = sent.to_string().into_bytes();
            if overwrite == [(usize::MAX, 0)] {
                let at = body.windows(2).position(|w| w == b"@@").unwrap();
                body.splice(at..at + 2, random);
            } else {
                for (at, byte) in overwrite {
                    let len = body.len();
                    body[at % len] = byte;
                }
            }
            body
        };
        let utf8 = std::str::from_utf8(&body).is_ok();
        let answer = target.post(body)?;
        if !utf8 {
            prop_assert_eq!(answer.status, 400, "{}", answer.body);
            prop_assert_eq!(&answer.body["error"]["code"], "invalid_request");
        }
        Ok(())
    });
    target.finish();
}

/// `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels deep.
fn nested(depth: usize, object: bool) -> String {
    if object {
        format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
    } else {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }
}

#[test]
fn json_nested_10000_deep_is_refused_and_the_server_lives() {
    let target = Target::start();
    let mut wrong = Vec::new();
    for object in [false, true] {
        let deep = nested(10_000, object);
        // As the whole body, and inside data.checkout (which stays an object).
        let mut sent = event("order.paid", SHOP, &format!("evt-deep-{object}"));
        sent["data"]["checkout"]["items"] = "@@".into();
        let inside = sent.to_string().replace(r#""@@""#, &deep);
        for (place, body) in [("the body", deep), ("data.checkout.items", inside)] {
            let answer = target.post(body.into_bytes()).unwrap();
            if !(400..500).contains(&answer.status) {
                wrong.push(format!(
                    "10,000 levels of {} as {place}: {} {}",
                    if object { "objects" } else { "arrays" },
                    answer.status,
                    answer.body
                ));
            }
            // Whatever was accepted has been attempted once before we go on.
            for delivery in answer.body["deliveries"].as_array().into_iter().flatten() {
                let id = delivery["id"].as_str().unwrap();
                let (kait, key) = (&target.kait, &target.key);
                target
                    .rt
                    .block_on(kait.delivery_until(SHOP, key, id, |d| d["attempts"] != 0));
            }
        }
    }
    target.finish();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
