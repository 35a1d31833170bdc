//! A destination for tests: records every request into a channel and answers
//! with whatever the test queued (200 when nothing is queued).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Got {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// An answer to give.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap(),
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Clone)]
struct Shared {
    got: mpsc::UnboundedSender<Got>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    default: Arc<Mutex<Reply>>,
}

/// A running receiver.
pub struct Receiver {
    pub url: String,
    got: mpsc::UnboundedReceiver<Got>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    default: Arc<Mutex<Reply>>,
}

async fn handle(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let queued = shared.replies.lock().unwrap().pop_front();
        queued.unwrap_or_else(|| shared.default.lock().unwrap().clone())
    };
    let _ = shared.got.send(Got {
        path: uri.to_string(),
        headers,
        body,
    });
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (reply.status, reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

impl Receiver {
    pub async fn start() -> Self {
        let (tx, got) = mpsc::unbounded_channel();
        let replies = Arc::new(Mutex::new(VecDeque::new()));
        let default = Arc::new(Mutex::new(Reply::status(200).body("ok")));
        let shared = Shared {
            got: tx,
            replies: replies.clone(),
            default: default.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            got,
            replies,
            default,
        }
    }

    /// Queues answers for the next requests, in order.
    pub fn answer(&self, replies: impl IntoIterator<Item = Reply>) {
        self.replies.lock().unwrap().extend(replies);
    }

    /// The answer once the queue is empty.
    pub fn answer_always(&self, reply: Reply) {
        *self.default.lock().unwrap() = reply;
    }

    /// The next request, waiting at most `PATIENCE`.
    pub async fn next(&mut self) -> Got {
        tokio::time::timeout(super::PATIENCE, self.got.recv())
            .await
            .expect("a request arrived in time")
            .expect("receiver open")
    }

    /// The next request, if one arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Got> {
        tokio::time::timeout(wait, self.got.recv())
            .await
            .ok()
            .flatten()
    }

    /// Whether a request arrives within `wait`.
    pub async fn nothing_within(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.got.recv()).await.is_err()
    }
}
