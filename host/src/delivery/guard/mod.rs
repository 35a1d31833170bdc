//! The SSRF guard: which addresses a delivery may connect to.
//!
//! Every destination host is resolved here, not by the HTTP client: [`GuardedResolver`]
//! looks the name up once, checks every address against the block-list below, and hands
//! the client only the allowed ones. The client connects to those and nothing else, so a
//! second lookup (DNS rebinding) has no chance to slip a private address in.
//!
//! reqwest does not call the resolver for IP-literal URLs, so [`Policy::check_url`] must
//! be called on every URL before it is requested; it also enforces the scheme rules.
//! The client must be built with `.no_proxy()` (a proxy would resolve the destination
//! itself) and must not follow redirects (each hop would need these checks again).
//!
//! IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are checked, and dialled, as the IPv4
//! address they carry. Zone (scope) ids never reach the checks: addresses are compared bare.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which destinations are allowed.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Allow every private/reserved range (local development and tests).
    pub allow_private: bool,
    /// Ranges allowed even though the block-list has them.
    pub allow: Vec<IpNet>,
    /// Refuse plain http.
    pub https_only: bool,
}

/// Why a destination is refused. The messages are shown to merchants, so each names the
/// host or address and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The URL's scheme is neither http nor https.
    #[error("the scheme {0:?} is not allowed; destinations must use http or https")]
    Scheme(String),
    /// The URL is plain http and the policy requires https.
    #[error("destinations must use https")]
    HttpsRequired,
    /// The URL carries a user name or password (`user:password@host`).
    #[error("destination URLs may not carry a user name or password; use a header instead")]
    UserInfo,
    /// The URL has no host.
    #[error("the destination URL has no host")]
    NoHost,
    /// The address is in a blocked range.
    #[error("{addr} is in {range} ({name}), which destinations may not use")]
    Blocked {
        /// The address, as checked (IPv4-mapped IPv6 converted to IPv4).
        addr: IpAddr,
        /// The blocked range it is in.
        range: IpNet,
        /// What the range is, e.g. "loopback" or "cloud metadata".
        name: &'static str,
    },
    /// Every address the host resolved to is blocked.
    #[error("{host} resolves only to addresses destinations may not use: {}", describe(.refused))]
    NoAllowedAddress {
        /// The host name as it was looked up.
        host: String,
        /// The addresses it resolved to, all of them refused.
        refused: Vec<IpAddr>,
    },
    /// The host could not be looked up.
    #[error("could not look up {host}: {message}")]
    Lookup {
        /// The host name as it was looked up.
        host: String,
        /// What the resolver said.
        message: String,
    },
}

struct Rule {
    net: IpNet,
    name: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8, name: &'static str) -> Rule {
    let net = IpNet::new_assert(IpAddr::V4(Ipv4Addr::new(a, b, c, d)), len);
    Rule { net, name }
}

const fn v6(s: [u16; 8], len: u8, name: &'static str) -> Rule {
    let addr = Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    Rule {
        net: IpNet::new_assert(IpAddr::V6(addr), len),
        name,
    }
}

/// The block-list. The first match names the refusal, so a narrow rule comes before a
/// wider one that contains it (broadcast sits inside 240.0.0.0/4, the EC2 metadata
/// address inside fc00::/7).
const RULES: &[Rule] = &[
    v4(0, 0, 0, 0, 8, "this network"),
    v4(10, 0, 0, 0, 8, "private"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "shared address space (carrier-grade NAT)",
    ),
    v4(127, 0, 0, 0, 8, "loopback"),
    v4(169, 254, 0, 0, 16, "link-local, cloud metadata"),
    v4(172, 16, 0, 0, 12, "private"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignments"),
    v4(192, 0, 2, 0, 24, "documentation"),
    v4(192, 88, 99, 0, 24, "6to4 relay anycast"),
    v4(192, 168, 0, 0, 16, "private"),
    v4(198, 18, 0, 0, 15, "benchmarking"),
    v4(198, 51, 100, 0, 24, "documentation"),
    v4(203, 0, 113, 0, 24, "documentation"),
    v4(224, 0, 0, 0, 4, "multicast"),
    v4(255, 255, 255, 255, 32, "broadcast"),
    v4(240, 0, 0, 0, 4, "reserved"),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
    // Unreachable after conversion to IPv4; kept so that a change to the conversion
    // fails closed.
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped"),
    v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, "NAT64"),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "NAT64 (local use)"),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo"),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4"),
    v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128, "cloud metadata"),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local (private)"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
];

fn rule_for(addr: IpAddr) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.net.contains(&addr))
}

/// "10.0.0.1 (private), 127.0.0.1 (loopback)": each refused address with the rule that
/// refused it. An allow-list only lifts rules, so the block-list alone finds it again.
fn describe(addrs: &[IpAddr]) -> String {
    let each = addrs
        .iter()
        .map(|addr| match rule_for(addr.to_canonical()) {
            Some(rule) => format!("{addr} ({})", rule.name),
            None => addr.to_string(),
        });
    each.collect::<Vec<_>>().join(", ")
}

impl Policy {
    /// The block rule that refuses `addr` (after IPv4-mapped conversion), if any and
    /// unless this policy allows it.
    pub fn check_ip(&self, addr: IpAddr) -> Result<(), Refused> {
        let addr = addr.to_canonical();
        if self.allow_private {
            return Ok(());
        }
        let Some(rule) = rule_for(addr) else {
            return Ok(());
        };
        if self.allow.iter().any(|net| net.contains(&addr)) {
            return Ok(());
        }
        Err(Refused::Blocked {
            addr,
            range: rule.net,
            name: rule.name,
        })
    }

    /// Scheme, userinfo, https-only, and IP-literal hosts (checked with
    /// [`check_ip`](Self::check_ip)). Hostnames pass here; [`GuardedResolver`] checks
    /// what they resolve to.
    pub fn check_url(&self, url: &url::Url) -> Result<(), Refused> {
        match url.scheme() {
            "https" => {}
            "http" if self.https_only => return Err(Refused::HttpsRequired),
            "http" => {}
            other => return Err(Refused::Scheme(other.to_owned())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::UserInfo);
        }
        // url parses every IPv4 spelling (decimal, octal, hex) into Host::Ipv4, and
        // reqwest connects to exactly that, so checking the parsed host is enough.
        match url.host() {
            None => Err(Refused::NoHost),
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => Ok(()),
        }
    }
}

/// The future a [`Lookup`] returns: every address the host resolves to.
pub type LookupFuture = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Looks up a host's addresses. The system resolver in production; a stub in tests.
pub trait Lookup: Send + Sync + 'static {
    /// All addresses `host` resolves to.
    fn lookup(&self, host: &str) -> LookupFuture;
}

/// The system resolver (`tokio::net::lookup_host` with port 0).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        let host = host.to_owned();
        Box::pin(async move {
            let mut addrs = Vec::new();
            // getaddrinfo answers once per socket type, so the same address repeats.
            for addr in tokio::net::lookup_host((host, 0)).await? {
                if !addrs.contains(&addr.ip()) {
                    addrs.push(addr.ip());
                }
            }
            Ok(addrs)
        })
    }
}

/// A reqwest resolver that resolves with a [`Lookup`], drops blocked addresses, and fails
/// with [`Refused::NoAllowedAddress`] (boxed as the resolver's error; find it again with
/// [`refusal`]) when none is left.
#[derive(Clone)]
pub struct GuardedResolver {
    policy: Arc<Policy>,
    lookup: Arc<dyn Lookup>,
}

impl GuardedResolver {
    /// A resolver that checks every address `lookup` returns against `policy`.
    pub fn new(policy: Policy, lookup: Arc<dyn Lookup>) -> Self {
        Self {
            policy: Arc::new(policy),
            lookup,
        }
    }

    /// Looks `host` up and checks its addresses as a connection would, without
    /// connecting: `Ok` when at least one address is allowed.
    pub async fn check(&self, host: &str) -> Result<(), Refused> {
        let looking = self.lookup.lookup(host);
        Self::allowed(Arc::clone(&self.policy), host.to_owned(), looking)
            .await
            .map(drop)
    }

    async fn allowed(
        policy: Arc<Policy>,
        host: String,
        looking: LookupFuture,
    ) -> Result<Vec<IpAddr>, Refused> {
        let found = looking.await.map_err(|e| Refused::Lookup {
            host: host.clone(),
            message: e.to_string(),
        })?;
        if found.is_empty() {
            let message = "no addresses found".to_owned();
            return Err(Refused::Lookup { host, message });
        }
        let (allowed, refused): (Vec<IpAddr>, Vec<IpAddr>) = found
            .into_iter()
            .partition(|ip| policy.check_ip(*ip).is_ok());
        if allowed.is_empty() {
            return Err(Refused::NoAllowedAddress { host, refused });
        }
        Ok(allowed)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let looking = self.lookup.lookup(&host);
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let allowed = Self::allowed(policy, host, looking).await?;
            // Dial the address that was checked: the IPv4 one for a mapped address.
            // Port 0: reqwest puts in the URL's port, or the scheme's default.
            let addrs = allowed
                .into_iter()
                .map(|ip| SocketAddr::new(ip.to_canonical(), 0));
            let addrs: Addrs = Box::new(addrs);
            Ok::<_, Box<dyn StdError + Send + Sync>>(addrs)
        })
    }
}

/// The [`Refused`] inside an error chain, such as a `reqwest::Error` whose connect failed
/// because the guard refused every address.
pub fn refusal<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a Refused> {
    std::iter::successors(Some(error), |&e| e.source()).find_map(|e| e.downcast_ref())
}

#[cfg(test)]
mod tests;
