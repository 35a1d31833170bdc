//! The [`Store`](super::Store) interface, mapped onto a backend whose folder has
//! one file per table with the same function names in each backend
//! (`shops::create`, `deliveries::claim_due` …), and five methods of its own
//! (`ping`, `shut`, `meta_get`, `meta_put`, `meta_set`). Written once here, so the backends
//! differ only in their SQL.

/// Implements [`Store`](super::Store) for `$backend` by calling its table files.
macro_rules! store_by_tables {
    ($backend:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $backend {
            async fn ping(&self) -> Result<(), StoreError> {
                <$backend>::ping(self).await
            }

            async fn close(&self) {
                <$backend>::shut(self).await
            }

            async fn meta(&self, key: &'static str) -> Result<Option<String>, StoreError> {
                <$backend>::meta_get(self, key).await
            }

            async fn meta_insert(
                &self,
                key: &'static str,
                value: String,
            ) -> Result<String, StoreError> {
                <$backend>::meta_put(self, key, value).await
            }

            async fn meta_replace(
                &self,
                key: &'static str,
                value: String,
            ) -> Result<(), StoreError> {
                <$backend>::meta_set(self, key, value).await
            }

            async fn create_shop(&self, shop: NewShop) -> Result<Option<Shop>, StoreError> {
                shops::create(self, shop).await
            }

            async fn shop(&self, id: &str) -> Result<Option<Shop>, StoreError> {
                shops::one(self, id).await
            }

            async fn shops(
                &self,
                after: Option<String>,
                limit: usize,
            ) -> Result<Vec<Shop>, StoreError> {
                shops::list(self, after, limit).await
            }

            async fn shop_by_key(&self, hash: String) -> Result<Option<String>, StoreError> {
                shops::by_key(self, hash).await
            }

            async fn set_plan(
                &self,
                id: &str,
                plan: Plan,
                now: Millis,
            ) -> Result<Option<(Shop, PlanChange)>, StoreError> {
                shops::set_plan(self, id, plan, now).await
            }

            async fn set_abandonment_window(
                &self,
                id: &str,
                window: std::time::Duration,
            ) -> Result<Option<Shop>, StoreError> {
                shops::set_abandonment_window(self, id, window).await
            }

            async fn create_webhook(&self, webhook: Webhook) -> Result<Webhook, StoreError> {
                webhooks::create(self, webhook).await
            }

            async fn webhook(&self, shop: &str, id: &str) -> Result<Option<Webhook>, StoreError> {
                webhooks::one(self, shop, id).await
            }

            async fn webhooks(&self, shop: &str) -> Result<Vec<Webhook>, StoreError> {
                webhooks::list(self, shop).await
            }

            async fn update_webhook(
                &self,
                webhook: Webhook,
                now: Millis,
            ) -> Result<Option<Webhook>, StoreError> {
                webhooks::update(self, webhook, now).await
            }

            async fn rotate_secret(
                &self,
                shop: &str,
                id: &str,
                secret: String,
                now: Millis,
                previous_until: Millis,
            ) -> Result<Option<Webhook>, StoreError> {
                webhooks::rotate_secret(self, shop, id, secret, now, previous_until).await
            }

            async fn delete_webhook(&self, shop: &str, id: &str) -> Result<bool, StoreError> {
                webhooks::delete(self, shop, id).await
            }

            async fn ingest(&self, event: NewEvent, now: Millis) -> Result<Ingested, StoreError> {
                events::ingest(self, event, now).await
            }

            async fn event(&self, shop: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
                events::one(self, shop, id).await
            }

            async fn claim(
                &self,
                now: Millis,
                lease_ms: Millis,
                limit: usize,
            ) -> Result<Vec<Claimed>, StoreError> {
                deliveries::claim_due(self, now, lease_ms, limit).await
            }

            async fn claim_single(
                &self,
                event: NewEvent,
                webhook: Webhook,
                now: Millis,
                lease_ms: Millis,
            ) -> Result<Claimed, StoreError> {
                deliveries::claim_single(self, event, webhook, now, lease_ms).await
            }

            async fn record(&self, attempt: AttemptRecord) -> Result<bool, StoreError> {
                deliveries::record_attempt(self, attempt).await
            }

            async fn next_due(&self) -> Result<Option<Millis>, StoreError> {
                deliveries::next_due(self).await
            }

            async fn queue_depth(&self) -> Result<u64, StoreError> {
                deliveries::queue_depth(self).await
            }

            async fn delivery(&self, shop: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
                deliveries::one(self, shop, id).await
            }

            async fn deliveries(
                &self,
                webhook: &str,
                page: DeliveryPage,
            ) -> Result<(Vec<Delivery>, Option<String>), StoreError> {
                deliveries::page(self, webhook, page).await
            }

            async fn retry(
                &self,
                shop: &str,
                id: &str,
                now: Millis,
            ) -> Result<Option<Delivery>, StoreError> {
                deliveries::retry(self, shop, id, now).await
            }

            async fn fire_timers(&self, now: Millis, limit: usize) -> Result<Fired, StoreError> {
                timers::fire(self, now, limit).await
            }

            async fn next_timer(&self) -> Result<Option<Millis>, StoreError> {
                timers::next(self).await
            }

            async fn pending_timers(&self) -> Result<u64, StoreError> {
                timers::pending(self).await
            }

            async fn create_portal_link(&self, link: PortalLink) -> Result<(), StoreError> {
                sessions::create_link(self, link).await
            }

            async fn redeem_portal_link(
                &self,
                hash: String,
                now: Millis,
            ) -> Result<Option<String>, StoreError> {
                sessions::redeem_link(self, hash, now).await
            }

            async fn create_session(&self, session: Session) -> Result<(), StoreError> {
                sessions::create(self, session).await
            }

            async fn session(
                &self,
                hash: String,
                now: Millis,
            ) -> Result<Option<Session>, StoreError> {
                sessions::one(self, hash, now).await
            }

            async fn end_session(&self, hash: String) -> Result<bool, StoreError> {
                sessions::end(self, hash).await
            }

            async fn insert_plugin_version(
                &self,
                version: PluginVersion,
                bytes: Vec<u8>,
            ) -> Result<(PluginVersion, bool), StoreError> {
                plugins::insert(self, version, bytes).await
            }

            async fn plugin_versions(&self) -> Result<Vec<PluginVersion>, StoreError> {
                plugins::all(self).await
            }

            async fn plugin_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
                plugins::bytes(self, sha256).await
            }

            async fn delete_plugin_version(
                &self,
                shop: &str,
                name: &PluginName,
                version: &str,
            ) -> Result<Deleted, StoreError> {
                plugins::delete(self, shop, name, version).await
            }

            async fn promote_plugin_version(
                &self,
                shop: &str,
                name: &PluginName,
                version: &str,
                now: Millis,
            ) -> Result<Option<PluginVersion>, StoreError> {
                plugins::promote(self, shop, name, version, now).await
            }

            async fn withdraw_plugin_version(
                &self,
                shop: &str,
                name: &PluginName,
                version: &str,
                now: Millis,
            ) -> Result<Withdrawn, StoreError> {
                plugins::withdraw(self, shop, name, version, now).await
            }
        }
    };
}

pub(crate) use store_by_tables;
