//! The merchant page's ways in: a one-time portal link the platform hands out,
//! and the session it opens. Both are kept by the SHA-256 of their token, never
//! the token, and are scoped to one shop exactly as the shop's key is.

use std::time::Duration;

use crate::clock::Millis;

/// A one-time link into the page for one shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLink {
    /// SHA-256 of the token in the link.
    pub hash: String,
    /// The shop it opens.
    pub shop_id: String,
    /// When it was made.
    pub created_at: Millis,
    /// When it stops opening anything if unused.
    pub expires_at: Millis,
}

/// A signed-in session on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session's token (the cookie).
    pub hash: String,
    /// The shop it may see and change.
    pub shop_id: String,
    /// When it was opened.
    pub created_at: Millis,
    /// When it ends at the latest.
    pub expires_at: Millis,
}

impl Session {
    /// A session opened at `now` for `shop`, lasting `length`.
    pub fn open(hash: String, shop_id: String, now: Millis, length: Duration) -> Self {
        Self {
            hash,
            shop_id,
            created_at: now,
            expires_at: now.saturating_add(length.as_millis() as Millis),
        }
    }
}
