//! Secrets at rest: webhook configurations (bot tokens, service-account keys …)
//! and signing secrets are sealed with XChaCha20-Poly1305 by this code, which
//! every backend calls before it writes a secret and after it reads one, so the
//! database alone reveals none of them. The key comes from the settings
//! (`secret_key`) or from a key file beside the database, made on first start.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use super::StoreError;

/// What a sealed value starts with.
const PREFIX: &str = "sealed:v1:";

/// Seals and opens stored secrets.
pub struct Cipher(XChaCha20Poly1305);

impl Cipher {
    /// A cipher with this 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self(XChaCha20Poly1305::new(Key::from_slice(key)))
    }

    /// `plain`, sealed under a fresh random nonce.
    pub fn seal(&self, plain: &str) -> String {
        let nonce: [u8; 24] = rand::random();
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .expect("XChaCha20-Poly1305 seals any length this store writes");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{PREFIX}{}", STANDARD.encode(bytes))
    }

    /// The plain text of a sealed value.
    pub fn open(&self, sealed: &str) -> Result<String, StoreError> {
        let corrupt = |why: &str| StoreError::Corrupt(format!("sealed secret: {why}"));
        let encoded = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| corrupt("not sealed"))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| corrupt("not base64"))?;
        if bytes.len() < 24 {
            return Err(corrupt("too short"));
        }
        let (nonce, sealed) = bytes.split_at(24);
        let plain = self
            .0
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| corrupt("wrong key or tampered with"))?;
        String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))
    }
}

/// Where the store keeps a value sealed with its key, to know the key again.
const KEY_CHECK: &str = "key_check";

/// Refuses to run with a key other than the one the store's secrets were
/// sealed with (a host started with another `secret_key` than its peers): the
/// first start keeps a value sealed with its key, every later one must open it.
pub async fn check_key(store: &dyn super::Store, key: &[u8; 32]) -> Result<(), StoreError> {
    let cipher = Cipher::new(key);
    let kept = match store.meta(KEY_CHECK).await? {
        Some(kept) => kept,
        None => store.meta_insert(KEY_CHECK, cipher.seal("kait")).await?,
    };
    cipher.open(&kept).map(drop).map_err(|_| {
        StoreError::Key(
            "this is not the key the database's secrets were sealed with; every host \
             needs the same secret_key"
                .into(),
        )
    })
}

/// The store key for the database `data` names: `configured` if given; for a
/// SQLite file, else its key file (`kait.key` beside `kait.db`). PostgreSQL needs
/// it configured, as every host must have the same one.
pub fn key_for(data: &str, configured: Option<&str>) -> Result<[u8; 32], String> {
    if configured.is_none() && super::postgres::is_url(data) {
        return Err(
            "with PostgreSQL, set secret_key (KAIT_SECRET_KEY, 32 bytes in base64, \
                    e.g. from `openssl rand -base64 32`): every host needs the same one"
                .into(),
        );
    }
    key(configured, &Path::new(data).with_extension("key"))
}

/// The store key: `configured` (base64 of 32 bytes) if given, else the key file at
/// `path`, created with a random key (mode 0600) if missing.
pub fn key(configured: Option<&str>, path: &Path) -> Result<[u8; 32], String> {
    let decode = |text: &str, from: &str| -> Result<[u8; 32], String> {
        STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| format!("{from} is not 32 bytes in base64"))
    };
    if let Some(text) = configured {
        return decode(text, "secret_key");
    }
    match std::fs::read_to_string(path) {
        Ok(text) => decode(&text, &path.display().to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode_0600()
                .open(path)
                .map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
            writeln!(file, "{}", STANDARD.encode(key))
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(error) => Err(format!(
            "cannot read the key file {}: {error}",
            path.display()
        )),
    }
}

trait Private {
    fn mode_0600(&mut self) -> &mut Self;
}

impl Private for std::fs::OpenOptions {
    fn mode_0600(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_refuses_the_wrong_key() {
        let cipher = Cipher::new(&[7; 32]);
        let sealed = cipher.seal("123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE");
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("AAEhBP0"));
        assert_ne!(
            sealed,
            cipher.seal("123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE")
        );
        assert_eq!(
            cipher.open(&sealed).unwrap(),
            "123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE"
        );
        assert!(Cipher::new(&[8; 32]).open(&sealed).is_err());
    }

    #[test]
    fn postgresql_needs_the_key_configured_as_every_host_needs_the_same() {
        let refused = key_for("postgres://127.0.0.1/kait", None).unwrap_err();
        assert!(refused.contains("secret_key"), "{refused}");
        let configured = STANDARD.encode([3u8; 32]);
        assert_eq!(
            key_for("postgres://127.0.0.1/kait", Some(&configured)).unwrap(),
            [3; 32]
        );
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("kait.db").display().to_string();
        assert_eq!(key_for(&data, None).unwrap(), key_for(&data, None).unwrap());
        assert!(dir.path().join("kait.key").exists());
    }

    #[test]
    fn the_key_file_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kait.db.key");
        let first = key(None, &path).unwrap();
        assert_eq!(key(None, &path).unwrap(), first);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        let configured = STANDARD.encode([1u8; 32]);
        assert_eq!(key(Some(&configured), &path).unwrap(), [1; 32]);
        assert!(key(Some("short"), &path).is_err());
    }
}
