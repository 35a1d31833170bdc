//! Hostile input to ingest, against the real binary: random JSON, the sample
//! event with each field of the wrong type, huge strings, random bytes and
//! invalid UTF-8, JSON nested 10,000 deep, events shaped as arrays, and the
//! connection after a 413.
//!
//! Whatever arrives, the answer is a 2xx or a 4xx (never a 5xx), every 4xx has
//! the error format `{"error": {"code", "message"}}`, the server keeps answering,
//! and nothing is half-written: at the end the database holds exactly the events
//! that were accepted and exactly the deliveries their answers listed.

use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use reqwest::{Method, StatusCode, header};
use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;

use crate::server::{ApiCalls as _, Kait, event};

const SHOP: &str = "mirfaith";
/// The largest event ingest takes (`max_event_bytes`).
const LIMIT: usize = 256 * 1024;

/// One server with one shop and one `http` webhook to a closed port (so every
/// delivery fails once and waits an hour), and the tally of what it accepted.
struct Target {
    rt: Runtime,
    kait: Kait,
    /// A new connection for every request: see
    /// `a_413_leaves_its_connection_usable_or_closes_it_openly`.
    client: reqwest::Client,
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
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Self {
            rt,
            kait,
            client,
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
        self.post_with(&self.client, body)
    }

    /// The same, with `client`.
    fn post_with(&self, client: &reqwest::Client, body: Vec<u8>) -> Result<Answer, TestCaseError> {
        let request = client
            .post(format!("{}/v1/shops/{SHOP}/events", self.kait.base))
            .bearer_auth(&self.key)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
        let answered = self.rt.block_on(async {
            let response = request.send().await?;
            Ok::<_, reqwest::Error>((response.status(), response.text().await?))
        });
        let (status, text) =
            answered.map_err(|e| TestCaseError::fail(format!("no answer: {e:?}")))?;
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
            max_shrink_iters: 256,
            ..Config::default()
        });
        let result = runner.run(&strategy, property);
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
        println!("{tally:?}");
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
        // Most start with an object: serde also reads a struct from an array of
        // its fields in order, so `[{…}]` could pass for `{"checkout": {…}}`.
        Type::Array => (
            prop::bool::weighted(0.75),
            a_value_of(Type::Object),
            prop::collection::vec(any_json(), 0..4),
        )
            .prop_map(|(first, object, mut items)| {
                if first {
                    items.insert(0, object);
                }
                Value::Array(items)
            })
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
    // Every case tries each field in turn, with a value of a type it may not
    // have (a union, not a flat_map: it shrinks quickly).
    let wrong: Vec<_> = FIELDS
        .map(|(field, allowed)| {
            let values = all
                .into_iter()
                .filter(|kind| !allowed.contains(kind))
                .map(|kind| a_value_of(kind).prop_map(move |value| (field, kind, value)));
            prop::strategy::Union::new(values)
        })
        .into();
    target.check(wrong, |fields| {
        for (field, kind, value) in fields {
            let shown = value.to_string();
            let mut sent = event("order.paid", SHOP, &target.unique());
            *sent.pointer_mut(field).unwrap() = value;
            let answer = target.post_json(&sent)?;
            prop_assert!(
                (400..500).contains(&answer.status),
                "{field} as {kind:?} {} was answered {}: {}",
                shortened(&shown),
                answer.status,
                answer.body
            );
        }
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
    let size = prop_oneof![0..4096usize, LIMIT - 4096..LIMIT + 4096, 0..300 * 1024usize];
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

/// Bytes to post.
#[derive(Debug, Clone)]
enum Bytes {
    /// Anything at all.
    Random(Vec<u8>),
    /// A valid event with some of its bytes overwritten (at positions modulo its
    /// length).
    Overwritten(Vec<(usize, u8)>),
    /// A valid event with these bytes inside a string (`data.checkout.note`).
    InAString(Vec<u8>),
}

#[test]
fn random_bytes_and_invalid_utf8_are_refused_cleanly() {
    let target = Target::start();
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..4096).prop_map(Bytes::Random),
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..8).prop_map(Bytes::Overwritten),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Bytes::InAString),
    ];
    target.check(bytes, |bytes| {
        let mut sent = event("order.paid", SHOP, &target.unique());
        sent["data"]["checkout"]["note"] = "@@".into();
        let mut body = sent.to_string().into_bytes();
        match bytes {
            Bytes::Random(random) => body = random,
            Bytes::Overwritten(changes) => {
                let len = body.len();
                for (at, byte) in changes {
                    body[at % len] = byte;
                }
            }
            Bytes::InAString(random) => {
                let at = body.windows(2).position(|w| w == b"@@").unwrap();
                body.splice(at..at + 2, random);
            }
        }
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

#[test]
fn events_in_the_shape_of_an_array_are_refused() {
    let target = Target::start();
    let mut wrong = Vec::new();
    let mut data_list = event("order.paid", SHOP, "evt-data-list");
    data_list["data"] = json!([data_list["data"]["checkout"]]);
    for body in [
        // The envelope's fields in order, as an array.
        json!(["evt-list", "order.paid", SHOP, "2024-03-08T21:14:05+08:00", {"checkout": {}}]),
        // `data` as an array holding the checkout.
        data_list,
    ] {
        let answer = target.post_json(&body).unwrap();
        if !(400..500).contains(&answer.status) {
            let body = body.to_string();
            let body = shortened(&body);
            wrong.push(format!(
                "{body}\n  was answered {} {}",
                answer.status, answer.body
            ));
        }
    }
    target.finish();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One HTTP/1.1 request on `stream`: the status and the headers of the answer,
/// or what went wrong.
fn exchange(stream: &mut TcpStream, key: &str, body: &[u8]) -> Result<(u16, String), String> {
    let head = format!(
        "POST /v1/shops/{SHOP}/events HTTP/1.1\r\nhost: kait\r\nauthorization: Bearer {key}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let sent = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    sent.map_err(|e| format!("sending: {e}"))?;
    let mut got = Vec::new();
    let mut buffer = [0; 4096];
    let end = loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut buffer) {
            Ok(0) => return Err("the server closed the connection".into()),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(e) => return Err(format!("reading: {e}")),
        }
    };
    let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut rest = got.len() - end - 4;
    while rest < length {
        rest += stream.read(&mut buffer).map_err(|e| e.to_string())?;
    }
    Ok((head[9..12].parse().unwrap(), head))
}

/// A server that answers before reading the whole body must either read the
/// rest or say `connection: close`; otherwise the client's next request on the
/// same keep-alive connection (a POST, which it cannot safely repeat) is lost.
#[test]
fn a_413_leaves_its_connection_usable_or_closes_it_openly() {
    let target = Target::start();
    let address = target.kait.base.trim_start_matches("http://");
    let mut huge = event("order.paid", SHOP, "evt-huge");
    huge["data"]["checkout"]["note"] = "x".repeat(LIMIT + 300 * 1024).into();
    let huge = huge.to_string().into_bytes();
    let mut lost = Vec::new();
    for n in 0..5 {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (status, head) = exchange(&mut stream, &target.key, &huge).unwrap();
        assert_eq!(status, 413, "{head}");
        if head.contains("connection: close") {
            continue;
        }
        std::thread::sleep(Duration::from_millis(20));
        let small = event("order.paid", SHOP, &format!("evt-after-413-{n}"));
        match exchange(&mut stream, &target.key, small.to_string().as_bytes()) {
            Ok((status, head)) => {
                assert_eq!(status, 202, "{head}");
                let mut tally = target.tally.lock().unwrap();
                tally.events += 1;
                tally.deliveries += 1;
            }
            Err(error) => lost.push(format!("round {n}: {error}")),
        }
    }
    target.finish();
    assert!(
        lost.is_empty(),
        "a 413 without `connection: close`, then the connection closed under the next request:\n{}",
        lost.join("\n")
    );
}
