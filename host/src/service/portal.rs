//! The merchant page's ways in, as operations: a one-time portal link the
//! platform asks for (admin or shop key), the session it opens, signing in
//! with the shop key, and signing out. Tokens are random; only their hashes are
//! kept.

use super::keys::{hash, new_key};
use super::{Error, Service};
use crate::clock::Millis;
use crate::domain::{PortalLink, Refused, Session};

/// A session's token (for the cookie) and the session it opens.
pub struct Opened {
    /// The token, shown once: the cookie's value.
    pub token: String,
    /// The session.
    pub session: Session,
}

impl Service {
    /// A new one-time portal link's token for `shop`, and when it expires
    /// unused (`portal_link_ttl` from now).
    pub async fn portal_link(&self, shop: &str) -> Result<(String, Millis), Error> {
        self.existing_shop(shop).await?;
        let token = new_key("kait_pl_");
        let now = self.clock.now();
        let expires_at = now + self.config.portal_link_ttl.as_millis() as Millis;
        let link = PortalLink {
            hash: hash(&token),
            shop_id: shop.to_string(),
            created_at: now,
            expires_at,
        };
        self.store.create_portal_link(link).await?;
        Ok((token, expires_at))
    }

    /// Opens a session with a portal link's token; the link is used up.
    pub async fn open_portal(&self, token: &str) -> Result<Opened, Error> {
        let now = self.clock.now();
        let Some(shop) = self.store.redeem_portal_link(hash(token), now).await? else {
            return Err(Refused::not_allowed(
                "portal_link_used",
                "this link has expired or was already used; ask for a new one",
            )
            .into());
        };
        self.open_session(shop, now).await
    }

    /// Opens a session with a shop's key.
    pub async fn sign_in(&self, key: &str) -> Result<Opened, Error> {
        let Some(shop) = self.keys.shop(&hash(key.trim())).await? else {
            return Err(Refused::not_allowed("bad_key", "this is not a shop key").into());
        };
        self.open_session(shop, self.clock.now()).await
    }

    async fn open_session(&self, shop: String, now: Millis) -> Result<Opened, Error> {
        let token = new_key("kait_ps_");
        let session = Session::open(hash(&token), shop, now, self.config.session_ttl);
        self.store.create_session(session.clone()).await?;
        Ok(Opened { token, session })
    }

    /// The live session a cookie's token names, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, Error> {
        Ok(self.store.session(hash(token), self.clock.now()).await?)
    }

    /// Ends the session a token names.
    pub async fn sign_out(&self, token: &str) -> Result<(), Error> {
        self.store.end_session(hash(token)).await?;
        Ok(())
    }
}
