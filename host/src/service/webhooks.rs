//! Webhooks: the Settings → Webhooks page's operations. A configuration is checked
//! by the plugin's own `validate-config`; secrets left out of an update (or sent
//! back masked) keep their values; the signing secret is made here. The seed's
//! form (Status, Name, Callback URL) is the `http` plugin with `config.url`:
//! [`WebhookInput::with_callback_url`] folds a Callback URL into that config.

use std::sync::Arc;

use serde_json::Value;

use super::{Error, Service};
use crate::domain::{EventTypes, PluginRef, Refused, Webhook, WebhookName, WebhookStatus, new_id};
use crate::registry::Entry;
use crate::runtime::CallError;
use crate::signing;

/// A webhook to create, as the merchant typed it.
pub struct WebhookInput {
    /// The merchant's name for it.
    pub name: String,
    /// `active` (default) or `paused`.
    pub status: Option<WebhookStatus>,
    /// Event types to receive; default: all ten.
    pub events: Option<Vec<String>>,
    /// A built-in or one of the shop's own plugins.
    pub plugin: String,
    /// The plugin's settings.
    pub config: Value,
}

/// Changes to a webhook; what is `None` stays as it is.
#[derive(Default)]
pub struct WebhookChanges {
    /// A new name.
    pub name: Option<String>,
    /// `active` or `paused`.
    pub status: Option<WebhookStatus>,
    /// New event types.
    pub events: Option<Vec<String>>,
    /// Another plugin (or version).
    pub plugin: Option<String>,
    /// New settings; secrets left out or masked keep their values.
    pub config: Option<Value>,
}

impl WebhookInput {
    /// The plugin a webhook uses when it names none: the seed's form has only a
    /// Callback URL, which is this built-in's `config.url` (built-ins shadow
    /// uploads, so the name is enough).
    pub const CALLBACK_PLUGIN: &str = "http";

    /// The input with the seed's Callback URL as its config's `url`. Refused when
    /// the plugin is not `http` (`callback_url_not_http`), when the config is not
    /// an object, or when its `url` says something else (`callback_url_conflict`).
    pub fn with_callback_url(mut self, callback_url: Option<String>) -> Result<Self, Refused> {
        self.config = callback_config(&self.plugin, self.config, callback_url)?;
        Ok(self)
    }
}

/// Whether `plugin`, as a webhook or a request names it, is the `http` built-in.
pub(super) fn is_callback_plugin(plugin: &str) -> bool {
    PluginRef::parse(plugin).is_ok_and(|r| r.name.as_str() == WebhookInput::CALLBACK_PLUGIN)
}

/// `config` with `callback_url` (if any) as its `url`; see
/// [`WebhookInput::with_callback_url`].
fn callback_config(
    plugin: &str,
    mut config: Value,
    callback_url: Option<String>,
) -> Result<Value, Refused> {
    let Some(url) = callback_url else {
        return Ok(config);
    };
    if !is_callback_plugin(plugin) {
        return Err(Refused::invalid(
            "callback_url_not_http",
            format!(
                "callback_url is the http plugin's config.url; plugin {plugin} takes its destination in config"
            ),
        ));
    }
    let Some(fields) = config.as_object_mut() else {
        return Err(Refused::invalid(
            "invalid_config",
            "config must be a JSON object",
        ));
    };
    match fields.get("url") {
        Some(Value::String(given)) if *given == url => {}
        None => {
            fields.insert("url".into(), Value::String(url));
        }
        Some(other) => {
            return Err(Refused::invalid(
                "callback_url_conflict",
                format!(
                    "callback_url and config.url differ ({url:?} and {other}); send one of them"
                ),
            ));
        }
    }
    Ok(config)
}

impl Service {
    /// Refuses webhooks for a shop whose plan has none (or that does not exist).
    async fn eligible(&self, shop: &str) -> Result<(), Error> {
        Ok(self.existing_shop(shop).await?.plan.require_webhooks()?)
    }

    /// The plugin version `plugin` names for `shop`, and the reference as a
    /// webhook keeps it.
    async fn named(&self, shop: &str, plugin: &str) -> Result<(Arc<Entry>, PluginRef), Error> {
        let reference = PluginRef::parse(plugin)?;
        let entry = self
            .registry
            .resolve(shop, &reference)
            .await
            .map_err(|e| Refused::invalid("unknown_plugin", e.to_string()))?;
        let kept = reference.for_webhook(entry.builtin)?;
        Ok((entry, kept))
    }

    /// Checks `config` with the plugin's `validate-config` (`invalid_config`).
    pub async fn check_config(
        &self,
        shop: &str,
        entry: &Arc<Entry>,
        config: &Value,
    ) -> Result<(), Error> {
        if !config.is_object() {
            return Err(Refused::invalid("invalid_config", "config must be a JSON object").into());
        }
        let runtime = self.runtime.clone();
        let (checking, shop, text) = (entry.clone(), shop.to_string(), config.to_string());
        let called = tokio::task::spawn_blocking(move || {
            runtime.validate_config(&checking.plugin, &shop, &text)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
        match called.result {
            Ok(()) => Ok(()),
            Err(CallError::InvalidConfig(message)) => {
                Err(Refused::invalid("invalid_config", message).into())
            }
            Err(other) => Err(Refused::invalid("invalid_config", other.to_string()).into()),
        }
    }

    /// The version a webhook's plugin resolves to now, as its next delivery would.
    pub async fn resolved(&self, webhook: &Webhook) -> Option<Arc<Entry>> {
        self.registry
            .resolve(&webhook.shop_id, &webhook.plugin)
            .await
            .ok()
    }

    /// The plugin version `plugin` names for `shop` (its schema builds the
    /// page's form).
    pub async fn plugin_entry(&self, shop: &str, plugin: &str) -> Result<Arc<Entry>, Error> {
        Ok(self.named(shop, plugin).await?.0)
    }

    /// Creates a webhook.
    pub async fn create_webhook(&self, shop: &str, input: WebhookInput) -> Result<Webhook, Error> {
        self.eligible(shop).await?;
        let name = WebhookName::parse(&input.name)?;
        let events = EventTypes::parse(input.events)?;
        let (entry, plugin) = self.named(shop, &input.plugin).await?;
        self.check_config(shop, &entry, &input.config).await?;
        let status = input.status.unwrap_or(WebhookStatus::Active).chosen()?;
        let now = self.clock.now();
        let webhook = Webhook {
            id: new_id("wh"),
            shop_id: shop.to_string(),
            name,
            status,
            disabled_reason: None,
            events,
            plugin,
            config: input.config.to_string(),
            signing_secret: signing::new_secret(),
            previous_secret: None,
            failing_since: None,
            created_at: now,
            updated_at: now,
        };
        Ok(self.store.create_webhook(webhook).await?)
    }

    /// A shop's webhooks, oldest first.
    pub async fn webhooks(&self, shop: &str) -> Result<Vec<Webhook>, Error> {
        self.existing_shop(shop).await?;
        Ok(self.store.webhooks(shop).await?)
    }

    /// One webhook.
    pub async fn webhook(&self, shop: &str, id: &str) -> Result<Webhook, Error> {
        self.store
            .webhook(shop, id)
            .await?
            .ok_or_else(|| Refused::not_found(format!("webhook {id}")).into())
    }

    /// Changes a webhook; the configuration is checked again by the plugin.
    /// Returns it with the version its plugin resolves to.
    pub async fn update_webhook(
        &self,
        shop: &str,
        id: &str,
        changes: WebhookChanges,
    ) -> Result<(Webhook, Arc<Entry>), Error> {
        let mut webhook = self.webhook(shop, id).await?;
        if let Some(name) = &changes.name {
            webhook.name = WebhookName::parse(name)?;
        }
        if changes.events.is_some() {
            webhook.events = EventTypes::parse(changes.events)?;
        }
        let old_config: Value = serde_json::from_str(&webhook.config).unwrap_or_default();
        let requested = changes.plugin.unwrap_or_else(|| webhook.plugin.to_string());
        let (entry, plugin) = self.named(shop, &requested).await?;
        let mut config = changes.config.unwrap_or_else(|| old_config.clone());
        if webhook.plugin.name.as_str() == entry.name {
            entry.secrets.keep_unchanged(&mut config, &old_config);
        }
        self.check_config(shop, &entry, &config).await?;
        webhook.plugin = plugin;
        webhook.config = config.to_string();
        if let Some(status) = changes.status {
            let status = status.chosen()?;
            if status == WebhookStatus::Active && webhook.status != WebhookStatus::Active {
                self.eligible(shop).await?;
            }
            webhook.status = status;
        }
        let webhook = self.save(webhook).await?;
        Ok((webhook, entry))
    }

    /// `changes` with the Callback URL folded into the config the webhook will
    /// have: the config sent, else the stored one when the plugin stays the same
    /// (so the rest of it is kept), else `{}`. See [`WebhookInput::with_callback_url`].
    pub async fn with_callback_url(
        &self,
        shop: &str,
        id: &str,
        mut changes: WebhookChanges,
        callback_url: Option<String>,
    ) -> Result<WebhookChanges, Error> {
        if callback_url.is_none() {
            return Ok(changes);
        }
        let webhook = self.webhook(shop, id).await?;
        let plugin = (changes.plugin.clone()).unwrap_or_else(|| webhook.plugin.to_string());
        let same_plugin = PluginRef::parse(&plugin).is_ok_and(|r| r.name == webhook.plugin.name);
        let base = match changes.config.take() {
            Some(config) => config,
            // The stored URL is the one being replaced, not a second opinion.
            None if same_plugin => {
                let mut stored: Value = serde_json::from_str(&webhook.config).unwrap_or_default();
                if let Some(fields) = stored.as_object_mut() {
                    fields.remove("url");
                }
                stored
            }
            None => Value::Object(Default::default()),
        };
        changes.config = Some(callback_config(&plugin, base, callback_url)?);
        Ok(changes)
    }

    /// Pauses (holding its waiting deliveries) or resumes (releasing them) a
    /// webhook; resuming needs a plan with webhooks.
    pub async fn set_webhook_status(
        &self,
        shop: &str,
        id: &str,
        status: WebhookStatus,
    ) -> Result<Webhook, Error> {
        let mut webhook = self.webhook(shop, id).await?;
        if status == WebhookStatus::Active {
            self.eligible(shop).await?;
        }
        webhook.status = status.chosen()?;
        self.save(webhook).await
    }

    async fn save(&self, webhook: Webhook) -> Result<Webhook, Error> {
        let id = webhook.id.clone();
        let saved = self
            .store
            .update_webhook(webhook, self.clock.now())
            .await?
            .ok_or_else(|| Refused::not_found(format!("webhook {id}")))?;
        self.signals.deliveries.notify();
        Ok(saved)
    }

    /// Deletes a webhook with its delivery log.
    pub async fn delete_webhook(&self, shop: &str, id: &str) -> Result<(), Error> {
        if self.store.delete_webhook(shop, id).await? {
            Ok(())
        } else {
            Err(Refused::not_found(format!("webhook {id}")).into())
        }
    }

    /// Replaces a webhook's signing secret. The old one still signs every
    /// request, beside the new one, for the `rotation_overlap` setting.
    pub async fn rotate_secret(&self, shop: &str, id: &str) -> Result<Webhook, Error> {
        let now = self.clock.now();
        let until = now + self.config.rotation_overlap.as_millis() as i64;
        self.store
            .rotate_secret(shop, id, signing::new_secret(), now, until)
            .await?
            .ok_or_else(|| Refused::not_found(format!("webhook {id}")).into())
    }
}
