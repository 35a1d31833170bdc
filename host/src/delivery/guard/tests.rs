use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use ipnet::IpNet;
use reqwest::Response;
use reqwest::dns::Resolve as _;

use super::*;

/// Every block-list range, written out here rather than read from `RULES` so that a typo
/// in either shows up.
const BLOCKED: &str = "0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16
    172.16.0.0/12 192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15
    198.51.100.0/24 203.0.113.0/24 224.0.0.0/4 240.0.0.0/4 255.255.255.255/32
    ::/128 ::1/128 ::ffff:0:0/96 64:ff9b::/96 64:ff9b:1::/48 100::/64 2001::/32
    2001:db8::/32 2002::/16 fc00::/7 fe80::/10 ff00::/8 fd00:ec2::254/128";

const PUBLIC: &str = "1.1.1.1 8.8.8.8 93.184.216.34 2606:4700:4700::1111
    2a00:1450:4001:81c::200e ::ffff:1.1.1.1";

fn blocked() -> impl Iterator<Item = IpNet> {
    BLOCKED.split_whitespace().map(net)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// The first, a middle and the last address of `range`.
fn samples(range: IpNet) -> [IpAddr; 3] {
    match range {
        IpNet::V4(n) => {
            let (lo, hi) = (u32::from(n.network()), u32::from(n.broadcast()));
            [lo, lo + (hi - lo) / 2, hi].map(|a| IpAddr::V4(Ipv4Addr::from(a)))
        }
        IpNet::V6(n) => {
            let (lo, hi) = (u128::from(n.network()), u128::from(n.broadcast()));
            [lo, lo + (hi - lo) / 2, hi].map(|a| IpAddr::V6(Ipv6Addr::from(a)))
        }
    }
}

fn blocked_by(policy: &Policy, addr: IpAddr) -> (IpAddr, IpNet) {
    match policy.check_ip(addr) {
        Err(Refused::Blocked { addr, range, .. }) => (addr, range),
        other => panic!("{addr}: expected Blocked, got {other:?}"),
    }
}

#[test]
fn the_table_lists_exactly_the_block_list() {
    let mut ours: Vec<IpNet> = RULES.iter().map(|r| r.net).collect();
    let mut listed: Vec<IpNet> = blocked().collect();
    ours.sort();
    listed.sort();
    assert_eq!(ours, listed);
}

#[test]
fn every_blocked_range_is_refused_from_first_to_last_address() {
    let policy = Policy::default();
    for range in blocked() {
        for addr in samples(range) {
            let (checked, hit) = blocked_by(&policy, addr);
            if range == net("::ffff:0:0/96") {
                // Checked as the IPv4 address inside, by the IPv4 rule.
                let IpAddr::V6(v6) = addr else { unreachable!() };
                let v4 = IpAddr::V4(v6.to_ipv4_mapped().unwrap());
                assert_eq!(checked, v4);
                assert!(hit.contains(&v4) && hit.addr().is_ipv4(), "{addr}: {hit}");
            } else {
                // A narrower listed range inside this one names it instead
                // (255.255.255.255/32 inside 240.0.0.0/4).
                assert_eq!(checked, addr);
                assert!(
                    hit == range || range.contains(&hit),
                    "{addr}: {hit}, not {range}"
                );
            }
        }
    }
}

#[test]
fn public_addresses_are_allowed() {
    for addr in PUBLIC.split_whitespace() {
        assert_eq!(Policy::default().check_ip(ip(addr)), Ok(()), "{addr}");
    }
}

#[test]
fn mapped_addresses_are_checked_as_ipv4_and_metadata_is_refused() {
    let policy = Policy::default();
    let cases = [
        ("::ffff:127.0.0.1", "127.0.0.1", "127.0.0.0/8"),
        ("::ffff:10.0.0.1", "10.0.0.1", "10.0.0.0/8"),
        ("169.254.169.254", "169.254.169.254", "169.254.0.0/16"),
        ("fd00:ec2::254", "fd00:ec2::254", "fd00:ec2::254/128"),
    ];
    for (given, checked, range) in cases {
        assert_eq!(blocked_by(&policy, ip(given)), (ip(checked), net(range)));
    }
    for (addr, message) in [
        (
            "fd00:ec2::254",
            "fd00:ec2::254 is in fd00:ec2::254/128 (cloud metadata)",
        ),
        ("::ffff:127.0.0.1", "127.0.0.1 is in 127.0.0.0/8 (loopback)"),
    ] {
        let refused = policy.check_ip(ip(addr)).unwrap_err().to_string();
        assert_eq!(
            refused,
            format!("{message}, which destinations may not use")
        );
    }
}

#[test]
fn allow_private_and_allow_list_lift_the_rules() {
    let open = Policy {
        allow_private: true,
        ..Policy::default()
    };
    for range in blocked() {
        for addr in samples(range) {
            assert_eq!(open.check_ip(addr), Ok(()), "{addr}");
        }
    }
    let loopback = loopback_allowed();
    assert_eq!(loopback.check_ip(ip("127.0.0.1")), Ok(()));
    assert_eq!(loopback.check_ip(ip("::ffff:127.0.0.1")), Ok(()));
    assert_eq!(blocked_by(&loopback, ip("10.0.0.1")).1, net("10.0.0.0/8"));
}

#[test]
fn check_url_refuses_bad_schemes_userinfo_plain_http_and_blocked_literals() {
    let open = Policy::default();
    let strict = Policy {
        https_only: true,
        ..Policy::default()
    };
    let blocked = |addr| open.check_ip(ip(addr));
    let cases = [
        (&open, "ftp://x", Err(Refused::Scheme("ftp".into()))),
        (&open, "http://user:pw@example.com", Err(Refused::UserInfo)),
        (&open, "http://user@example.com", Err(Refused::UserInfo)),
        (&strict, "http://example.com", Err(Refused::HttpsRequired)),
        (&open, "https://example.com/x", Ok(())),
        (&strict, "https://example.com/x", Ok(())),
        (&open, "http://1.1.1.1/", Ok(())),
        (&open, "http://127.0.0.1:8080/", blocked("127.0.0.1")),
        (&open, "http://[::1]/", blocked("::1")),
        (&open, "http://[::ffff:7f00:1]/", blocked("127.0.0.1")),
        (
            &open,
            "http://169.254.169.254/latest/meta-data",
            blocked("169.254.169.254"),
        ),
        // url reads the decimal and hex IPv4 spellings as the address they spell.
        (&open, "http://2130706433/", blocked("127.0.0.1")),
        (&open, "http://0x7f.1/", blocked("127.0.0.1")),
    ];
    assert!(matches!(blocked("::1"), Err(Refused::Blocked { .. })));
    for (policy, url, expected) in cases {
        assert_eq!(policy.check_url(&url.parse().unwrap()), expected, "{url}");
    }
}

/// Answers from a fixed table and counts how often it was asked.
struct Stub {
    hosts: HashMap<&'static str, Vec<IpAddr>>,
    asked: AtomicUsize,
}

impl Stub {
    /// `hosts`: each name with its addresses, space-separated.
    fn with(hosts: &[(&'static str, &str)]) -> Arc<Self> {
        let hosts = hosts
            .iter()
            .map(|(h, a)| (*h, a.split_whitespace().map(ip).collect()));
        let asked = AtomicUsize::new(0);
        Arc::new(Stub {
            hosts: hosts.collect(),
            asked,
        })
    }
}

impl Lookup for Stub {
    fn lookup(&self, host: &str) -> LookupFuture {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let found = self.hosts.get(host).cloned();
        let host = host.to_owned();
        Box::pin(async move {
            found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host}: unknown")))
        })
    }
}

async fn fetch(policy: Policy, lookup: Arc<dyn Lookup>, url: &str) -> reqwest::Result<Response> {
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver::new(policy, lookup)))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    client.get(url).send().await
}

fn loopback_allowed() -> Policy {
    Policy {
        allow: vec![net("127.0.0.0/8")],
        ..Policy::default()
    }
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

/// Serves `app` on 127.0.0.1; the counter counts accepted connections.
async fn serve(app: Router) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let listener = listener.tap_io(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, accepted)
}

#[tokio::test]
async fn the_resolver_returns_only_allowed_addresses_and_a_refusal_otherwise() {
    let stub = Stub::with(&[
        ("mixed.test", "10.0.0.1 93.184.216.34 127.0.0.1"),
        ("private.test", "10.0.0.1 ::1 ::ffff:192.168.1.1"),
    ]);
    let resolver = GuardedResolver::new(Policy::default(), stub.clone());
    let addrs = resolver
        .resolve("mixed.test".parse().unwrap())
        .await
        .unwrap();
    let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
    assert_eq!(ips, [ip("93.184.216.34")]);

    let err = fetch(Policy::default(), stub, "http://private.test/")
        .await
        .unwrap_err();
    let refused = refusal(&err).unwrap_or_else(|| panic!("no refusal in {err:?}"));
    let refused_ips = vec![ip("10.0.0.1"), ip("::1"), ip("::ffff:192.168.1.1")];
    let host = "private.test".to_owned();
    assert_eq!(
        *refused,
        Refused::NoAllowedAddress {
            host,
            refused: refused_ips
        }
    );
    assert_eq!(
        refused.to_string(),
        "private.test resolves only to addresses destinations may not use: \
         10.0.0.1 (private), ::1 (loopback), ::ffff:192.168.1.1 (private)"
    );

    let err = fetch(Policy::default(), Stub::with(&[]), "https://nowhere.test/").await;
    let refused = refusal(err.as_ref().unwrap_err()).cloned();
    assert!(matches!(refused, Some(Refused::Lookup { host, .. }) if host == "nowhere.test"));
}

#[tokio::test]
async fn only_checked_addresses_are_dialled() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let hello = move || async move {
        counter.fetch_add(1, Ordering::SeqCst);
        "hello"
    };
    let (port, accepted) = serve(Router::new().route("/", get(hello))).await;
    let stub = Stub::with(&[("public.test", "127.0.0.1")]);
    let url = format!("http://public.test:{port}/");

    let ok = fetch(loopback_allowed(), stub.clone(), &url).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.text().await.unwrap(), "hello");
    assert_eq!((count(&hits), count(&accepted)), (1, 1));

    let err = fetch(Policy::default(), stub, &url).await.unwrap_err();
    assert!(
        matches!(refusal(&err), Some(Refused::NoAllowedAddress { .. })),
        "{err:?}"
    );
    // Refused before any socket was opened, so not even a connection arrived.
    assert_eq!((count(&hits), count(&accepted)), (1, 1));
}

#[tokio::test]
async fn ip_literals_bypass_the_resolver_so_check_url_is_needed() {
    let (port, accepted) = serve(Router::new().route("/", get(|| async { "hello" }))).await;
    let stub = Stub::with(&[]);
    let url = format!("http://127.0.0.1:{port}/");
    let refused = Policy::default().check_url(&url.parse().unwrap());
    assert!(
        matches!(refused, Err(Refused::Blocked { .. })),
        "{refused:?}"
    );
    // Without that check the request goes through and the resolver is never asked.
    let res = fetch(Policy::default(), stub.clone(), &url).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!((count(&stub.asked), count(&accepted)), (0, 1));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let secret = Router::new().route("/secret", get(|| async { "secret" }));
    let (secret_port, secret_accepted) = serve(secret).await;
    let target = format!("http://127.0.0.1:{secret_port}/secret");
    let location = target.clone();
    let redirect = move || async move { (StatusCode::FOUND, [(header::LOCATION, location)]) };
    let (port, _) = serve(Router::new().route("/", get(redirect))).await;
    let stub = Stub::with(&[("hop.test", "127.0.0.1")]);

    let url = format!("http://hop.test:{port}/");
    let res = fetch(loopback_allowed(), stub, &url).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], target.as_str());
    assert_eq!(count(&secret_accepted), 0);
}

#[tokio::test]
async fn the_system_lookup_finds_localhost_and_the_guard_refuses_it() {
    let found = SystemLookup.lookup("localhost").await.unwrap();
    assert!(
        !found.is_empty() && found.iter().all(|a| a.is_loopback()),
        "{found:?}"
    );
    let resolver = GuardedResolver::new(Policy::default(), Arc::new(SystemLookup));
    let Err(err) = resolver.resolve("localhost".parse().unwrap()).await else {
        panic!("localhost was allowed")
    };
    assert!(
        matches!(refusal(&*err), Some(Refused::NoAllowedAddress { .. })),
        "{err}"
    );
}
