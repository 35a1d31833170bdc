//! Two registries on one store and one bulletin, as two hosts would be: a version
//! uploaded, deleted, promoted or withdrawn through one is what the other resolves
//! at its next lookup.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kait::clock::Millis;
use kait::domain::{
    EventTypes, NewShop, Plan, PluginName, PluginRef, ShopId, ShopName, Webhook, WebhookName,
    WebhookStatus,
};
use kait::metrics::Metrics;
use kait::registry::{Builtins, Registry};
use kait::signals::{Bulletin, LocalBulletin, PluginChanged};
use kait::store::{Deleted, SharedStore, Withdrawn};

use crate::common;

const NOW: Millis = 1_700_000_000_000;

async fn host(store: &SharedStore, bulletin: &Arc<dyn Bulletin<PluginChanged>>) -> Registry {
    let runtime = common::runtime();
    let builtins = Builtins::load(&runtime, &BTreeMap::new()).unwrap();
    let metrics = Arc::new(Metrics::default());
    Registry::open(runtime, store.clone(), metrics, builtins, bulletin.clone())
        .await
        .unwrap()
}

/// A store on the suite's backend with shop `acme` (keep the place alive).
async fn store_with_acme() -> (crate::server::Place, SharedStore) {
    let place = crate::server::Place::new();
    let store = kait::store::open(&place.data(), &[7; 32])
        .await
        .unwrap()
        .store;
    store
        .create_shop(NewShop {
            id: ShopId::parse("acme").unwrap(),
            name: ShopName::parse("Acme").unwrap(),
            plan: Plan::Premium,
            key_hash: "-".into(),
            created_at: NOW,
        })
        .await
        .unwrap();
    (place, store)
}

fn latest() -> PluginRef {
    PluginRef::parse("mine@latest").unwrap()
}

#[tokio::test]
async fn a_change_through_one_host_is_resolved_by_the_other() {
    let (_place, store) = store_with_acme().await;
    let bulletin: Arc<dyn Bulletin<PluginChanged>> = Arc::new(LocalBulletin::default());
    let (one, other) = (host(&store, &bulletin).await, host(&store, &bulletin).await);
    assert!(
        other.resolve("acme", &latest()).await.is_err(),
        "nothing yet"
    );

    let name = PluginName::parse("mine").unwrap();
    let cap = Duration::from_secs(120);
    let http = kait::builtin::get("http").unwrap().to_vec();
    let first = one.upload("acme", &name, http, cap, NOW).await.unwrap();
    let seen = other.resolve("acme", &latest()).await.unwrap();
    assert_eq!(seen.version, first.row.version);

    let sheets = kait::builtin::get("sheets").unwrap().to_vec();
    let second = one
        .upload("acme", &name, sheets, cap, NOW + 1)
        .await
        .unwrap();
    assert_ne!(second.row.version, first.row.version);
    let seen = other.resolve("acme", &latest()).await.unwrap();
    assert_eq!(
        seen.version, second.row.version,
        "the other host follows @latest"
    );
    assert_eq!(other.versions("acme", "mine").await.unwrap().len(), 2);

    // A webhook pinned to the first version keeps it from being deleted.
    store
        .create_webhook(Webhook {
            id: "wh_1".into(),
            shop_id: "acme".into(),
            name: WebhookName::parse("pinned").unwrap(),
            status: WebhookStatus::Active,
            disabled_reason: None,
            events: EventTypes::all(),
            plugin: PluginRef::exact(name.clone(), &first.row.version),
            config: "{}".into(),
            signing_secret: "whsec_x".into(),
            previous_secret: None,
            failing_since: None,
            created_at: NOW,
            updated_at: NOW,
        })
        .await
        .unwrap();
    let refused = other
        .delete("acme", &name, &first.row.version)
        .await
        .unwrap();
    assert!(matches!(refused, Deleted::InUse(ref users) if users.len() == 1));

    // Deleting the latest through the other host: the first host falls back.
    let deleted = other
        .delete("acme", &name, &second.row.version)
        .await
        .unwrap();
    assert!(matches!(deleted, Deleted::Done { .. }));
    let seen = one.resolve("acme", &latest()).await.unwrap();
    assert_eq!(seen.version, first.row.version);
    assert_eq!(one.versions("acme", "mine").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_promotion_or_withdrawal_through_one_host_moves_latest_on_the_other() {
    let (_place, store) = store_with_acme().await;
    let bulletin: Arc<dyn Bulletin<PluginChanged>> = Arc::new(LocalBulletin::default());
    let (one, other) = (host(&store, &bulletin).await, host(&store, &bulletin).await);
    let name = PluginName::parse("mine").unwrap();
    let cap = Duration::from_secs(120);
    let mut versions = Vec::new();
    for (n, builtin) in ["http", "sheets"].into_iter().enumerate() {
        let bytes = kait::builtin::get(builtin).unwrap().to_vec();
        let up = one
            .upload("acme", &name, bytes, cap, NOW + n as Millis)
            .await;
        versions.push(up.unwrap().row.version);
    }
    assert_eq!(
        other.resolve("acme", &latest()).await.unwrap().version,
        versions[1]
    );

    let promoted = one.promote("acme", &name, &versions[0], NOW + 5).await;
    assert!(promoted.unwrap().is_some());
    let seen = other.resolve("acme", &latest()).await.unwrap();
    assert_eq!(
        seen.version, versions[0],
        "the other host follows the promotion"
    );

    let withdrawn = other.withdraw("acme", &name, &versions[0], NOW + 6).await;
    assert!(matches!(withdrawn.unwrap(), Withdrawn::Done { .. }));
    let seen = one.resolve("acme", &latest()).await.unwrap();
    assert_eq!(
        seen.version, versions[1],
        "the first host follows the withdrawal"
    );
    let pinned = PluginRef::exact(name.clone(), &versions[0]);
    assert_eq!(
        one.resolve("acme", &pinned).await.unwrap().version,
        versions[0]
    );
}

/// A host whose listener was cut off may have missed news: told that anything
/// may have changed, its registry reads every plugin from the store again.
#[tokio::test]
async fn news_missed_during_a_gap_is_made_up_by_reading_everything_again() {
    let (_place, store) = store_with_acme().await;
    // Two hosts that do not hear each other.
    let (heard_by_one, heard_by_other): (
        Arc<dyn Bulletin<PluginChanged>>,
        Arc<dyn Bulletin<PluginChanged>>,
    ) = (
        Arc::new(LocalBulletin::default()),
        Arc::new(LocalBulletin::default()),
    );
    let one = host(&store, &heard_by_one).await;
    let other = host(&store, &heard_by_other).await;
    let name = PluginName::parse("mine").unwrap();
    let http = kait::builtin::get("http").unwrap().to_vec();
    let cap = Duration::from_secs(120);
    one.upload("acme", &name, http, cap, NOW).await.unwrap();
    assert!(
        other.versions("acme", "mine").await.is_none(),
        "no news, no change"
    );
    heard_by_other.publish(PluginChanged::anything());
    assert_eq!(other.versions("acme", "mine").await.unwrap().len(), 1);
}
