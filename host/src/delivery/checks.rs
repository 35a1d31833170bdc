//! What a plugin may ask the host to send. A plugin is third-party code: its action
//! is checked whole before anything leaves, and refused with a reason if it asks
//! for too many requests, too large a body, headers that could split or smuggle a
//! request (line breaks, hop-by-hop headers, `Host`, `Content-Length`), or a URL
//! that is not plain http(s) without credentials. Where a URL may point is the
//! [`guard`](super::guard)'s business.

use crate::runtime::OutgoingRequest;

/// Limits on one plugin action.
#[derive(Debug, Clone, Copy)]
pub struct ActionLimits {
    /// Most requests one event may produce.
    pub max_requests: usize,
    /// Largest request body.
    pub max_body_bytes: usize,
}

/// Headers a plugin may not set: hop-by-hop headers (RFC 9110 §7.6.1), `Host`, and
/// the framing headers the client computes itself.
const FORBIDDEN_HEADERS: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// Checks a plugin's requests; the error says which request and which rule.
pub fn check(requests: &[OutgoingRequest], limits: ActionLimits) -> Result<(), String> {
    if requests.len() > limits.max_requests {
        return Err(format!(
            "the plugin asked for {} requests; at most {} are sent per event",
            requests.len(),
            limits.max_requests
        ));
    }
    for (n, request) in requests.iter().enumerate() {
        check_one(request, limits).map_err(|why| format!("request {}: {why}", n + 1))?;
    }
    Ok(())
}

fn check_one(request: &OutgoingRequest, limits: ActionLimits) -> Result<(), String> {
    if request.body.len() > limits.max_body_bytes {
        return Err(format!(
            "the body is {} bytes; at most {} are sent",
            request.body.len(),
            limits.max_body_bytes
        ));
    }
    if request.method.is_empty() || !request.method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!("invalid method {:?}", request.method));
    }
    let url = url::Url::parse(&request.url).map_err(|e| format!("invalid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the URL's scheme is {}; only http and https are sent",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL carries a user name or password; use a header instead".into());
    }
    for (name, value) in &request.headers {
        let breaks = |text: &str| text.contains(['\r', '\n', '\0']);
        if breaks(name) || breaks(value) {
            return Err(format!(
                "header {:?} contains a line break or NUL",
                name.trim()
            ));
        }
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(format!("invalid header name {name:?}"));
        }
        if FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "header {name:?} is set by the host and may not be sent by a plugin"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ActionLimits = ActionLimits {
        max_requests: 10,
        max_body_bytes: 5 * 1024 * 1024,
    };

    fn request(url: &str, headers: &[(&str, &str)], body: usize) -> OutgoingRequest {
        OutgoingRequest {
            method: "POST".into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: vec![b'x'; body],
            auth: None,
        }
    }

    #[test]
    fn sound_requests_pass() {
        let ok = request(
            "https://hooks.example.com/x",
            &[("content-type", "application/json")],
            100,
        );
        assert_eq!(check(&vec![ok; 10], LIMITS), Ok(()));
    }

    #[test]
    fn hostile_actions_are_refused_with_the_rule_they_broke() {
        let ok = request("https://hooks.example.com/x", &[], 10);
        let many = vec![ok.clone(); 10_000];
        assert!(
            check(&many, LIMITS)
                .unwrap_err()
                .contains("10000 requests; at most 10")
        );
        for (bad, why) in [
            (
                request("https://x.example/", &[], 5 * 1024 * 1024 + 1),
                "bytes; at most",
            ),
            (
                request("https://x.example/", &[("x-a", "1\r\nx-b: 2")], 0),
                "line break",
            ),
            (
                request("https://x.example/", &[("x-a\n", "1")], 0),
                "line break",
            ),
            (
                request("https://x.example/", &[("Host", "internal")], 0),
                "set by the host",
            ),
            (
                request("https://x.example/", &[("transfer-encoding", "chunked")], 0),
                "set by the host",
            ),
            (
                request("https://x.example/", &[("Connection", "close")], 0),
                "set by the host",
            ),
            (
                request("https://x.example/", &[("bad name", "1")], 0),
                "invalid header name",
            ),
            (request("file:///etc/passwd", &[], 0), "scheme is file"),
            (request("gopher://x.example/", &[], 0), "scheme is gopher"),
            (
                request("https://user:pw@x.example/", &[], 0),
                "user name or password",
            ),
            (request("not a url", &[], 0), "invalid URL"),
        ] {
            let error = check(&[ok.clone(), bad], LIMITS).unwrap_err();
            assert!(
                error.starts_with("request 2: ") && error.contains(why),
                "{error}"
            );
        }
    }
}
