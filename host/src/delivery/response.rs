//! Reading a destination's answer: the status, the headers, and the body up to a
//! cap (the rest is never read), what its status means (a redirect is read, never
//! followed), plus the wait it asks for before a retry (`Retry-After`, or
//! Telegram's `parameters.retry_after` on a 429).

use std::time::Duration;

use serde::Serialize;

use super::{EXCERPT_BYTES, excerpt};

/// A response as the delivery log keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// HTTP status.
    pub status: u16,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// The body's first bytes (at most 16 KiB), as text.
    pub body: String,
    /// Body bytes read (reading stops at the cap).
    pub body_bytes: usize,
    /// Whether the body was longer than what was read.
    pub truncated: bool,
    /// Reading the body failed part-way (reset, timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    retry_after_header: Option<String>,
    #[serde(skip)]
    head: Vec<u8>,
}

pub(super) async fn read(mut response: reqwest::Response, cap: usize) -> Received {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let retry_after_header = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut head = Vec::new();
    let mut read = 0;
    let mut truncated = false;
    let mut error = None;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                let room = cap.saturating_sub(head.len());
                head.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if read > cap {
                    truncated = true;
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(super::classify(&e).1);
                break;
            }
        }
    }
    Received {
        status,
        headers,
        body: excerpt(&head[..head.len().min(EXCERPT_BYTES)]),
        body_bytes: read.min(cap),
        truncated,
        error,
        retry_after_header,
        head,
    }
}

impl Received {
    /// What the status means for the request sent to `url`: where a 3xx points
    /// (its `Location`, made absolute against `url`), and whether the request
    /// succeeded. 2xx did; so did 302 and 303, which say the receiver processed it
    /// and points at a result page (Google Apps Script answers a POST so). 301,
    /// 307 and 308 say it was not processed at this address; anything else failed.
    pub(super) fn judge(&self, url: &str) -> (Option<String>, Result<(), String>) {
        let status = self.status;
        let location = (300..400).contains(&status).then(|| self.location(url));
        let location = location.flatten();
        let judged = match status {
            200..=299 | 302 | 303 => Ok(()),
            301 | 307 | 308 => Err(format!(
                "the destination answered HTTP {status}: moved to {}; update the Callback URL",
                location.as_deref().unwrap_or("an address it did not give")
            )),
            _ => Err(format!("the destination answered HTTP {status}")),
        };
        (location, judged)
    }

    /// The `Location` header, resolved against `url` when it is relative.
    fn location(&self, url: &str) -> Option<String> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("location"))?;
        let joined = url::Url::parse(url).and_then(|base| base.join(value));
        Some(joined.map_or_else(|_| value.clone(), String::from))
    }

    /// How long the destination asked to be left alone, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        if let Some(value) = &self.retry_after_header {
            if let Ok(seconds) = value.trim().parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            if let Ok(at) = chrono::DateTime::parse_from_rfc2822(value.trim()) {
                let wait = at.timestamp() - chrono::Utc::now().timestamp();
                return Some(Duration::from_secs(wait.max(0) as u64));
            }
        }
        if self.status == 429 {
            let body: serde_json::Value = serde_json::from_slice(&self.head).ok()?;
            let seconds = body["parameters"]["retry_after"].as_u64()?;
            return Some(Duration::from_secs(seconds));
        }
        None
    }
}
