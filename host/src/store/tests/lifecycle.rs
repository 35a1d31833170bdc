//! A plugin's versions moved in and out of `@latest`: a promotion ranks a version
//! above every other and clears its withdrawal; a withdrawal names the webhooks
//! pinned to the version, and is refused for the last version in `@latest`; an
//! upload ranks highest, and the same bytes again leave a withdrawal as it was.

use serde_json::json;

use super::{Place, shop_with_webhook};
use crate::domain::{PluginName, PluginRef, PluginVersion, Webhook, WebhookName};
use crate::store::{SharedStore, Withdrawn};

const NOW: i64 = 1_700_000_000_000;

fn upload(version: &str) -> (PluginVersion, Vec<u8>) {
    let row = PluginVersion {
        shop_id: "s".into(),
        name: PluginName::parse("d").unwrap(),
        version: version.into(),
        sha256: format!("{version}0000"),
        size: 3,
        info: json!({"name": "d"}),
        imports: Vec::new(),
        seq: 0,
        rank: 0,
        created_at: NOW,
        withdrawn_at: None,
        promoted_at: None,
    };
    (row, version.as_bytes().to_vec())
}

async fn latest(store: &SharedStore) -> String {
    let all = store.plugin_versions().await.unwrap();
    PluginVersion::latest_of(&all).unwrap().version.clone()
}

#[tokio::test]
async fn promotions_and_withdrawals_move_latest_and_name_pinned_webhooks() {
    let place = Place::new().await;
    let store = place.open().await;
    shop_with_webhook(&store, NOW, &["order.paid"]).await;
    let d = PluginName::parse("d").unwrap();
    for version in ["aaaaaaaaaaaa", "bbbbbbbbbbbb"] {
        let (row, bytes) = upload(version);
        assert!(store.insert_plugin_version(row, bytes).await.unwrap().1);
    }
    assert_eq!(latest(&store).await, "bbbbbbbbbbbb");
    let mut pinned = store.webhook("s", "wh_1").await.unwrap().unwrap();
    pinned.id = "wh_2".into();
    pinned.name = WebhookName::parse("pinned").unwrap();
    pinned.plugin = PluginRef::parse("d@bbbbbbbbbbbb").unwrap();
    store.create_webhook(Webhook { ..pinned }).await.unwrap();

    let promoted = store
        .promote_plugin_version("s", &d, "aaaaaaaaaaaa", NOW + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(promoted.promoted_at, Some(NOW + 1));
    assert_eq!(latest(&store).await, "aaaaaaaaaaaa");

    let Withdrawn::Done { version, pinned } = store
        .withdraw_plugin_version("s", &d, "bbbbbbbbbbbb", NOW + 2)
        .await
        .unwrap()
    else {
        panic!("not withdrawn");
    };
    assert_eq!(version.withdrawn_at, Some(NOW + 2));
    assert_eq!(pinned, [("wh_2".to_string(), "pinned".to_string())]);
    let refused = store
        .withdraw_plugin_version("s", &d, "aaaaaaaaaaaa", NOW + 3)
        .await
        .unwrap();
    assert_eq!(refused, Withdrawn::Last);
    assert_eq!(
        latest(&store).await,
        "aaaaaaaaaaaa",
        "the refusal changed nothing"
    );
    let unknown = store
        .withdraw_plugin_version("s", &d, "cccccccccccc", NOW)
        .await;
    assert_eq!(unknown.unwrap(), Withdrawn::NotFound);
    assert!(
        store
            .promote_plugin_version("s", &d, "cccccccccccc", NOW)
            .await
            .unwrap()
            .is_none()
    );

    // The same bytes again give the version as it is: still withdrawn.
    let (row, bytes) = upload("bbbbbbbbbbbb");
    let (again, created) = store.insert_plugin_version(row, bytes).await.unwrap();
    assert_eq!((created, again.withdrawn_at), (false, Some(NOW + 2)));
    // A new upload ranks above a promotion.
    let (row, bytes) = upload("cccccccccccc");
    store.insert_plugin_version(row, bytes).await.unwrap();
    assert_eq!(latest(&store).await, "cccccccccccc");
    // Promoting a withdrawn version puts it back, as the latest.
    store
        .promote_plugin_version("s", &d, "bbbbbbbbbbbb", NOW + 4)
        .await
        .unwrap();
    store.close().await;
    let reopened = place.open().await;
    let all = reopened.plugin_versions().await.unwrap();
    let back = PluginVersion::latest_of(&all).unwrap();
    assert_eq!(
        (back.version.as_str(), back.withdrawn_at, back.promoted_at),
        ("bbbbbbbbbbbb", None, Some(NOW + 4))
    );
}
