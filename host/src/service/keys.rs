//! Keys: the admin's and each shop's, made here, kept only as SHA-256 hashes, and
//! the cache of known shop keys that spares most requests a database read. A
//! revoked key (a [`KeyRevoked`] bulletin, from any host) leaves the cache before
//! the next lookup.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

use crate::signals::{Bulletin, KeyRevoked};
use crate::store::{SharedStore, StoreError};

/// A new random key with a readable prefix.
pub fn new_key(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// How keys are kept.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Shop keys by hash, cached.
pub struct Keys {
    store: SharedStore,
    known: Mutex<HashMap<String, String>>,
    revoked: Mutex<broadcast::Receiver<KeyRevoked>>,
}

impl Keys {
    /// Looks keys up in `store`, forgetting those `revocations` announce.
    pub fn new(store: SharedStore, revocations: &dyn Bulletin<KeyRevoked>) -> Self {
        Self {
            store,
            known: Mutex::default(),
            revoked: Mutex::new(revocations.subscribe()),
        }
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
