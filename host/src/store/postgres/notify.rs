//! Signals between hosts over PostgreSQL's `LISTEN`/`NOTIFY`: every host rings
//! its own waiters at once and tells the others through the database; a
//! listener on its own connection hears the others and rings here.
//!
//! - A wake-up is coalesced: however often it is rung while a `NOTIFY` is on its
//!   way, one more follows, so a burst of ingests costs a few notifications, not
//!   one each.
//! - News (a plugin changed, a key was revoked) is sent whole, as JSON.
//! - A host ignores its own notifications (each carries the sender's id).
//! - When the listener's connection drops it reconnects, then rings every
//!   wake-up and tells this host that any plugin or key may have changed (the
//!   registry reads every plugin again, the key cache empties), as news may have
//!   been missed; the workers' one-second poll of the next due time is the
//!   fallback in between.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, broadcast, mpsc};
use tokio_postgres::{AsyncMessage, NoTls};

use super::Postgres;
use crate::signals::{Bulletin, KeyRevoked, PluginChanged, Signals, Wake};

const DELIVERIES: &str = "kait_deliveries";
const TIMERS: &str = "kait_timers";
const PLUGINS: &str = "kait_plugins";
const KEYS: &str = "kait_keys";

/// One notification on its way out: the channel and its payload.
type Outgoing = (&'static str, String);

/// A wake-up shared by every host on the database.
struct SharedWake {
    here: Notify,
    /// Rung to send one `NOTIFY`; its single stored permit coalesces rings.
    send: Arc<Notify>,
}

impl Wake for SharedWake {
    fn notify(&self) {
        self.here.notify_one();
        self.send.notify_one();
    }

    fn notified(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.here.notified())
    }
}

/// News shared by every host on the database.
struct SharedBulletin<T> {
    here: broadcast::Sender<T>,
    channel: &'static str,
    outbox: mpsc::UnboundedSender<Outgoing>,
    host: String,
}

impl<T: Clone + Send + Serialize + 'static> Bulletin<T> for SharedBulletin<T> {
    fn publish(&self, news: T) {
        let payload = serde_json::json!({"from": self.host, "news": news}).to_string();
        let _ = self.outbox.send((self.channel, payload));
        let _ = self.here.send(news);
    }

    fn subscribe(&self) -> broadcast::Receiver<T> {
        self.here.subscribe()
    }
}

/// The signals of a host on `db`: rung here at once, and on every other host
/// through the database. Spawns the sender and the listener on the current
/// runtime; they end when the pool is closed.
pub fn signals(db: &Postgres) -> Signals {
    let host = hex::encode(rand::random::<[u8; 8]>());
    let (outbox, outgoing) = mpsc::unbounded_channel();
    let deliveries = wake(db, DELIVERIES, &host, &outbox);
    let timers = wake(db, TIMERS, &host, &outbox);
    let plugins = Arc::new(SharedBulletin::<PluginChanged> {
        here: broadcast::channel(1024).0,
        channel: PLUGINS,
        outbox: outbox.clone(),
        host: host.clone(),
    });
    let keys = Arc::new(SharedBulletin::<KeyRevoked> {
        here: broadcast::channel(1024).0,
        channel: KEYS,
        outbox,
        host: host.clone(),
    });
    tokio::spawn(send(db.clone(), outgoing));
    tokio::spawn(listen(
        db.clone(),
        Heard {
            host,
            deliveries: deliveries.clone(),
            timers: timers.clone(),
            plugins: plugins.here.clone(),
            keys: keys.here.clone(),
        },
    ));
    Signals {
        deliveries,
        timers,
        plugins,
        keys,
    }
}

/// A shared wake-up on `channel`, with its task that turns rings into `NOTIFY`s.
fn wake(
    db: &Postgres,
    channel: &'static str,
    host: &str,
    outbox: &mpsc::UnboundedSender<Outgoing>,
) -> Arc<SharedWake> {
    let wake = Arc::new(SharedWake {
        here: Notify::new(),
        send: Arc::new(Notify::new()),
    });
    let (rung, outbox, payload) = (wake.send.clone(), outbox.clone(), host.to_string());
    let pool = db.pool.clone();
    tokio::spawn(async move {
        while !pool.is_closed() {
            rung.notified().await;
            if outbox.send((channel, payload.clone())).is_err() {
                return;
            }
        }
    });
    wake
}

/// Sends queued notifications, one at a time, in order.
async fn send(db: Postgres, mut outgoing: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some((channel, payload)) = outgoing.recv().await {
        let sent = async {
            let client = db.client().await?;
            super::execute(&client, "SELECT pg_notify($1, $2)", &[&channel, &payload]).await
        }
        .await;
        if let Err(error) = sent {
            if db.pool.is_closed() {
                return;
            }
            tracing::warn!("telling other hosts on {channel} failed: {error}");
        }
    }
}

/// Where heard notifications go.
struct Heard {
    host: String,
    deliveries: Arc<SharedWake>,
    timers: Arc<SharedWake>,
    plugins: broadcast::Sender<PluginChanged>,
    keys: broadcast::Sender<KeyRevoked>,
}

impl Heard {
    fn dispatch(&self, channel: &str, payload: &str) {
        match channel {
            DELIVERIES | TIMERS if payload == self.host => {}
            DELIVERIES => self.deliveries.here.notify_one(),
            TIMERS => self.timers.here.notify_one(),
            PLUGINS => self.news(payload, &self.plugins),
            KEYS => self.news(payload, &self.keys),
            _ => {}
        }
    }

    fn news<T: DeserializeOwned>(&self, payload: &str, to: &broadcast::Sender<T>) {
        #[derive(serde::Deserialize)]
        struct Envelope<T> {
            from: String,
            news: T,
        }
        match serde_json::from_str::<Envelope<T>>(payload) {
            Ok(envelope) if envelope.from == self.host => {}
            Ok(envelope) => {
                let _ = to.send(envelope.news);
            }
            Err(error) => tracing::warn!("an unreadable notification: {error}"),
        }
    }

    /// After a gap, anything may have been missed.
    fn missed(&self) {
        self.deliveries.here.notify_one();
        self.timers.here.notify_one();
        let _ = self.plugins.send(PluginChanged::anything());
        let _ = self.keys.send(KeyRevoked::anything());
    }
}

/// Listens on its own connection, reconnecting after a drop.
async fn listen(db: Postgres, heard: Heard) {
    let mut first = true;
    while !db.pool.is_closed() {
        match listen_once(&db, &heard, first).await {
            Ok(()) => {}
            Err(error) if !db.pool.is_closed() => {
                tracing::warn!("listening for other hosts failed: {error}; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(_) => return,
        }
        first = false;
    }
}

async fn listen_once(
    db: &Postgres,
    heard: &Heard,
    first: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = db.config.connect(NoTls).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = tx.send(Ok((n.channel().to_string(), n.payload().to_string())));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    let _ = tx.send(Err(error));
                    return;
                }
                None => return,
            }
        }
    });
    client
        .batch_execute(&format!(
            "LISTEN {DELIVERIES}; LISTEN {TIMERS}; LISTEN {PLUGINS}; LISTEN {KEYS}"
        ))
        .await?;
    if !first {
        heard.missed();
    }
    let mut closed = Box::pin(wait_closed(db));
    let outcome = loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(Ok((channel, payload))) => heard.dispatch(&channel, &payload),
                Some(Err(error)) => break Err(error),
                None => break Ok(()),
            },
            () = &mut closed => break Ok(()),
        }
    };
    drop(client);
    driver.abort();
    outcome
}

/// Resolves once the store is closed.
async fn wait_closed(db: &Postgres) {
    while !db.pool.is_closed() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
