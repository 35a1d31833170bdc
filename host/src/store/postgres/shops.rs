//! Shops: who they are, their plan, their abandonment window and the hash of
//! their key.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{Postgres, StoreError, execute, maybe, retrying, rows, webhooks};
use crate::clock::Millis;
use crate::domain::{NewShop, PAUSED_BY_PLAN, Plan, PlanChange, PlanMove, Shop};

const COLUMNS: &str = "id, name, plan, created_at, abandonment_window_ms";

fn shop(row: &Row) -> Result<Shop, StoreError> {
    Ok(Shop {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        plan: row.try_get(2)?,
        created_at: row.try_get(3)?,
        abandonment_window: Duration::from_millis(row.try_get::<_, i64>(4)? as u64),
    })
}

async fn get<C: GenericClient>(client: &C, id: &str) -> Result<Option<Shop>, StoreError> {
    maybe(
        client,
        &format!("SELECT {COLUMNS} FROM shops WHERE id = $1"),
        &[&id],
    )
    .await?
    .map(|row| shop(&row))
    .transpose()
}

pub(super) async fn create(db: &Postgres, new: NewShop) -> Result<Option<Shop>, StoreError> {
    let client = db.client().await?;
    let added = execute(
        &client,
        "INSERT INTO shops (id, name, plan, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
        &[
            &new.id.as_str(),
            &new.name.as_str(),
            &new.plan,
            &new.key_hash,
            &new.created_at,
        ],
    )
    .await?;
    if added == 0 {
        return Ok(None);
    }
    get(&client, new.id.as_str()).await
}

pub(super) async fn one(db: &Postgres, id: &str) -> Result<Option<Shop>, StoreError> {
    get(&db.client().await?, id).await
}

pub(super) async fn list(
    db: &Postgres,
    after: Option<String>,
    limit: usize,
) -> Result<Vec<Shop>, StoreError> {
    let client = db.client().await?;
    rows(
        &client,
        &format!("SELECT {COLUMNS} FROM shops WHERE id > $1 ORDER BY id LIMIT $2"),
        &[&after.unwrap_or_default(), &(limit as i64)],
    )
    .await?
    .iter()
    .map(shop)
    .collect()
}

pub(super) async fn by_key(db: &Postgres, hash: String) -> Result<Option<String>, StoreError> {
    let client = db.client().await?;
    maybe(
        &client,
        "SELECT id FROM shops WHERE key_hash = $1",
        &[&hash],
    )
    .await?
    .map(|row| Ok(row.try_get(0)?))
    .transpose()
}

pub(super) async fn set_plan(
    db: &Postgres,
    id: &str,
    plan: Plan,
    now: Millis,
) -> Result<Option<(Shop, PlanChange)>, StoreError> {
    retrying(|| set_plan_once(db, id, plan, now)).await
}

async fn set_plan_once(
    db: &Postgres,
    id: &str,
    plan: Plan,
    now: Millis,
) -> Result<Option<(Shop, PlanChange)>, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let changed = execute(
        &tx,
        "UPDATE shops SET plan = $2 WHERE id = $1",
        &[&id, &plan],
    )
    .await?;
    if changed == 0 {
        return Ok(None);
    }
    let moved = PlanMove::to(plan);
    let mut ids = Vec::new();
    for row in rows(
        &tx,
        "SELECT id FROM webhooks WHERE shop_id = $1 AND status = $2
             AND ($2 = 'active' OR disabled_reason = $3)
         ORDER BY created_at",
        &[&id, &moved.from, &PAUSED_BY_PLAN],
    )
    .await?
    {
        ids.push(row.try_get::<_, String>(0)?);
    }
    for webhook in &ids {
        webhooks::set_status(&tx, webhook, moved.to, moved.reason, now).await?;
    }
    let shop = get(&tx, id).await?;
    tx.commit().await?;
    Ok(shop.map(|shop| (shop, moved.change(ids))))
}

pub(super) async fn set_abandonment_window(
    db: &Postgres,
    id: &str,
    window: Duration,
) -> Result<Option<Shop>, StoreError> {
    let client = db.client().await?;
    execute(
        &client,
        "UPDATE shops SET abandonment_window_ms = $2 WHERE id = $1",
        &[&id, &(window.as_millis() as i64)],
    )
    .await?;
    get(&client, id).await
}
