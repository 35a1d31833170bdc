//! Rotating a signing secret keeps the old one, sealed, with the time its
//! overlap ends; a second rotation replaces it.

use super::{Place, shop_with_webhook};
use crate::domain::PreviousSecret;

const NOW: i64 = 1_700_000_000_000;
const DAY: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn a_rotation_keeps_the_old_secret_sealed_until_its_overlap_ends() {
    let place = Place::new().await;
    let store = place.open().await;
    shop_with_webhook(&store, NOW, &["order.paid"]).await;
    let first = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM=";
    let rotated = store
        .rotate_secret("s", "wh_1", first.into(), NOW, NOW + DAY)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rotated.signing_secret, first);
    let previous = PreviousSecret {
        secret: "whsec_x".into(),
        until: NOW + DAY,
    };
    assert_eq!(rotated.previous_secret.as_ref(), Some(&previous));
    assert_eq!(
        rotated.signing_secrets(NOW + DAY - 1),
        [first, "whsec_x"],
        "both sign during the overlap"
    );
    assert_eq!(rotated.signing_secrets(NOW + DAY), [first]);

    let second = "whsec_dGhpcmQtc2VjcmV0LWZvci10ZXN0cw==";
    let again = store
        .rotate_secret("s", "wh_1", second.into(), NOW + 1, NOW + 1 + DAY)
        .await
        .unwrap()
        .unwrap();
    let previous = again.previous_secret.clone().unwrap();
    assert_eq!(
        (previous.secret.as_str(), previous.until),
        (first, NOW + 1 + DAY)
    );
    assert!(
        store
            .rotate_secret("s", "wh_none", second.into(), NOW, NOW)
            .await
            .unwrap()
            .is_none()
    );
    store.close().await;
    let text = place.raw_webhooks().await;
    assert!(!text.contains(first) && !text.contains(second) && !text.contains("whsec_x"));
    let reopened = place.open().await;
    assert_eq!(reopened.webhook("s", "wh_1").await.unwrap().unwrap(), again);
}
