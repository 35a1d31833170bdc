//! A hostile world, end to end: destinations that never answer, trickle headers or
//! bodies, send a gigabyte or reset the connection; and a plugin whose action asks
//! for too much or for something dangerous. Each is recorded on its delivery with
//! a clear error kind, holds a worker no longer than the total timeout, and leaves
//! other deliveries alone.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::server::{ApiCalls as _, Kait, Receiver, event, guests};

/// The total request timeout the tests run with.
const TIMEOUT_MS: u64 = 2000;

#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    NeverAnswers,
    TrickledHeaders,
    TrickledBody,
    Gigabyte,
    ResetHalfway,
}

async fn read_request(stream: &mut TcpStream) {
    let mut buffer = vec![0; 64 * 1024];
    let _ = stream.read(&mut buffer).await;
}

async fn misbehave(stream: &mut TcpStream, how: Misbehaviour) {
    read_request(stream).await;
    let trickle = |text: &'static str| async move { text.as_bytes().to_vec() };
    match how {
        Misbehaviour::NeverAnswers => tokio::time::sleep(Duration::from_secs(60)).await,
        Misbehaviour::TrickledHeaders => {
            for byte in trickle("HTTP/1.1 200 OK\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").await
            {
                if stream.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Misbehaviour::TrickledBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..100 {
                if stream.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Misbehaviour::Gigabyte => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", 1u64 << 30);
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b'g'; 1 << 20];
            for _ in 0..1024 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
        Misbehaviour::ResetHalfway => {
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&[b'r'; 1000]).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            #[allow(deprecated)] // An RST is the point; blocking on drop is fine here.
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
    }
}

async fn hostile_server(how: Misbehaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move { misbehave(&mut stream, how).await });
        }
    });
    url
}

fn kait() -> Kait {
    let plugins = format!(r#"{{ "hostile" = "{}" }}"#, guests::KAIT_TEST_HOSTILE);
    let timeout = format!("{TIMEOUT_MS}ms");
    Kait::start(&[
        ("KAIT_REQUEST_TIMEOUT", &timeout),
        ("KAIT_CONNECT_TIMEOUT", "1s"),
        ("KAIT_RETRY_SCHEDULE", r#"["1h"]"#),
        ("KAIT_PLUGINS", &plugins),
        // Lifting a 5 MiB body out of the guest takes longer than 100 ms in debug builds.
        ("KAIT_PLUGIN_DEADLINE", "2s"),
        ("KAIT_ALLOW_PRIVATE_DESTINATIONS", "false"),
        ("KAIT_ALLOW_DESTINATIONS", r#"["127.0.0.1/32"]"#),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_destinations_hold_a_worker_no_longer_than_the_timeout() {
    let kait = kait();
    let cases = [
        (Misbehaviour::NeverAnswers, Some("timeout")),
        (Misbehaviour::TrickledHeaders, Some("timeout")),
        (Misbehaviour::TrickledBody, Some("timeout")),
        (Misbehaviour::ResetHalfway, Some("connection")),
        (Misbehaviour::Gigabyte, None),
    ];
    let rss_before = kait.rss_kib();
    let mut pending = Vec::new();
    for (n, (how, _)) in cases.iter().enumerate() {
        let shop = format!("shop-{n}");
        let key = kait.shop(&shop, "premium").await;
        kait.http_webhook(&shop, &key, &hostile_server(*how).await)
            .await;
        let mut good = Receiver::start().await;
        kait.http_webhook(&shop, &key, &good.url).await;
        let (_, accepted) = kait
            .event(&shop, &key, &event("order.paid", &shop, "evt-1"))
            .await;
        let bad = accepted["deliveries"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        // The healthy webhook of the same event is not held up by the hostile one.
        let arrived =
            tokio::time::timeout(Duration::from_millis(TIMEOUT_MS / 2), good.next()).await;
        assert!(
            arrived.is_ok(),
            "{how:?}: the healthy delivery waited for the hostile one"
        );
        pending.push((shop, key, bad));
    }
    for ((how, kind), (shop, key, bad)) in cases.iter().zip(pending) {
        let delivery = kait
            .delivery_until(&shop, &key, &bad, |d| d["attempts"] == 1)
            .await;
        let attempt = &delivery["attempt_log"][0];
        assert_eq!(
            attempt["error_kind"].as_str(),
            *kind,
            "{how:?}: {attempt:#}"
        );
        let held = attempt["duration_ms"].as_u64().unwrap();
        assert!(
            held < TIMEOUT_MS + 1500,
            "{how:?} held a worker for {held} ms"
        );
        if let Misbehaviour::Gigabyte = how {
            let response = &attempt["requests"][0]["response"];
            assert_eq!(response["truncated"], true);
            assert_eq!(response["body_bytes"], 64 * 1024);
            assert_eq!(response["body"].as_str().unwrap().len(), 16 * 1024);
        }
    }
    let rss_after = kait.rss_kib();
    println!(
        "kait RSS: {} MiB before, {} MiB after a 1 GiB response",
        rss_before / 1024,
        rss_after / 1024
    );
    assert!(
        rss_after < rss_before + 128 * 1024,
        "memory grew from {rss_before} KiB to {rss_after} KiB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plugin_output_is_refused_and_the_host_keeps_going() {
    let kait = kait();
    let mut receiver = Receiver::start().await;
    let key = kait.shop("mirfaith", "premium").await;
    let requests = |request: Value| json!({"mode": "request", "request": request});
    let url = format!("{}/hook", receiver.url);
    let cases = [
        (json!({"mode": "requests"}), "10000 requests; at most 10"),
        (
            requests(json!({"url": url, "body_bytes": 5 * 1024 * 1024 + 1})),
            "at most 5242880 are sent",
        ),
        (
            requests(json!({"url": url, "headers": [["x-a", "1\r\nx-injected: 1"]]})),
            "line break",
        ),
        (
            requests(json!({"url": url, "headers": [["x-a\r\nx-b", "1"]]})),
            "line break",
        ),
        (
            requests(json!({"url": url, "headers": [["Host", "internal.example"]]})),
            "set by the host",
        ),
        (
            requests(json!({"url": url, "headers": [["Transfer-Encoding", "chunked"]]})),
            "set by the host",
        ),
        (
            requests(json!({"url": "ftp://example.com/file"})),
            "scheme is ftp",
        ),
        (
            requests(json!({"url": "https://user:secret@example.com/"})),
            "user name or password",
        ),
        (
            requests(json!({"url": "http://169.254.169.254/latest/meta-data/"})),
            "169.254.0.0/16",
        ),
        (
            requests(json!({"url": "http://[::ffff:10.0.0.1]/"})),
            "10.0.0.0/8",
        ),
    ];
    for (config, why) in cases {
        let hook = kait
            .webhook(
                "mirfaith",
                &key,
                json!({"name": "hostile", "plugin": "hostile", "config": config}),
            )
            .await;
        let path = format!(
            "/v1/shops/mirfaith/webhooks/{}/test",
            hook["id"].as_str().unwrap()
        );
        let (_, tested) = kait.post(&path, &key, json!({})).await;
        let attempt = &tested["attempt_log"][0];
        let error = attempt["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{config}: {attempt:#}");
        assert!(
            matches!(
                attempt["error_kind"].as_str(),
                Some("invalid_request" | "destination_refused")
            ),
            "{attempt:#}"
        );
    }
    assert!(
        receiver.nothing_within(Duration::from_millis(200)).await,
        "nothing hostile was sent"
    );
    let healthy = kait.http_webhook("mirfaith", &key, &url).await;
    let path = format!(
        "/v1/shops/mirfaith/webhooks/{}/test",
        healthy["id"].as_str().unwrap()
    );
    let (_, tested) = kait.post(&path, &key, json!({})).await;
    assert_eq!(tested["status"], "succeeded", "{tested:#}");
    receiver.next().await;
}
