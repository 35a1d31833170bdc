//! Google service-account credentials: minting and caching OAuth access tokens.
//!
//! A plugin can mark an outbound request as needing a service account; the host then
//! owns the key, signs the JWT grant, exchanges it for an access token and attaches
//! `Authorization: Bearer <token>`. Tokens are cached per key and scope set so a busy
//! route does not hit Google's token endpoint on every delivery.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, Once};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Google rejects assertions that live longer than an hour.
const ASSERTION_LIFETIME_SECS: i64 = 3600;
/// Refresh a little early so a token cannot expire while its request is in flight.
const REFRESH_MARGIN_SECS: i64 = 60;
const MAX_RESPONSE_BYTES: usize = 64 * 1024;
const MAX_DETAIL_CHARS: usize = 200;

/// Mints and caches Google OAuth access tokens for service-account keys.
#[derive(Clone)]
pub struct GoogleTokens {
    client: reqwest::Client,
    token_url: Option<String>,
    cache: Arc<Mutex<HashMap<CacheKey, CachedToken>>>,
}

/// Identifies a key by a digest of its private key, so the raw secret is not kept around
/// as a map key (and a rotated key under the same id never reuses the old token).
#[derive(Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    client_email: String,
    key_digest: [u8; 32],
    scopes: String,
}

struct CachedToken {
    access_token: String,
    expires_at: i64,
}

/// Why no token could be had. Messages must never contain the private key, the JWT, or
/// the access token.
#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    /// The key is not a service-account JSON key (names the missing or bad field).
    #[error("invalid service-account key: {0}")]
    InvalidKey(String),
    /// The token endpoint could not be reached or timed out.
    #[error("token endpoint unreachable: {0}")]
    Unreachable(String),
    /// The token endpoint refused (status and at most 200 chars of its
    /// `error`/`error_description`).
    #[error("token endpoint refused: {0}")]
    Refused(String),
}

struct ServiceAccountKey {
    client_email: String,
    private_key: String,
    private_key_id: Option<String>,
    token_uri: Option<String>,
}

impl ServiceAccountKey {
    /// Goes through `Value` rather than a typed struct because serde's type errors quote
    /// the offending value, which here could be the private key itself.
    fn parse(key_json: &str) -> Result<Self, GoogleError> {
        let value: serde_json::Value = serde_json::from_str(key_json).map_err(|e| {
            GoogleError::InvalidKey(format!(
                "not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let obj = value
            .as_object()
            .ok_or_else(|| GoogleError::InvalidKey("not a JSON object".into()))?;
        let optional = |field: &str| -> Result<Option<String>, GoogleError> {
            match obj.get(field) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(_) => Err(GoogleError::InvalidKey(format!(
                    "`{field}` must be a non-empty string"
                ))),
            }
        };
        let required = |field: &str| {
            optional(field)?.ok_or_else(|| GoogleError::InvalidKey(format!("missing `{field}`")))
        };
        Ok(Self {
            client_email: required("client_email")?,
            private_key: required("private_key")?,
            private_key_id: optional("private_key_id")?,
            token_uri: optional("token_uri")?,
        })
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<i64>,
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

/// jsonwebtoken 10 picks its crypto backend from crate features and panics if it cannot;
/// naming AWS-LC explicitly keeps signing working even if feature unification ever
/// turns on a second backend. A provider someone else installed first is fine too.
fn ensure_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    });
}

impl GoogleTokens {
    /// `token_url`: where to exchange the signed JWT. `None` uses the key's own
    /// `token_uri`, or `https://oauth2.googleapis.com/token` if the key has none.
    /// Tests pass a local fake.
    pub fn new(client: reqwest::Client, token_url: Option<String>) -> Self {
        Self {
            client,
            token_url,
            cache: Arc::default(),
        }
    }

    /// An access token for `key_json` (the service account's JSON key text) and `scopes`:
    /// from the cache while it has more than 60 s left, otherwise freshly minted through
    /// the JWT-bearer grant (RS256 assertion, one hour lifetime). `now_unix` is the
    /// current Unix time in seconds, injected so tests control the clock.
    pub async fn token(
        &self,
        key_json: &str,
        scopes: &[String],
        now_unix: i64,
    ) -> Result<String, GoogleError> {
        let key = ServiceAccountKey::parse(key_json)?;
        let scope = scopes.join(" ");
        let cache_key = CacheKey {
            client_email: key.client_email.clone(),
            key_digest: Sha256::digest(key.private_key.as_bytes()).into(),
            scopes: scope.clone(),
        };
        if let Some(hit) = self.lock_cache().get(&cache_key)
            && hit.expires_at - now_unix > REFRESH_MARGIN_SECS
        {
            return Ok(hit.access_token.clone());
        }

        let url = self
            .token_url
            .as_deref()
            .or(key.token_uri.as_deref())
            .unwrap_or(DEFAULT_TOKEN_URL);
        let assertion = sign_assertion(&key, &scope, url, now_unix)?;
        let minted = self.exchange(url, &assertion).await?;
        let expires_at =
            now_unix.saturating_add(minted.expires_in.unwrap_or(ASSERTION_LIFETIME_SECS));

        let mut cache = self.lock_cache();
        // Dropping dead entries here bounds the map by the keys in actual use.
        cache.retain(|_, t| t.expires_at > now_unix);
        cache.insert(
            cache_key,
            CachedToken {
                access_token: minted.access_token.clone(),
                expires_at,
            },
        );
        Ok(minted.access_token)
    }

    /// A panic elsewhere cannot leave a half-written entry, so a poisoned lock is usable.
    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, CachedToken>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn exchange(&self, url: &str, assertion: &str) -> Result<TokenResponse, GoogleError> {
        let mut response = self
            .client
            .post(url)
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)])
            .send()
            .await
            .map_err(|e| GoogleError::Unreachable(error_chain(&e)))?;
        let status = response.status();

        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| GoogleError::Unreachable(error_chain(&e)))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }

        let refused = |detail: &str| {
            let status = status.as_u16();
            GoogleError::Refused(match detail {
                "" => format!("HTTP {status}"),
                _ => format!("HTTP {status}: {detail}"),
            })
        };
        if !status.is_success() {
            let reason = serde_json::from_slice::<ErrorResponse>(&body)
                .map(|e| [e.error, e.error_description].into_iter().flatten())
                .map(|parts| parts.collect::<Vec<_>>().join(": "))
                .unwrap_or_default();
            let reason: String = reason.chars().take(MAX_DETAIL_CHARS).collect();
            return Err(refused(&reason));
        }
        if truncated {
            return Err(refused(&format!(
                "response over {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        // serde's message could quote the token, so only say that the shape was wrong.
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|_| refused("malformed token response"))?;
        if parsed
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(refused("token_type is not Bearer"));
        }
        // It goes into a header verbatim; an unusable value is better caught here.
        let token = &parsed.access_token;
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(refused("access_token is not a header-safe value"));
        }
        Ok(parsed)
    }
}

fn sign_assertion(
    key: &ServiceAccountKey,
    scope: &str,
    aud: &str,
    now_unix: i64,
) -> Result<String, GoogleError> {
    ensure_crypto_provider();
    // The underlying errors are not echoed: keep the message free of anything key-derived.
    let encoding_key = EncodingKey::from_rsa_pem(key.private_key.as_bytes())
        .map_err(|_| GoogleError::InvalidKey("`private_key` is not an RSA PEM key".into()))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = key.private_key_id.clone();
    let claims = Claims {
        iss: &key.client_email,
        scope,
        aud,
        iat: now_unix,
        exp: now_unix + ASSERTION_LIFETIME_SECS,
    };
    jsonwebtoken::encode(&header, &claims, &encoding_key)
        .map_err(|_| GoogleError::InvalidKey("`private_key` cannot sign RS256".into()))
}

/// reqwest's top-level message is vague ("error sending request"); the cause is what
/// an operator needs, e.g. "connection refused" or "operation timed out".
fn error_chain(err: &reqwest::Error) -> String {
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let _ = write!(msg, ": {cause}");
        source = cause.source();
    }
    msg
}

#[cfg(test)]
mod tests;
