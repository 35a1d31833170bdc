//! Shops: created by the platform with a key shown once; their plan and their
//! abandonment window.

use super::keys::{hash, new_key};
use super::{Error, Service};
use crate::domain::{
    NewShop, Plan, PlanChange, Refused, Shop, ShopId, ShopName, abandonment, page_size,
};

/// A shop after a change, and what the change did.
pub struct ShopUpdated {
    /// The shop now.
    pub shop: Shop,
    /// Webhooks paused because the new plan has none.
    pub paused_webhooks: Vec<String>,
    /// Webhooks an earlier downgrade paused, resumed because the new plan has them.
    pub resumed_webhooks: Vec<String>,
    /// What happened, for people.
    pub message: String,
}

impl Service {
    /// Creates a shop; returns it with its key (only its hash is kept).
    pub async fn create_shop(
        &self,
        id: &str,
        name: &str,
        plan: Plan,
    ) -> Result<(Shop, String), Error> {
        let (checked_id, name) = (ShopId::parse(id)?, ShopName::parse(name)?);
        let key = new_key("kait_sk_");
        let new = NewShop {
            id: checked_id,
            name,
            plan,
            key_hash: hash(&key),
            created_at: self.clock.now(),
        };
        match self.store.create_shop(new).await? {
            Some(shop) => Ok((shop, key)),
            None => Err(Refused::conflict("conflict", format!("shop {id} already exists")).into()),
        }
    }

    /// Shops in id order after `cursor`, at most `limit` (1 to 250, default 50),
    /// with the cursor of the next page.
    pub async fn shops(
        &self,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<(Vec<Shop>, Option<String>), Error> {
        let limit = page_size(limit);
        let mut shops = self.store.shops(cursor, limit + 1).await?;
        let next = (shops.len() > limit).then(|| {
            shops.truncate(limit);
            shops.last().map(|s| s.id.clone()).unwrap_or_default()
        });
        Ok((shops, next))
    }

    /// One shop.
    pub async fn shop(&self, id: &str) -> Result<Shop, Error> {
        self.existing_shop(id).await
    }

    /// Changes a shop's abandonment window (minutes) and plan; a plan without
    /// webhooks pauses the shop's active webhooks, and a plan with them resumes
    /// exactly the webhooks a downgrade paused (not those the merchant paused).
    pub async fn update_shop(
        &self,
        id: &str,
        plan: Option<Plan>,
        window_minutes: Option<u64>,
    ) -> Result<ShopUpdated, Error> {
        let missing = || Error::from(Refused::not_found(format!("shop {id}")));
        let mut messages = Vec::new();
        let mut change = PlanChange::default();
        if let Some(minutes) = window_minutes {
            let window = abandonment::window(minutes)?;
            self.store
                .set_abandonment_window(id, window)
                .await?
                .ok_or_else(missing)?;
            messages.push(format!("abandonment window set to {minutes} minutes"));
        }
        if let Some(plan) = plan {
            (_, change) = self
                .store
                .set_plan(id, plan, self.clock.now())
                .await?
                .ok_or_else(missing)?;
            messages.push(match (change.paused.len(), change.resumed.len()) {
                (0, 0) => format!("plan changed to {plan}"),
                (0, resumed) => format!(
                    "plan changed to {plan}: {resumed} webhook(s) paused by an earlier downgrade resumed"
                ),
                (paused, _) => format!(
                    "plan changed to {plan}, which has no webhooks: {paused} webhook(s) paused"
                ),
            });
        }
        let shop = self.existing_shop(id).await?;
        Ok(ShopUpdated {
            shop,
            paused_webhooks: change.paused,
            resumed_webhooks: change.resumed,
            message: if messages.is_empty() {
                "nothing changed".into()
            } else {
                messages.join("; ")
            },
        })
    }
}
