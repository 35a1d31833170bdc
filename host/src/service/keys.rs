//! Keys: the admin's and each shop's, made here, kept only as SHA-256 hashes, and
//! the cache of known shop keys that spares most requests a database read. A
//! revoked key (a [`KeyRevoked`] bulletin, from any host) leaves the cache before
//! the next lookup. The admin key's hash is read again at most a second after the
//! last read, so `kait admin-key reset` (another process) takes effect on every
//! running host without news.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

use crate::signals::{Bulletin, KeyRevoked};
use crate::store::{SharedStore, Store, StoreError};

/// The store setting that keeps the generated admin key's hash.
const ADMIN_KEY_HASH: &str = "admin_key_sha256";

/// How long a host trusts the admin key's hash it last read from the store.
const ADMIN_HASH_FRESH: Duration = Duration::from_secs(1);

/// A new random key with a readable prefix.
pub fn new_key(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// How keys are kept.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The admin key a host was given or kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminKey {
    /// The settings (`admin_key` / `KAIT_ADMIN_KEY`).
    Configured,
    /// Generated on an earlier start; only its hash is kept.
    Kept,
    /// Generated now: shown this once.
    Generated(String),
}

/// The admin's key and the shops' keys, by hash, cached.
pub struct Keys {
    store: SharedStore,
    /// The hash of the admin key from the settings, which the store's never replaces.
    configured_admin: Option<String>,
    /// The store's admin hash as last read, and when.
    kept_admin: Mutex<Option<(String, Instant)>>,
    known: Mutex<HashMap<String, String>>,
    revoked: Mutex<broadcast::Receiver<KeyRevoked>>,
}

impl Keys {
    /// Looks keys up in `store`, forgetting those `revocations` announce; the
    /// admin key is `configured_admin` when the settings give one.
    pub fn new(
        store: SharedStore,
        revocations: &dyn Bulletin<KeyRevoked>,
        configured_admin: Option<&str>,
    ) -> Self {
        Self {
            store,
            configured_admin: configured_admin.map(hash),
            kept_admin: Mutex::default(),
            known: Mutex::default(),
            revoked: Mutex::new(revocations.subscribe()),
        }
    }

    /// The admin key at start: the settings', else the one kept, else a new one
    /// generated and kept now (the only time it is shown). Hosts starting
    /// together on one database agree on one key.
    pub async fn admin_at_start(&self) -> Result<AdminKey, StoreError> {
        if self.configured_admin.is_some() {
            return Ok(AdminKey::Configured);
        }
        if self.store.meta(ADMIN_KEY_HASH).await?.is_some() {
            return Ok(AdminKey::Kept);
        }
        let key = new_key("kait_admin_");
        let hashed = hash(&key);
        let kept = self
            .store
            .meta_insert(ADMIN_KEY_HASH, hashed.clone())
            .await?;
        Ok(if kept == hashed {
            AdminKey::Generated(key)
        } else {
            AdminKey::Kept
        })
    }

    /// Whether `hash` is the admin key's.
    pub async fn is_admin(&self, hash: &str) -> Result<bool, StoreError> {
        if let Some(configured) = &self.configured_admin {
            return Ok(configured == hash);
        }
        let fresh = self
            .kept_admin
            .lock()
            .unwrap()
            .clone()
            .filter(|(_, read)| read.elapsed() < ADMIN_HASH_FRESH);
        let kept = match fresh {
            Some((kept, _)) => Some(kept),
            None => {
                let kept = self.store.meta(ADMIN_KEY_HASH).await?;
                *self.kept_admin.lock().unwrap() = kept.clone().map(|kept| (kept, Instant::now()));
                kept
            }
        };
        Ok(kept.as_deref() == Some(hash))
    }

    /// The shop whose key hashes to `hash`, if any.
    pub async fn shop(&self, hash: &str) -> Result<Option<String>, StoreError> {
        self.forget_revoked();
        if let Some(shop) = self.known.lock().unwrap().get(hash) {
            return Ok(Some(shop.clone()));
        }
        let shop = self.store.shop_by_key(hash.to_string()).await?;
        if let Some(shop) = &shop {
            self.known
                .lock()
                .unwrap()
                .insert(hash.to_string(), shop.clone());
        }
        Ok(shop)
    }

    fn forget_revoked(&self) {
        let mut revoked = self.revoked.lock().unwrap();
        loop {
            match revoked.try_recv() {
                Ok(news) if news == KeyRevoked::anything() => {
                    self.known.lock().unwrap().clear();
                }
                Ok(news) => {
                    self.known.lock().unwrap().remove(&news.hash);
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    self.known.lock().unwrap().clear();
                }
                Err(_) => return,
            }
        }
    }
}

/// Replaces the kept admin key with a new one and returns it: the old key stops
/// working on every running host within [`ADMIN_HASH_FRESH`]. (A key named by the
/// settings is not the store's: the caller refuses before this.)
pub async fn reset_admin_key(store: &dyn Store) -> Result<String, StoreError> {
    let key = new_key("kait_admin_");
    store.meta_replace(ADMIN_KEY_HASH, hash(&key)).await?;
    Ok(key)
}
