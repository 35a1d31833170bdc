//! Keeping the index in step: the plugin changes heard on the bulletin since the
//! last lookup are applied by reading those plugins' versions from the store
//! again, so a change made through any host is seen by every host.

use tokio::sync::broadcast;

use super::{Index, Registry, ready_key};
use crate::domain::PluginVersion;
use crate::signals::PluginChanged;

impl Registry {
    /// Applies the changes heard since the last lookup: each changed plugin's
    /// versions are read again from the store.
    pub(super) async fn catch_up(&self) {
        let mut changed = Vec::new();
        {
            let mut heard = self.inner.heard.lock().unwrap();
            loop {
                match heard.try_recv() {
                    Ok(news) if news.is_anything() => changed.push(None),
                    Ok(news) => changed.push(Some(news)),
                    Err(broadcast::error::TryRecvError::Lagged(_)) => changed.push(None),
                    Err(_) => break,
                }
            }
        }
        if changed.is_empty() {
            return;
        }
        match self.inner.store.plugin_versions().await {
            Ok(rows) => self.reindex(rows, &changed),
            Err(error) => tracing::error!("reading plugin versions after a change failed: {error}"),
        }
    }

    /// Reads one plugin's versions from the store again, whatever the news said.
    pub(super) async fn refresh(&self, shop: &str, name: &str) {
        let changed = [Some(PluginChanged {
            shop: shop.to_string(),
            name: name.to_string(),
        })];
        match self.inner.store.plugin_versions().await {
            Ok(rows) => self.reindex(rows, &changed),
            Err(error) => tracing::error!("reading plugin versions failed: {error}"),
        }
    }

    /// Replaces the index entries of the changed plugins (`None`: all of them,
    /// news was missed) with `rows`, and drops ready versions that are gone.
    fn reindex(&self, rows: Vec<PluginVersion>, changed: &[Option<PluginChanged>]) {
        let everything = changed.iter().any(Option::is_none);
        let touched = |shop: &str, name: &str| {
            everything
                || changed
                    .iter()
                    .flatten()
                    .any(|c| c.shop == shop && c.name == name)
        };
        let mut fresh = Index::new();
        for row in rows {
            if touched(&row.shop_id, row.name.as_str()) {
                fresh
                    .entry((row.shop_id.clone(), row.name.to_string()))
                    .or_default()
                    .push(row);
            }
        }
        let mut index = self.inner.index.write().unwrap();
        index.retain(|(shop, name), _| !touched(shop, name));
        index.extend(fresh);
        let kept: std::collections::HashSet<String> = index
            .values()
            .flatten()
            .map(|v| ready_key(&v.shop_id, v.name.as_str(), &v.version))
            .collect();
        drop(index);
        self.inner
            .ready
            .lock()
            .unwrap()
            .retain(|key, _| kept.contains(key));
    }
}
