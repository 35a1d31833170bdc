//! Moving `@latest` by hand: promoting a version makes it the latest, withdrawing
//! one takes it out of `@latest` (it stays, for webhooks pinned to it). Each
//! change is read back into the index and announced, so every host's next
//! lookup of `@latest` finds the new latest; attempts already running keep the
//! version they resolved.

use super::Registry;
use crate::clock::Millis;
use crate::domain::{PluginName, PluginVersion};
use crate::store::{StoreError, Withdrawn};

impl Registry {
    /// Makes `shop`'s version `version` of `name` the latest; `None` if there is
    /// no such version.
    pub async fn promote(
        &self,
        shop: &str,
        name: &PluginName,
        version: &str,
        now: Millis,
    ) -> Result<Option<PluginVersion>, StoreError> {
        let promoted = self
            .inner
            .store
            .promote_plugin_version(shop, name, version, now)
            .await?;
        if promoted.is_some() {
            self.changed(shop, name).await;
        }
        Ok(promoted)
    }

    /// Takes `shop`'s version `version` of `name` out of `@latest`.
    pub async fn withdraw(
        &self,
        shop: &str,
        name: &PluginName,
        version: &str,
        now: Millis,
    ) -> Result<Withdrawn, StoreError> {
        let withdrawn = self
            .inner
            .store
            .withdraw_plugin_version(shop, name, version, now)
            .await?;
        if matches!(withdrawn, Withdrawn::Done { .. }) {
            self.changed(shop, name).await;
        }
        Ok(withdrawn)
    }

    /// Reads the plugin's versions again here, and tells every other registry.
    async fn changed(&self, shop: &str, name: &PluginName) {
        self.refresh(shop, name.as_str()).await;
        self.announce(shop, name);
    }
}
