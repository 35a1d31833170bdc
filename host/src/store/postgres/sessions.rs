//! The merchant page's portal links (used once, on any host) and sessions, by
//! the hash of their token.

use super::{Postgres, StoreError, execute, maybe};
use crate::clock::Millis;
use crate::domain::{PortalLink, Session};

pub(super) async fn create_link(db: &Postgres, link: PortalLink) -> Result<(), StoreError> {
    let client = db.client().await?;
    execute(
        &client,
        "INSERT INTO portal_links (hash, shop_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[
            &link.hash,
            &link.shop_id,
            &link.created_at,
            &link.expires_at,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn redeem_link(
    db: &Postgres,
    hash: String,
    now: Millis,
) -> Result<Option<String>, StoreError> {
    let client = db.client().await?;
    maybe(
        &client,
        "UPDATE portal_links SET used_at = $2
         WHERE hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING shop_id",
        &[&hash, &now],
    )
    .await?
    .map(|row| Ok(row.try_get(0)?))
    .transpose()
}

pub(super) async fn create(db: &Postgres, session: Session) -> Result<(), StoreError> {
    let client = db.client().await?;
    execute(
        &client,
        "INSERT INTO sessions (hash, shop_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[
            &session.hash,
            &session.shop_id,
            &session.created_at,
            &session.expires_at,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn one(
    db: &Postgres,
    hash: String,
    now: Millis,
) -> Result<Option<Session>, StoreError> {
    let client = db.client().await?;
    maybe(
        &client,
        "SELECT hash, shop_id, created_at, expires_at FROM sessions
         WHERE hash = $1 AND expires_at > $2",
        &[&hash, &now],
    )
    .await?
    .map(|row| {
        Ok(Session {
            hash: row.try_get(0)?,
            shop_id: row.try_get(1)?,
            created_at: row.try_get(2)?,
            expires_at: row.try_get(3)?,
        })
    })
    .transpose()
}

pub(super) async fn end(db: &Postgres, hash: String) -> Result<bool, StoreError> {
    let client = db.client().await?;
    Ok(execute(&client, "DELETE FROM sessions WHERE hash = $1", &[&hash]).await? > 0)
}
