//! Ingest: one transaction stores the event and one pending delivery for each
//! active webhook of the shop that receives its type. The same event id twice,
//! on any host, is answered with the first result and creates nothing: the
//! primary key decides, and a second insert waits for the first to commit.

use deadpool_postgres::GenericClient;

use super::{Postgres, StoreError, corrupt, execute, maybe, rows, timers};
use crate::clock::Millis;
use crate::domain::{CreatedDelivery, EventTypes, Ingested, NewEvent, StoredEvent, new_id};

pub(super) async fn get<C: GenericClient>(
    client: &C,
    shop: &str,
    id: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    maybe(
        client,
        "SELECT id, type, body FROM events WHERE shop_id = $1 AND id = $2",
        &[&shop, &id],
    )
    .await?
    .map(|row| {
        Ok(StoredEvent {
            id: row.try_get(0)?,
            kind: row.try_get(1)?,
            body: row.try_get(2)?,
        })
    })
    .transpose()
}

async fn existing<C: GenericClient>(
    client: &C,
    shop: &str,
    id: &str,
) -> Result<Option<Ingested>, StoreError> {
    let Some(event) = get(client, shop, id).await? else {
        return Ok(None);
    };
    let deliveries = rows(
        client,
        "SELECT id, webhook_id FROM deliveries WHERE shop_id = $1 AND event_id = $2 ORDER BY id",
        &[&shop, &id],
    )
    .await?
    .iter()
    .map(|row| {
        Ok(CreatedDelivery {
            id: row.try_get(0)?,
            webhook_id: row.try_get(1)?,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    Ok(Some(Ingested {
        id: event.id,
        kind: event.kind,
        duplicate: true,
        deliveries,
    }))
}

/// Stores `event` and one pending delivery per active webhook that receives its
/// type; a known id gives the first result back and stores nothing.
pub(super) async fn insert<C: GenericClient>(
    client: &C,
    event: &NewEvent,
    now: Millis,
) -> Result<Ingested, StoreError> {
    let added = execute(
        client,
        "INSERT INTO events (shop_id, id, type, body, received_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
        &[&event.shop, &event.id, &event.kind, &event.body, &now],
    )
    .await?;
    if added == 0 {
        return existing(client, &event.shop, &event.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("event vanished".into()));
    }
    let webhooks = rows(
        client,
        "SELECT id, events FROM webhooks WHERE shop_id = $1 AND status = 'active' ORDER BY created_at, id",
        &[&event.shop],
    )
    .await?;
    let mut deliveries = Vec::new();
    for row in webhooks {
        let webhook: String = row.try_get(0)?;
        let events: Vec<String> =
            serde_json::from_str(row.try_get::<_, &str>(1)?).map_err(corrupt)?;
        if !EventTypes::parse(Some(events))
            .map_err(corrupt)?
            .receives(&event.kind)
        {
            continue;
        }
        let id = new_id("msg");
        execute(
            client,
            "INSERT INTO deliveries (id, shop_id, webhook_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $6)",
            &[&id, &event.shop, &webhook, &event.id, &event.kind, &now],
        )
        .await?;
        deliveries.push(CreatedDelivery {
            id,
            webhook_id: webhook,
        });
    }
    Ok(Ingested {
        id: event.id.clone(),
        kind: event.kind.clone(),
        duplicate: false,
        deliveries,
    })
}

pub(super) async fn ingest(
    db: &Postgres,
    event: NewEvent,
    now: Millis,
) -> Result<Ingested, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let ingested = insert(&tx, &event, now).await?;
    if !ingested.duplicate
        && let Some(effect) = &event.timer
    {
        timers::apply(&tx, &event.shop, effect, &event.body, now).await?;
    }
    tx.commit().await?;
    Ok(ingested)
}

pub(super) async fn one(
    db: &Postgres,
    shop: &str,
    id: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    get(&db.client().await?, shop, id).await
}
