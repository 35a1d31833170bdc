//! Events as Kait keeps them: what ingest stores, and what it created.

use super::abandonment::TimerEffect;

/// An event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The shop it belongs to.
    pub shop: String,
    /// Its id (given by the platform, or derived from its content).
    pub id: String,
    /// Its type.
    pub kind: String,
    /// The event as received (JSON text).
    pub body: String,
    /// What it does to its checkout's abandonment timer.
    pub timer: Option<TimerEffect>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its id.
    pub id: String,
    /// Its type.
    pub kind: String,
    /// The event as received (JSON text).
    pub body: String,
}

/// One delivery created by ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedDelivery {
    /// The delivery's id, also its `webhook-id` header.
    pub id: String,
    /// The webhook it goes to.
    pub webhook_id: String,
}

/// What ingest did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The event's id.
    pub id: String,
    /// The event's type.
    pub kind: String,
    /// True when this id had been received before; nothing new was created.
    pub duplicate: bool,
    /// The deliveries the event created (the first time it was received).
    pub deliveries: Vec<CreatedDelivery>,
}
