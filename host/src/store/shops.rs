//! Shops: who they are, their plan, and the hash of their key.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Store, StoreError};
use crate::clock::{Millis, rfc3339};

/// A shop's subscription plan; webhooks need `standard` or above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// No webhooks.
    Free,
    /// No webhooks.
    Basic,
    /// Webhooks.
    Standard,
    /// Webhooks.
    Premium,
    /// Webhooks.
    Ultimate,
}

impl Plan {
    /// The plans that include webhooks.
    pub const WITH_WEBHOOKS: [Plan; 3] = [Plan::Standard, Plan::Premium, Plan::Ultimate];

    /// Whether this plan includes webhooks.
    pub fn has_webhooks(self) -> bool {
        Self::WITH_WEBHOOKS.contains(&self)
    }
}

super::text::text_enum!(Plan {
    Free => "free",
    Basic => "basic",
    Standard => "standard",
    Premium => "premium",
    Ultimate => "ultimate",
});

/// A shop as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shop {
    /// The shop's id, chosen by the platform.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Subscription plan.
    pub plan: Plan,
    /// When the shop was created (RFC 3339).
    pub created_at: String,
    /// Minutes after a checkout starts before Kait calls it abandoned.
    pub abandonment_window_minutes: u64,
}

type Raw = (String, String, String, Millis, Millis);

fn shop(row: &Row) -> rusqlite::Result<Raw> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn to_shop((id, name, plan, created_at, window): Raw) -> Result<Shop, StoreError> {
    Ok(Shop {
        id,
        name,
        plan: Plan::parse(&plan)?,
        created_at: rfc3339(created_at),
        abandonment_window_minutes: (window / 60_000) as u64,
    })
}

fn get(conn: &Connection, id: &str) -> Result<Option<Shop>, StoreError> {
    conn.query_row(
        "SELECT id, name, plan, created_at, abandonment_window_ms FROM shops WHERE id = ?1",
        [id],
        shop,
    )
    .optional()?
    .map(to_shop)
    .transpose()
}

impl Store {
    /// Creates a shop; `None` if the id is taken.
    pub async fn create_shop(
        &self,
        id: String,
        name: String,
        plan: Plan,
        key_hash: String,
        now: Millis,
    ) -> Result<Option<Shop>, StoreError> {
        self.write(move |conn| {
            let added = conn.execute(
                "INSERT OR IGNORE INTO shops (id, name, plan, key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, name, plan.as_str(), key_hash, now],
            )?;
            if added == 0 {
                return Ok(None);
            }
            get(conn, &id)
        })
        .await
    }

    /// One shop.
    pub async fn shop(&self, id: &str) -> Result<Option<Shop>, StoreError> {
        let id = id.to_string();
        self.read(move |conn| get(conn, &id)).await
    }

    /// Shops in id order, after `after`, at most `limit`.
    pub async fn shops(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<Shop>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, plan, created_at, abandonment_window_ms FROM shops WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after.unwrap_or_default(), limit as i64], shop)?;
            rows.map(|row| to_shop(row?)).collect()
        })
        .await
    }

    /// The shop whose key hashes to `hash`.
    pub async fn shop_by_key(&self, hash: String) -> Result<Option<String>, StoreError> {
        self.read(move |conn| {
            Ok(conn
                .query_row("SELECT id FROM shops WHERE key_hash = ?1", [hash], |row| {
                    row.get(0)
                })
                .optional()?)
        })
        .await
    }

    /// Changes a shop's plan. On a plan without webhooks, its active webhooks are
    /// paused in the same transaction; their ids are returned.
    pub async fn set_plan(
        &self,
        id: String,
        plan: Plan,
        now: Millis,
    ) -> Result<Option<(Shop, Vec<String>)>, StoreError> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE shops SET plan = ?2 WHERE id = ?1",
                params![id, plan.as_str()],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            let mut paused = Vec::new();
            if !plan.has_webhooks() {
                let mut stmt = conn.prepare(
                    "SELECT id FROM webhooks WHERE shop_id = ?1 AND status = 'active' ORDER BY created_at",
                )?;
                paused = stmt
                    .query_map([&id], |row| row.get::<_, String>(0))?
                    .collect::<Result<_, _>>()?;
                for webhook in &paused {
                    super::webhooks::set_status(conn, webhook, super::WebhookStatus::Paused, None, now)?;
                }
            }
            Ok(get(conn, &id)?.map(|shop| (shop, paused)))
        })
        .await
    }

    /// Sets a shop's abandonment window; `None` if there is no such shop.
    pub async fn set_abandonment_window(
        &self,
        id: String,
        window: std::time::Duration,
    ) -> Result<Option<Shop>, StoreError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE shops SET abandonment_window_ms = ?2 WHERE id = ?1",
                params![id, window.as_millis() as i64],
            )?;
            get(conn, &id)
        })
        .await
    }
}
