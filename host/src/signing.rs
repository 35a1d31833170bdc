//! Standard Webhooks signatures: every request Kait sends carries `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
//! `id.timestamp.body`, keyed with the webhook's `whsec_` secret). During a
//! secret rotation's overlap the header holds one signature per secret,
//! space-separated (`v1,<new> v1,<old>`), as the spec allows; a receiver
//! accepts the message when any of them matches its secret.
//!
//! See <https://www.standardwebhooks.com/>.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every signing secret.
pub const PREFIX: &str = "whsec_";

/// A new random signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// Why a signature could not be made or checked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// The secret is not `whsec_` followed by base64.
    #[error("the signing secret is not whsec_ followed by base64")]
    BadSecret,
    /// No `v1` signature in the header matches.
    #[error("no signature matches")]
    Mismatch,
    /// The timestamp is too far from now.
    #[error("the timestamp is more than {0} seconds from now")]
    Stale(i64),
}

fn mac(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<Hmac<Sha256>, SignatureError> {
    let key = secret.strip_prefix(PREFIX).unwrap_or(secret);
    let key = STANDARD
        .decode(key)
        .map_err(|_| SignatureError::BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SignatureError::BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `webhook-signature` header value for one message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let tag = mac(secret, id, timestamp, body)?.finalize().into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// The `webhook-signature` header value signed with each of `secrets`, in
/// order, space-separated.
pub fn sign_each(
    secrets: &[&str],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SignatureError> {
    let signed = secrets
        .iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signed.join(" "))
}

/// Checks a `webhook-signature` header (space-separated signatures) the way a
/// receiver does, refusing timestamps more than `tolerance` seconds from `now`.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
    tolerance: i64,
) -> Result<(), SignatureError> {
    if (now - timestamp).abs() > tolerance {
        return Err(SignatureError::Stale(tolerance));
    }
    for candidate in header.split(' ') {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            continue;
        };
        if mac(secret, id, timestamp, body)?.verify_slice(&tag).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn matches_the_specs_published_example() {
        assert_eq!(
            sign(SECRET, ID, TS, BODY).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn verifies_its_own_signatures_and_nothing_else() {
        let header = sign(SECRET, ID, TS, BODY).unwrap();
        assert_eq!(verify(SECRET, ID, TS, BODY, &header, TS + 10, 300), Ok(()));
        assert_eq!(
            verify(SECRET, ID, TS, b"{}", &header, TS, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, ID, TS, BODY, &header, TS + 301, 300),
            Err(SignatureError::Stale(300))
        );
        let fresh = new_secret();
        assert!(fresh.starts_with(PREFIX));
        assert_eq!(
            verify(&fresh, ID, TS, BODY, &header, TS, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_header_signed_with_two_secrets_verifies_with_either() {
        let fresh = new_secret();
        let header = sign_each(&[&fresh, SECRET], ID, TS, BODY).unwrap();
        let (new, old) = header.split_once(' ').unwrap();
        assert_eq!(old, sign(SECRET, ID, TS, BODY).unwrap());
        assert_eq!(new, sign(&fresh, ID, TS, BODY).unwrap());
        for secret in [SECRET, fresh.as_str()] {
            assert_eq!(verify(secret, ID, TS, BODY, &header, TS, 300), Ok(()));
        }
        let other = new_secret();
        assert_eq!(
            verify(&other, ID, TS, BODY, &header, TS, 300),
            Err(SignatureError::Mismatch)
        );
    }

    fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
        let mut flipped = bytes.to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        flipped
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        #[test]
        fn any_one_bit_change_or_a_stale_timestamp_is_rejected(
            key in proptest::collection::vec(proptest::num::u8::ANY, 16..64),
            id in "msg_[a-zA-Z0-9]{1,32}",
            timestamp in 1_000_000_000i64..4_000_000_000,
            body in proptest::collection::vec(proptest::num::u8::ANY, 1..2048),
            bit in proptest::num::usize::ANY,
            skew in 301i64..100_000,
        ) {
            let secret = format!("{PREFIX}{}", STANDARD.encode(&key));
            let header = sign(&secret, &id, timestamp, &body).unwrap();
            proptest::prop_assert_eq!(verify(&secret, &id, timestamp, &body, &header, timestamp, 300), Ok(()));
            let body_flip = flip(&body, bit % (body.len() * 8));
            proptest::prop_assert_eq!(
                verify(&secret, &id, timestamp, &body_flip, &header, timestamp, 300),
                Err(SignatureError::Mismatch)
            );
            let id_flip = flip(id.as_bytes(), bit % (id.len() * 8));
            let id_flip = String::from_utf8_lossy(&id_flip);
            proptest::prop_assert!(verify(&secret, &id_flip, timestamp, &body, &header, timestamp, 300).is_err());
            let ts_flip = timestamp ^ (1 << (bit % 31));
            let checked = verify(&secret, &id, ts_flip, &body, &header, ts_flip, 300);
            proptest::prop_assert_eq!(checked, Err(SignatureError::Mismatch));
            for now in [timestamp + skew, timestamp - skew] {
                proptest::prop_assert_eq!(
                    verify(&secret, &id, timestamp, &body, &header, now, 300),
                    Err(SignatureError::Stale(300))
                );
            }
        }
    }
}
