//! Hostile input to ingest, against the real binary: random JSON, the sample
//! event with each field of the wrong type, huge strings, random bytes and
//! invalid UTF-8, JSON nested 10,000 deep, events shaped as arrays, and the
//! connection after a 413. `values.rs` has the random and wrongly typed values,
//! `shapes.rs` the nesting, the array shape and the connection.
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
        let count = |table: &str| self.kait.place.count(table);
        let tally = self.tally.lock().unwrap();
        println!("{tally:?}");
        assert_eq!(
            (count("events"), count("deliveries")),
            (tally.events, tally.deliveries),
            "(events, deliveries) in the database differ from the accepted answers: {tally:?}"
        );
    }
}

mod shapes;
mod values;
