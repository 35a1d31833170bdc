//! Sending against a loopback receiver: redirects read by their meaning and never
//! followed, secrets scrubbed from where they point, every secret's signature in
//! the header; and the guard's verdict on a URL without sending (host names
//! resolved by a stub).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};

use super::guard::{Lookup, LookupFuture, Refused};
use super::*;

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SECRET_TOKEN: &str = "s3cr3t-token-in-the-location";

fn config() -> ServeConfig {
    ServeConfig {
        allow_private_destinations: true,
        ..ServeConfig::default()
    }
}

fn post_to(url: &str) -> OutgoingRequest {
    OutgoingRequest {
        method: "POST".into(),
        url: url.into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: br#"{"row":1}"#.to_vec(),
        auth: None,
    }
}

fn moved(status: StatusCode, location: Option<&'static str>) -> (StatusCode, HeaderMap) {
    let mut headers = HeaderMap::new();
    if let Some(location) = location {
        headers.insert(header::LOCATION, location.parse().unwrap());
    }
    (status, headers)
}

/// A fake Apps Script and friends on 127.0.0.1; the counter counts visits to
/// the result page.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let visits = Arc::new(AtomicUsize::new(0));
    let counted = visits.clone();
    let app = Router::new()
        .route(
            "/exec",
            post(|| async {
                let location = "/echo?user_content_key=s3cr3t-token-in-the-location";
                moved(StatusCode::FOUND, Some(location))
            }),
        )
        .route(
            "/see",
            post(|| async { moved(StatusCode::SEE_OTHER, Some("https://example.com/done")) }),
        )
        .route(
            "/echo",
            get(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                "result page"
            }),
        )
        .route(
            "/permanent",
            post(|| async {
                moved(
                    StatusCode::PERMANENT_REDIRECT,
                    Some("https://new.example/hook"),
                )
            }),
        )
        .route(
            "/temporary",
            post(|| async { moved(StatusCode::TEMPORARY_REDIRECT, Some("/elsewhere")) }),
        )
        .route(
            "/nowhere",
            post(|| async { moved(StatusCode::MOVED_PERMANENTLY, None) }),
        )
        .route(
            "/signed",
            post(|headers: HeaderMap| async move {
                headers["webhook-signature"].to_str().unwrap().to_string()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, visits)
}

async fn send(sender: &Sender, url: &str) -> Exchange {
    let signer = Signer {
        id: "msg_test",
        secrets: &[OLD],
        timestamp: 1_700_000_000,
    };
    let secrets = [SECRET_TOKEN.to_string()];
    sender.send(&post_to(url), &signer, &secrets).await
}

#[tokio::test]
async fn a_302_or_303_is_a_success_that_shows_where_it_points_and_is_not_followed() {
    let sender = Sender::new(&config()).unwrap();
    let (base, visits) = receiver().await;

    let exchange = send(&sender, &format!("{base}/exec")).await;
    assert!(exchange.succeeded(), "{exchange:?}");
    assert_eq!(exchange.response.as_ref().unwrap().status, 302);
    assert_eq!(
        exchange.redirected_to.as_deref(),
        Some(format!("{base}/echo?user_content_key={}", mask(SECRET_TOKEN)).as_str()),
        "made absolute, the secret scrubbed"
    );
    let shown = serde_json::to_string(&exchange).unwrap();
    assert!(!shown.contains(SECRET_TOKEN), "{shown}");

    let exchange = send(&sender, &format!("{base}/see")).await;
    assert!(exchange.succeeded(), "{exchange:?}");
    assert_eq!(
        exchange.redirected_to.as_deref(),
        Some("https://example.com/done")
    );
    assert_eq!(
        visits.load(Ordering::SeqCst),
        0,
        "the result page was fetched"
    );
}

#[tokio::test]
async fn a_301_307_or_308_fails_with_the_new_address() {
    let sender = Sender::new(&config()).unwrap();
    let (base, _) = receiver().await;
    let cases = [
        (
            "permanent",
            "moved to https://new.example/hook; update the Callback URL",
        ),
        (
            "temporary",
            &format!("moved to {base}/elsewhere; update the Callback URL"),
        ),
        (
            "nowhere",
            "moved to an address it did not give; update the Callback URL",
        ),
    ];
    for (path, message) in cases {
        let exchange = send(&sender, &format!("{base}/{path}")).await;
        assert_eq!(exchange.error_kind, Some(ErrorKind::HttpStatus), "{path}");
        let error = exchange.error.clone().unwrap();
        assert!(error.contains(message), "{path}: {error}");
    }
}

#[tokio::test]
async fn every_secret_given_signs_the_message() {
    let sender = Sender::new(&config()).unwrap();
    let (base, _) = receiver().await;
    let new = crate::signing::new_secret();
    let signer = Signer {
        id: "msg_test.2",
        secrets: &[&new, OLD],
        timestamp: 1_700_000_000,
    };
    let request = post_to(&format!("{base}/signed"));
    let exchange = sender.send(&request, &signer, &[]).await;
    let header = exchange.response.unwrap().body;
    let expected = [&new, OLD].map(|secret| {
        crate::signing::sign(secret, "msg_test.2", 1_700_000_000, &request.body).unwrap()
    });
    assert_eq!(header, expected.join(" "));
}

/// Host names from a table; anything else is unknown. Counts lookups.
struct Stub {
    hosts: HashMap<&'static str, IpAddr>,
    asked: AtomicUsize,
}

impl Lookup for Stub {
    fn lookup(&self, host: &str) -> LookupFuture {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let found = self.hosts.get(host).map(|ip| vec![*ip]);
        Box::pin(async move { found.ok_or_else(|| io::Error::other("unknown host")) })
    }
}

#[tokio::test]
async fn the_guard_judges_a_url_as_sending_would_without_sending() {
    let stub = Arc::new(Stub {
        hosts: HashMap::from([
            ("metadata.test", "169.254.169.254".parse().unwrap()),
            ("public.test", "93.184.216.34".parse().unwrap()),
        ]),
        asked: AtomicUsize::new(0),
    });
    let mut config = ServeConfig::default();
    config.upstreams.insert(
        "https://api.telegram.org".into(),
        "http://10.1.2.3:9000".into(),
    );
    let sender = Sender::with_lookup(&config, stub.clone()).unwrap();
    let refused = |url: &'static str| {
        let sender = sender.clone();
        async move { sender.refusal(url).await }
    };
    assert!(matches!(
        refused("http://169.254.169.254/latest/meta-data/").await,
        Some(Refused::Blocked { name, .. }) if name.contains("cloud metadata")
    ));
    assert_eq!(
        stub.asked.load(Ordering::SeqCst),
        0,
        "a literal is not looked up"
    );
    assert!(matches!(
        refused("https://metadata.test/x").await,
        Some(Refused::NoAllowedAddress { host, .. }) if host == "metadata.test"
    ));
    assert!(
        matches!(
            refused("https://api.telegram.org/bot1/sendMessage").await,
            Some(Refused::Blocked { .. })
        ),
        "the upstream override is what is dialled"
    );
    assert!(matches!(
        refused("ftp://public.test/").await,
        Some(Refused::Scheme(_))
    ));
    assert_eq!(refused("https://public.test/hook").await, None);
    assert_eq!(
        refused("https://unknown.test/hook").await,
        None,
        "a failed lookup may work at delivery"
    );
    assert_eq!(stub.asked.load(Ordering::SeqCst), 3);
}
