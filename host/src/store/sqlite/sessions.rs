//! The merchant page's portal links (used once) and sessions, by the hash of
//! their token.

use rusqlite::{OptionalExtension, params};

use super::{Sqlite, StoreError};
use crate::clock::Millis;
use crate::domain::{PortalLink, Session};

pub(super) async fn create_link(db: &Sqlite, link: PortalLink) -> Result<(), StoreError> {
    db.write(move |conn, _| {
        conn.execute(
            "INSERT INTO portal_links (hash, shop_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![link.hash, link.shop_id, link.created_at, link.expires_at],
        )?;
        Ok(())
    })
    .await
}

pub(super) async fn redeem_link(
    db: &Sqlite,
    hash: String,
    now: Millis,
) -> Result<Option<String>, StoreError> {
    db.write(move |conn, _| {
        Ok(conn
            .query_row(
                "UPDATE portal_links SET used_at = ?2
                 WHERE hash = ?1 AND used_at IS NULL AND expires_at > ?2
                 RETURNING shop_id",
                params![hash, now],
                |row| row.get(0),
            )
            .optional()?)
    })
    .await
}

pub(super) async fn create(db: &Sqlite, session: Session) -> Result<(), StoreError> {
    db.write(move |conn, _| {
        conn.execute(
            "INSERT INTO sessions (hash, shop_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                session.hash,
                session.shop_id,
                session.created_at,
                session.expires_at
            ],
        )?;
        Ok(())
    })
    .await
}

pub(super) async fn one(
    db: &Sqlite,
    hash: String,
    now: Millis,
) -> Result<Option<Session>, StoreError> {
    db.read(move |conn, _| {
        Ok(conn
            .query_row(
                "SELECT hash, shop_id, created_at, expires_at FROM sessions
                 WHERE hash = ?1 AND expires_at > ?2",
                params![hash, now],
                |row| {
                    Ok(Session {
                        hash: row.get(0)?,
                        shop_id: row.get(1)?,
                        created_at: row.get(2)?,
                        expires_at: row.get(3)?,
                    })
                },
            )
            .optional()?)
    })
    .await
}

pub(super) async fn end(db: &Sqlite, hash: String) -> Result<bool, StoreError> {
    db.write(move |conn, _| Ok(conn.execute("DELETE FROM sessions WHERE hash = ?1", [hash])? > 0))
        .await
}
