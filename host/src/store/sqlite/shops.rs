//! Shops: who they are, their plan, their abandonment window and the hash of
//! their key.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Sqlite, StoreError, webhooks};
use crate::clock::Millis;
use crate::domain::{NewShop, PAUSED_BY_PLAN, Plan, PlanChange, PlanMove, Shop};

const COLUMNS: &str = "id, name, plan, created_at, abandonment_window_ms";

fn shop(row: &Row) -> rusqlite::Result<Shop> {
    Ok(Shop {
        id: row.get(0)?,
        name: row.get(1)?,
        plan: row.get(2)?,
        created_at: row.get(3)?,
        abandonment_window: Duration::from_millis(row.get::<_, u64>(4)?),
    })
}

fn get(conn: &Connection, id: &str) -> Result<Option<Shop>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM shops WHERE id = ?1"),
            [id],
            shop,
        )
        .optional()?)
}

pub(super) async fn create(db: &Sqlite, new: NewShop) -> Result<Option<Shop>, StoreError> {
    db.write(move |conn, _| {
        let added = conn.execute(
            "INSERT OR IGNORE INTO shops (id, name, plan, key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![new.id.as_str(), new.name.as_str(), new.plan, new.key_hash, new.created_at],
        )?;
        if added == 0 {
            return Ok(None);
        }
        get(conn, new.id.as_str())
    })
    .await
}

pub(super) async fn one(db: &Sqlite, id: &str) -> Result<Option<Shop>, StoreError> {
    let id = id.to_string();
    db.read(move |conn, _| get(conn, &id)).await
}

pub(super) async fn list(
    db: &Sqlite,
    after: Option<String>,
    limit: usize,
) -> Result<Vec<Shop>, StoreError> {
    db.read(move |conn, _| {
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM shops WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after.unwrap_or_default(), limit as i64], shop)?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
    .await
}

pub(super) async fn by_key(db: &Sqlite, hash: String) -> Result<Option<String>, StoreError> {
    db.read(move |conn, _| {
        Ok(conn
            .query_row("SELECT id FROM shops WHERE key_hash = ?1", [hash], |row| {
                row.get(0)
            })
            .optional()?)
    })
    .await
}

pub(super) async fn set_plan(
    db: &Sqlite,
    id: &str,
    plan: Plan,
    now: Millis,
) -> Result<Option<(Shop, PlanChange)>, StoreError> {
    let id = id.to_string();
    db.write(move |conn, _| {
        let changed = conn.execute(
            "UPDATE shops SET plan = ?2 WHERE id = ?1",
            params![id, plan],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        let moved = PlanMove::to(plan);
        let mut stmt = conn.prepare(
            "SELECT id FROM webhooks WHERE shop_id = ?1 AND status = ?2
                 AND (?2 = 'active' OR disabled_reason = ?3)
             ORDER BY created_at",
        )?;
        let ids: Vec<String> = stmt
            .query_map(params![id, moved.from, PAUSED_BY_PLAN], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        for webhook in &ids {
            webhooks::set_status(conn, webhook, moved.to, moved.reason, now)?;
        }
        Ok(get(conn, &id)?.map(|shop| (shop, moved.change(ids))))
    })
    .await
}

pub(super) async fn set_abandonment_window(
    db: &Sqlite,
    id: &str,
    window: Duration,
) -> Result<Option<Shop>, StoreError> {
    let id = id.to_string();
    db.write(move |conn, _| {
        conn.execute(
            "UPDATE shops SET abandonment_window_ms = ?2 WHERE id = ?1",
            params![id, window.as_millis() as i64],
        )?;
        get(conn, &id)
    })
    .await
}
