//! A shop's plugin versions moved in and out of `@latest` by hand: promoting one
//! makes it the latest; withdrawing a bad one makes the previous one the latest
//! again, and says which webhooks are pinned to it (they keep running it).

use super::{Error, Service, Version};
use crate::domain::{PluginName, Refused};
use crate::store::Withdrawn;

/// A withdrawn version and the webhooks (id, name) pinned to it.
pub struct Withdrawal {
    /// The version, now out of `@latest`.
    pub version: Version,
    /// The webhooks that name it exactly and keep running it.
    pub pinned: Vec<(String, String)>,
}

impl Service {
    /// Makes version `version` (an id, or `latest`) of `shop`'s plugin `name` the
    /// latest, clearing any withdrawal.
    pub async fn promote_plugin_version(
        &self,
        shop: &str,
        name: &str,
        version: &str,
    ) -> Result<Version, Error> {
        self.not_builtin(name, "promoted")?;
        let id = self.plugin_version(shop, name, version).await?.version;
        let plugin = PluginName::parse(name)?;
        let now = self.clock.now();
        if self
            .registry
            .promote(shop, &plugin, &id, now)
            .await?
            .is_none()
        {
            return Err(Refused::not_found(format!("version {version} of plugin {name}")).into());
        }
        self.plugin_version(shop, name, &id).await
    }

    /// Takes version `version` of `shop`'s plugin `name` out of `@latest`,
    /// unless no other version would be left in it (`last_version`).
    pub async fn withdraw_plugin_version(
        &self,
        shop: &str,
        name: &str,
        version: &str,
    ) -> Result<Withdrawal, Error> {
        self.not_builtin(name, "withdrawn")?;
        let id = self.plugin_version(shop, name, version).await?.version;
        let plugin = PluginName::parse(name)?;
        let now = self.clock.now();
        match self.registry.withdraw(shop, &plugin, &id, now).await? {
            Withdrawn::Done { pinned, .. } => Ok(Withdrawal {
                version: self.plugin_version(shop, name, &id).await?,
                pinned,
            }),
            Withdrawn::NotFound => {
                Err(Refused::not_found(format!("version {version} of plugin {name}")).into())
            }
            Withdrawn::Last => Err(Refused::conflict(
                "last_version",
                format!(
                    "{name}@{id} is the only version of {name} not withdrawn, so @latest would \
                     name nothing; upload or promote another version first, or delete this one \
                     if no webhook uses it"
                ),
            )
            .into()),
        }
    }
}
