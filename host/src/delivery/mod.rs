//! Delivery: sending one request a plugin asked for, signed, with its credentials,
//! under timeouts and size caps, and describing what happened in a form fit to
//! store (secrets scrubbed, bodies cut to excerpts).
//!
//! Redirects are never followed (each hop would need the guard's checks again, and
//! a POST must not be replayed elsewhere) but read by their meaning: 302 and 303
//! say the receiver processed the request and points at a result page (Google
//! Apps Script web apps answer so), so the request succeeded and the exchange
//! keeps the `Location`; 301, 307 and 308 say it was not processed at this
//! address, so it failed with "moved to …; update the Callback URL". Proxy
//! settings from the environment are ignored. The response body is read up to a
//! cap and the rest discarded.

pub mod checks;
mod google;
pub mod guard;
mod response;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

pub use google::{GoogleError, GoogleTokens};
pub use response::Received;

use crate::config::ServeConfig;
use crate::domain::ErrorKind;
use crate::redact::{mask, masked_url, scrub};
use crate::runtime::{Auth, OutgoingRequest};
use crate::signing;

/// Most bytes of a request or response body kept in the delivery log.
pub const EXCERPT_BYTES: usize = 16 * 1024;

/// What the `webhook-*` headers of one message are made from.
pub struct Signer<'a> {
    /// The message id: `webhook-id` (the delivery's id, plus `.n` for request n
    /// of several).
    pub id: &'a str,
    /// The `whsec_…` secrets to sign with: the webhook's current one, then its
    /// previous one while a rotation's overlap lasts.
    pub secrets: &'a [&'a str],
    /// Unix seconds: `webhook-timestamp`.
    pub timestamp: i64,
}

/// A request as it was sent, secrets scrubbed.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// HTTP method.
    pub method: String,
    /// The URL the plugin gave.
    pub url: String,
    /// Headers as sent (credentials masked).
    pub headers: Vec<(String, String)>,
    /// The body's first bytes, as text.
    pub body: String,
    /// The body's full size.
    pub body_bytes: usize,
}

/// One request and what came of it.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// What was sent.
    pub request: Sent,
    /// What came back, if anything did.
    pub response: Option<Received>,
    /// How long it took.
    pub duration_ms: u64,
    /// What kind of failure: `invalid_request`, `destination_refused`,
    /// `credentials`, `connect`, `timeout`, `connection` or `http_status`.
    pub error_kind: Option<ErrorKind>,
    /// The failure, in words.
    pub error: Option<String>,
    /// Where a 3xx answer pointed (its `Location`, secrets scrubbed): the result
    /// page of a 302/303, or the new address of a 301/307/308.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirected_to: Option<String>,
    /// How long the destination asked us to wait before trying again.
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl Exchange {
    /// Whether the request succeeded (2xx, 302 or 303).
    pub fn succeeded(&self) -> bool {
        self.error_kind.is_none()
    }

    /// Whether the destination answered 410 Gone.
    pub fn gone(&self) -> bool {
        self.response.as_ref().is_some_and(|r| r.status == 410)
    }

    fn failed(mut self, kind: ErrorKind, error: String) -> Self {
        self.error_kind = Some(kind);
        self.error = Some(error);
        self
    }
}

/// Sends plugin requests. Cheap to clone.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    tokens: GoogleTokens,
    upstreams: Vec<(String, String)>,
    max_response_bytes: usize,
    policy: guard::Policy,
    lookup: Arc<dyn guard::Lookup>,
}

impl Sender {
    /// A sender with the settings' timeouts, caps, upstream overrides and token URL.
    pub fn new(config: &ServeConfig) -> Result<Self, reqwest::Error> {
        Self::with_lookup(config, Arc::new(guard::SystemLookup))
    }

    /// [`Sender::new`] resolving host names with `lookup` (a stub in tests).
    pub fn with_lookup(
        config: &ServeConfig,
        lookup: Arc<dyn guard::Lookup>,
    ) -> Result<Self, reqwest::Error> {
        let policy = guard::Policy {
            allow_private: config.allow_private_destinations,
            allow: config.allow_destinations.clone(),
            https_only: config.https_only,
        };
        let resolver = guard::GuardedResolver::new(policy.clone(), lookup.clone());
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(resolver))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("kait/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            tokens: GoogleTokens::new(client.clone(), config.google_token_url.clone()),
            client,
            upstreams: config
                .upstreams
                .iter()
                .map(|(from, to)| {
                    (
                        from.trim_end_matches('/').to_string(),
                        to.trim_end_matches('/').to_string(),
                    )
                })
                .collect(),
            max_response_bytes: config.max_response_bytes,
            policy,
            lookup,
        })
    }

    /// Why a request to `url` would be refused by the guard, as sending it would
    /// find (after the upstream override; a host name is looked up with the same
    /// resolver), without sending anything. A lookup that fails is not a
    /// refusal here: it may work when the request is sent.
    pub async fn refusal(&self, url: &str) -> Option<guard::Refused> {
        let url = reqwest::Url::parse(&self.route(url)).ok()?;
        if let Err(refused) = self.policy.check_url(&url) {
            return Some(refused);
        }
        let Some(url::Host::Domain(host)) = url.host() else {
            return None;
        };
        let resolver = guard::GuardedResolver::new(self.policy.clone(), self.lookup.clone());
        match resolver.check(host).await {
            Err(guard::Refused::Lookup { .. }) | Ok(()) => None,
            Err(refused) => Some(refused),
        }
    }

    /// Sends one request, signed, with its credentials; `secrets` are scrubbed from
    /// what is returned.
    pub async fn send(
        &self,
        request: &OutgoingRequest,
        signer: &Signer<'_>,
        secrets: &[String],
    ) -> Exchange {
        let started = Instant::now();
        let mut secrets = secrets.to_vec();
        let mut exchange = Exchange {
            request: Sent {
                method: request.method.clone(),
                url: request.url.clone(),
                headers: Vec::new(),
                body: excerpt(&request.body),
                body_bytes: request.body.len(),
            },
            response: None,
            duration_ms: 0,
            error_kind: None,
            error: None,
            redirected_to: None,
            retry_after: None,
        };
        let prepared = self.prepare(request, signer, &mut secrets).await;
        exchange.request.headers = match &prepared {
            Ok((_, _, headers)) => shown(headers),
            Err(_) => request.headers.clone(),
        };
        exchange = match prepared {
            Err((kind, error)) => exchange.failed(kind, error),
            Ok((method, url, headers)) => {
                let sent = self
                    .client
                    .request(method, url)
                    .headers(headers)
                    .body(request.body.clone())
                    .send()
                    .await;
                match sent {
                    Err(error) => {
                        let (kind, text) = classify(&error);
                        exchange.failed(kind, text)
                    }
                    Ok(response) => {
                        let received = response::read(response, self.max_response_bytes).await;
                        exchange.retry_after = received.retry_after();
                        let (redirected_to, judged) = received.judge(&request.url);
                        let error = received.error.clone();
                        exchange.response = Some(received);
                        exchange.redirected_to = redirected_to;
                        match (error, judged) {
                            (Some(error), _) => exchange.failed(classify_body(&error), error),
                            (None, Ok(())) => exchange,
                            (None, Err(error)) => exchange.failed(ErrorKind::HttpStatus, error),
                        }
                    }
                }
            }
        };
        exchange.duration_ms = started.elapsed().as_millis() as u64;
        scrub_exchange(&mut exchange, &secrets);
        exchange
    }

    async fn prepare(
        &self,
        request: &OutgoingRequest,
        signer: &Signer<'_>,
        secrets: &mut Vec<String>,
    ) -> Result<(reqwest::Method, reqwest::Url, HeaderMap), (ErrorKind, String)> {
        let invalid = |m: String| (ErrorKind::InvalidRequest, m);
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| invalid(format!("invalid method {:?}", request.method)))?;
        let url = reqwest::Url::parse(&self.route(&request.url))
            .map_err(|e| invalid(format!("invalid URL: {e}")))?;
        self.policy
            .check_url(&url)
            .map_err(|refused| (ErrorKind::DestinationRefused, refused.to_string()))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("invalid header name {name:?}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("invalid value for header {name}")))?;
            headers.append(name, value);
        }
        if let Some(auth) = &request.auth {
            let token = match auth {
                Auth::Bearer(token) => token.clone(),
                Auth::GoogleServiceAccount(creds) => self
                    .tokens
                    .token(&creds.key_json, &creds.scopes, signer.timestamp)
                    .await
                    .map_err(|e| (ErrorKind::Credentials, e.to_string()))?,
            };
            secrets.push(token.clone());
            let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                (
                    ErrorKind::Credentials,
                    "the bearer token is not a valid header value".to_string(),
                )
            })?;
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let signature =
            signing::sign_each(signer.secrets, signer.id, signer.timestamp, &request.body)
                .map_err(|e| invalid(e.to_string()))?;
        for (name, value) in [
            ("webhook-id", signer.id.to_string()),
            ("webhook-timestamp", signer.timestamp.to_string()),
            ("webhook-signature", signature),
        ] {
            headers.insert(
                name,
                HeaderValue::from_str(&value).map_err(|e| invalid(e.to_string()))?,
            );
        }
        Ok((method, url, headers))
    }

    /// The URL to dial: the plugin's, or its upstream override.
    fn route(&self, url: &str) -> String {
        for (from, to) in &self.upstreams {
            if let Some(rest) = url.strip_prefix(from.as_str())
                && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            {
                return format!("{to}{rest}");
            }
        }
        url.to_string()
    }
}

fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(EXCERPT_BYTES)];
    match std::str::from_utf8(cut) {
        Ok(text) => text.to_string(),
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&cut[..e.valid_up_to()]).into_owned()
        }
        Err(_) => format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(cut)
        ),
    }
}

fn shown(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("<binary>");
            let value = if name == reqwest::header::AUTHORIZATION {
                match value.split_once(' ') {
                    Some((scheme, token)) => format!("{scheme} {}", mask(token)),
                    None => mask(value),
                }
            } else {
                value.to_string()
            };
            (name.to_string(), value)
        })
        .collect()
}

fn scrub_exchange(exchange: &mut Exchange, secrets: &[String]) {
    let request = &mut exchange.request;
    request.url = scrub(&request.url, secrets);
    request.body = scrub(&request.body, secrets);
    for (_, value) in &mut request.headers {
        *value = scrub(value, secrets);
    }
    for text in [&mut exchange.error, &mut exchange.redirected_to]
        .into_iter()
        .flatten()
    {
        *text = scrub(text, secrets);
    }
    // A destination's own secrets in where it points (Apps Script's
    // `user_content_key=…`) are masked like a Callback URL's.
    if let Some(location) = &mut exchange.redirected_to {
        *location = masked_url(location);
    }
    if let Some(response) = &mut exchange.response {
        response.body = scrub(&response.body, secrets);
        for (_, value) in &mut response.headers {
            *value = scrub(value, secrets);
        }
    }
}

fn classify(error: &reqwest::Error) -> (ErrorKind, String) {
    use std::error::Error as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    if let Some(refused) = guard::refusal(error) {
        return (ErrorKind::DestinationRefused, refused.to_string());
    }
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else if error.is_connect() {
        ErrorKind::Connect
    } else {
        ErrorKind::Connection
    };
    (kind, text)
}

fn classify_body(error: &str) -> ErrorKind {
    if error.contains("timed out") {
        ErrorKind::Timeout
    } else {
        ErrorKind::Connection
    }
}

#[cfg(test)]
mod tests;
