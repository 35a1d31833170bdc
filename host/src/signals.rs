//! Signals that may cross hosts, behind small interfaces: a [`Wake`] says "look
//! again" (new deliveries due, a new abandonment timer), a [`Bulletin`] carries
//! news every listener must hear (a plugin index changed, a key was revoked).
//!
//! The in-process implementations ([`LocalWake`], [`LocalBulletin`]) serve one
//! host alone (SQLite). A backend shared by several hosts supplies its own
//! (PostgreSQL: `store/postgres/notify.rs`, over LISTEN/NOTIFY) without anything
//! above the store changing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{Notify, broadcast};

/// A wake-up: many may ring it; a waiter wakes once per ring it missed at most.
pub trait Wake: Send + Sync + 'static {
    /// Rings it.
    fn notify(&self);
    /// Waits until it is rung.
    fn notified(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// A wake-up within this process.
#[derive(Default)]
pub struct LocalWake(Notify);

impl Wake for LocalWake {
    fn notify(&self) {
        self.0.notify_one();
    }

    fn notified(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.0.notified())
    }
}

/// News every subscriber hears, in order (a slow one may miss old news and is
/// told so by its receiver).
pub trait Bulletin<T: Clone + Send + 'static>: Send + Sync + 'static {
    /// Tells every subscriber.
    fn publish(&self, news: T);
    /// Hears what is published from now on.
    fn subscribe(&self) -> broadcast::Receiver<T>;
}

/// A bulletin within this process.
pub struct LocalBulletin<T>(broadcast::Sender<T>);

impl<T: Clone> Default for LocalBulletin<T> {
    fn default() -> Self {
        Self(broadcast::channel(1024).0)
    }
}

impl<T: Clone + Send + 'static> Bulletin<T> for LocalBulletin<T> {
    fn publish(&self, news: T) {
        // No subscriber is not an error: nobody needed to hear it.
        let _ = self.0.send(news);
    }

    fn subscribe(&self) -> broadcast::Receiver<T> {
        self.0.subscribe()
    }
}

/// A shop's plugin `name` gained or lost a version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PluginChanged {
    /// The shop.
    pub shop: String,
    /// The plugin.
    pub name: String,
}

impl PluginChanged {
    /// Any plugin may have changed (news was missed): read them all again.
    pub fn anything() -> Self {
        Self {
            shop: String::new(),
            name: String::new(),
        }
    }

    /// Whether this is [`PluginChanged::anything`].
    pub fn is_anything(&self) -> bool {
        self.shop.is_empty()
    }
}

/// A shop key (by its hash) no longer opens anything.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyRevoked {
    /// SHA-256 of the key.
    pub hash: String,
}

impl KeyRevoked {
    /// Any key may have been revoked (news was missed): forget every cached one.
    pub fn anything() -> Self {
        Self {
            hash: String::new(),
        }
    }
}

/// Every signal the service uses.
#[derive(Clone)]
pub struct Signals {
    /// New deliveries are due.
    pub deliveries: Arc<dyn Wake>,
    /// An abandonment timer was started.
    pub timers: Arc<dyn Wake>,
    /// A plugin index changed.
    pub plugins: Arc<dyn Bulletin<PluginChanged>>,
    /// A key was revoked.
    pub keys: Arc<dyn Bulletin<KeyRevoked>>,
}

impl Signals {
    /// Signals heard only within this process.
    pub fn local() -> Self {
        Self {
            deliveries: Arc::new(LocalWake::default()),
            timers: Arc::new(LocalWake::default()),
            plugins: Arc::new(LocalBulletin::default()),
            keys: Arc::new(LocalBulletin::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_ring_before_the_wait_is_not_lost() {
        let wake = LocalWake::default();
        wake.notify();
        tokio::time::timeout(Duration::from_secs(5), wake.notified())
            .await
            .expect("the earlier ring wakes the waiter");
    }

    #[tokio::test]
    async fn every_subscriber_hears_the_news() {
        let bulletin = LocalBulletin::default();
        let (mut a, mut b) = (bulletin.subscribe(), bulletin.subscribe());
        let news = KeyRevoked { hash: "h".into() };
        bulletin.publish(news.clone());
        assert_eq!(a.recv().await.unwrap(), news);
        assert_eq!(b.recv().await.unwrap(), news);
    }
}
