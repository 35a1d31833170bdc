//! Portal links open once and only before they expire; sessions end at their
//! time or when signed out.

use std::time::Duration;

use super::{Place, shop_with_webhook};
use crate::domain::{PortalLink, Session};

const NOW: i64 = 1_700_000_000_000;
const TEN_MINUTES: i64 = 10 * 60 * 1000;

fn link(hash: &str) -> PortalLink {
    PortalLink {
        hash: hash.into(),
        shop_id: "s".into(),
        created_at: NOW,
        expires_at: NOW + TEN_MINUTES,
    }
}

#[tokio::test]
async fn a_portal_link_opens_once_and_only_before_it_expires() {
    let place = Place::new().await;
    let store = place.open().await;
    shop_with_webhook(&store, NOW, &["order.paid"]).await;
    store.create_portal_link(link("used")).await.unwrap();
    store.create_portal_link(link("late")).await.unwrap();

    let opened = store.redeem_portal_link("used".into(), NOW + 1).await;
    assert_eq!(opened.unwrap().as_deref(), Some("s"));
    let again = store.redeem_portal_link("used".into(), NOW + 2).await;
    assert_eq!(again.unwrap(), None, "a link opens once");
    let late = store
        .redeem_portal_link("late".into(), NOW + TEN_MINUTES)
        .await;
    assert_eq!(late.unwrap(), None, "an expired link opens nothing");
    let unknown = store.redeem_portal_link("never".into(), NOW).await;
    assert_eq!(unknown.unwrap(), None);
}

#[tokio::test]
async fn a_session_ends_at_its_time_or_when_signed_out() {
    let place = Place::new().await;
    let store = place.open().await;
    shop_with_webhook(&store, NOW, &["order.paid"]).await;
    let hour = Duration::from_secs(3600);
    let session = Session::open("h1".into(), "s".into(), NOW, hour);
    store.create_session(session.clone()).await.unwrap();
    store
        .create_session(Session::open("h2".into(), "s".into(), NOW, hour))
        .await
        .unwrap();

    assert_eq!(
        store.session("h1".into(), NOW + 1).await.unwrap(),
        Some(session)
    );
    let ended = NOW + hour.as_millis() as i64;
    assert_eq!(store.session("h1".into(), ended).await.unwrap(), None);
    assert!(store.end_session("h2".into()).await.unwrap());
    assert_eq!(store.session("h2".into(), NOW + 1).await.unwrap(), None);
    assert!(!store.end_session("h2".into()).await.unwrap());
}
