//! The token cache and exchange against a local fake of Google's token endpoint.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::{Json, Router, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Value, json};

/// Throwaway 2048-bit key made for these tests only; it guards nothing.
const TEST_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDIsh3A63oqsQ0a
fu3XLf3CqSz34We1fKcQ/tNKh/y8LjhG5Y3WZbvYRNwXz2P2CcqZXRd+zWdt5FQA
DCarW37isDZ1kRXLh86Ny1FeH+dsrV+4D+4p9zEKjImMVagEhVdk3l+6XwlgRiym
4dEMtIOpeGXWe12HApMOxb2bXVUc6y9Joecdaujr0jP4Esnp7cL4CVbndJXNJfia
LrWbSo2F/8OVqvhyl/ybQe07gpZ+NFap8sC7jvswinv+YuDayXslmpJtxijVWUTG
gIZ2fwUG8paaap71YMArcaibtRvIbnZI6yxcSTeQY9KIvA4YtJyWi/lEGpWYhL0U
WUHYpKpDAgMBAAECggEABe3lNr1LCn0MMw7Lvg8fL4oWyJ5n+8YNm+q7Zh9NMAFG
Xl0LBLa6ujGTaXMSGlz0F49wuA+5ESRGxKP9qUbDVLUtPR0mzkpaQUXGRwg2qrcW
9dwnbPJfO4paLsNoR462inj1AQ+S7Yo4aLHEa4isJYY0emxPBhCyAYsfOYc9xX3l
cmKYeIdgWor9I3IHW+OjUtSJzAE/doo5nDidWPTW9HMqihcIdGM1wvEzMMBM73lq
z90Zecai0uq8s/+1piBh0H71CgtW54WXX33F3E6PCVDhYFe6dftvNoDR16IbQHSj
In/wsMBjqTibtEWV1rSvRIs+1AVcbq6gOqDJ4C8YqQKBgQDz9XI7LUUCWP7TSCQC
2/A1BoUfJtcXwls1L2cDu2oCy+GpFPnU8e77+LvU81Flm2czPSqh+I2ulTVvPVE9
zlnCz8mbvQ7+zBx6nuPvYHMoesnaSGUbE4EVagFQl6tanPr5RmUDit7RsYHIXb9s
vhSuPe8Xp8Ov+NpHVMHpCMNVXQKBgQDSmgSdOBF5sI5L3yOIKALk9crKwnXYMJg8
fvrJtDhztZRp02/9Nahf5A5XRukseSOfsuv1jX64lP2tfI1OnAwWrOzRODcNT26z
2hYaynfWiPGq/y++uyXSiPN8DSQ2nEzokGkFG2uqYm4zTbIEt4EuQaUVHSyAO8Ei
QkyhUulkHwKBgQCsLMUDCM8UehTWrqpjri/YbJKVSscxSIUwgxT0KFgIQzYvK9Oq
u1jMUl7WSydeS5BJNFkbWR09YqcErETjFvh4qkeCd6rWnt1WmT8LGYoMvqQpP0DE
HD7VCyyEYZaY7AOg3FK8bk0Vt25+J9PK/lgAJUvR6SAN2NbM0v/L5NhfLQKBgQCu
OnEayCnc7K2sIxw4JjHOzXFJsPrhMcKgOcSsXgZd45i2vA9oAZ4cRoV+utFo04cf
NVx0NuzhM5FylxooMHznvYPlyoXw4wgIjqG+5EWkHIMiHh+XwSgXNumIdS7CZyhR
NjdL3FWEDg5xLxPZRx7975ztDMemBslO2F6hEAC5rQKBgE/o2/OvIOMtTtH8OF0k
lIPRkh45Jn53WNLISJYydQOKuTtCw0VNhSBLImGvaqnvoofKR8vg7QYvC7OHSpJL
JP1WriooXvN6TxkdLsceUcqFbVW03U5FjyyhGqU0PIiy9201QacdhRzZ5cUFYXzo
KNr0ubAimhxOBMHYsAbWGDb8
-----END PRIVATE KEY-----\n";
const TEST_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyLIdwOt6KrENGn7t1y39
wqks9+FntXynEP7TSof8vC44RuWN1mW72ETcF89j9gnKmV0Xfs1nbeRUAAwmq1t+
4rA2dZEVy4fOjctRXh/nbK1fuA/uKfcxCoyJjFWoBIVXZN5ful8JYEYspuHRDLSD
qXhl1ntdhwKTDsW9m11VHOsvSaHnHWro69Iz+BLJ6e3C+AlW53SVzSX4mi61m0qN
hf/Dlar4cpf8m0HtO4KWfjRWqfLAu477MIp7/mLg2sl7JZqSbcYo1VlExoCGdn8F
BvKWmmqe9WDAK3Gom7UbyG52SOssXEk3kGPSiLwOGLSclov5RBqVmIS9FFlB2KSq
QwIDAQAB
-----END PUBLIC KEY-----\n";
const NOW: i64 = 1_750_000_000;
const EMAIL: &str = "bot@proj.iam.gserviceaccount.com";

#[derive(Deserialize)]
struct SeenClaims {
    iss: String,
    scope: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// What the fake token endpoint saw: header, claims and the raw assertion.
struct Fake {
    url: String,
    refuse: bool,
    calls: AtomicUsize,
    seen: Mutex<Vec<(Header, SeenClaims, String)>>,
}

impl Fake {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// The raw form field. No percent-decoding (the host's axum has no `form`): checking the
/// exact wire text is stricter, and the JWT alphabet needs no escaping anyway.
fn form_field<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

async fn endpoint(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    let n = fake.calls.fetch_add(1, Ordering::SeqCst) + 1;
    let refuse = |why: String| {
        let body = json!({"error": "invalid_request", "error_description": why});
        (StatusCode::BAD_REQUEST, Json(body))
    };
    if headers.get("content-type").and_then(|v| v.to_str().ok())
        != Some("application/x-www-form-urlencoded")
    {
        return refuse("wrong content-type".into());
    }
    let grant = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";
    if form_field(&body, "grant_type") != Some(grant) {
        return refuse("wrong grant_type".into());
    }
    let Some(assertion) = form_field(&body, "assertion").map(str::to_owned) else {
        return refuse("no assertion".into());
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&fake.url]);
    validation.set_required_spec_claims(&["iss", "aud", "iat", "exp"]);
    // The assertion is dated by the injected clock, not the real one.
    validation.validate_exp = false;
    let public = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()).unwrap();
    let data = match jsonwebtoken::decode::<SeenClaims>(&assertion, &public, &validation) {
        Ok(data) => data,
        Err(e) => return refuse(format!("bad assertion: {e}")),
    };
    fake.seen
        .lock()
        .unwrap()
        .push((data.header, data.claims, assertion));
    if fake.refuse {
        let body = json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."});
        return (StatusCode::BAD_REQUEST, Json(body));
    }
    let body = json!({"access_token": format!("ya29.test-{n}"), "expires_in": 3600, "token_type": "Bearer"});
    (StatusCode::OK, Json(body))
}

async fn start_fake(refuse: bool) -> Arc<Fake> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = Arc::new(Fake {
        url: format!("http://{}/token", listener.local_addr().unwrap()),
        refuse,
        calls: AtomicUsize::new(0),
        seen: Mutex::default(),
    });
    let app = Router::new()
        .route("/token", post(endpoint))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

fn key_json(private_key: &str, token_uri: Option<&str>) -> String {
    let mut key = json!({
        "type": "service_account",
        "client_email": EMAIL,
        "private_key": private_key,
        "private_key_id": "kid-1",
    });
    if let Some(uri) = token_uri {
        key["token_uri"] = uri.into();
    }
    key.to_string()
}

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn tokens_for(fake: &Fake) -> GoogleTokens {
    GoogleTokens::new(reqwest::Client::new(), Some(fake.url.clone()))
}

#[tokio::test]
async fn mints_a_token_with_the_claims_google_expects() {
    let fake = start_fake(false).await;
    // No override: the key's own token_uri must be used (and be the audience).
    let tokens = GoogleTokens::new(reqwest::Client::new(), None);
    let key = key_json(TEST_PRIVATE_KEY, Some(&fake.url));
    let sc = scopes(&["https://www.googleapis.com/auth/spreadsheets", "openid"]);
    assert_eq!(tokens.token(&key, &sc, NOW).await.unwrap(), "ya29.test-1");

    let seen = fake.seen.lock().unwrap();
    let (header, claims, _) = &seen[0];
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some("kid-1"));
    assert_eq!(claims.iss, EMAIL);
    assert_eq!(
        claims.scope,
        "https://www.googleapis.com/auth/spreadsheets openid"
    );
    assert_eq!(claims.aud, fake.url);
    assert_eq!(claims.iat, NOW);
    assert_eq!(claims.exp - claims.iat, 3600);
}

#[tokio::test]
async fn caches_until_a_minute_before_expiry() {
    let fake = start_fake(false).await;
    let tokens = tokens_for(&fake);
    let (key, sc) = (key_json(TEST_PRIVATE_KEY, None), scopes(&["s1"]));
    let first = tokens.token(&key, &sc, NOW).await.unwrap();
    assert_eq!(tokens.token(&key, &sc, NOW + 100).await.unwrap(), first);
    // Clones share the cache: the host hands copies to each delivery.
    assert_eq!(
        tokens.clone().token(&key, &sc, NOW + 100).await.unwrap(),
        first
    );
    assert_eq!(fake.calls(), 1);

    let second = tokens.token(&key, &sc, NOW + 3600 - 30).await.unwrap();
    assert_ne!(second, first);
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn different_scopes_get_different_tokens() {
    let fake = start_fake(false).await;
    let tokens = tokens_for(&fake);
    let key = key_json(TEST_PRIVATE_KEY, None);
    let a = tokens.token(&key, &scopes(&["a"]), NOW).await.unwrap();
    let b = tokens.token(&key, &scopes(&["b"]), NOW).await.unwrap();
    assert_ne!(a, b);
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn bad_keys_are_invalid_and_never_sent() {
    let fake = start_fake(false).await;
    let tokens = tokens_for(&fake);
    let bad_pem = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
    let cases = [
        ("not json".to_string(), "JSON"),
        (json!({"client_email": EMAIL}).to_string(), "private_key"),
        (
            json!({"private_key": TEST_PRIVATE_KEY}).to_string(),
            "client_email",
        ),
        (
            json!({"client_email": EMAIL, "private_key": 7}).to_string(),
            "private_key",
        ),
        (key_json(bad_pem, None), "private_key"),
        (key_json("plain text", None), "private_key"),
    ];
    for (key, field) in cases {
        match tokens.token(&key, &scopes(&["s"]), NOW).await {
            Err(GoogleError::InvalidKey(msg)) => assert!(msg.contains(field), "{msg}"),
            other => panic!("expected InvalidKey naming {field}, got {other:?}"),
        }
    }
    assert_eq!(fake.calls(), 0);
}

#[tokio::test]
async fn refusal_reports_status_and_reason_but_no_secrets() {
    let fake = start_fake(true).await;
    let tokens = tokens_for(&fake);
    let key = key_json(TEST_PRIVATE_KEY, None);
    let err = tokens.token(&key, &scopes(&["s"]), NOW).await.unwrap_err();
    assert!(matches!(err, GoogleError::Refused(_)), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains("400"), "{shown}");
    assert!(
        shown.contains("invalid_grant: Invalid JWT Signature."),
        "{shown}"
    );
    // Cloned so the guard is gone before the retry below needs the endpoint.
    let assertion = fake.seen.lock().unwrap()[0].2.clone();
    assert!(!shown.contains(&assertion));
    assert!(!shown.contains(TEST_PRIVATE_KEY.lines().nth(1).unwrap()));
    // A refusal is not cached: the next call asks again.
    assert!(tokens.token(&key, &scopes(&["s"]), NOW).await.is_err());
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/token", listener.local_addr().unwrap());
    drop(listener);
    let tokens = GoogleTokens::new(reqwest::Client::new(), Some(url));
    let key = key_json(TEST_PRIVATE_KEY, None);
    let err = tokens.token(&key, &scopes(&["s"]), NOW).await.unwrap_err();
    assert!(matches!(err, GoogleError::Unreachable(_)), "{err:?}");
}
