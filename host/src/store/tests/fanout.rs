//! A fan-out's progress: which requests have had a 2xx is written with the
//! attempt and handed to the next claim, ignored when the claim was lost, kept
//! by a replay of a failed delivery and cleared by a replay of a succeeded one.

use super::{LEASE, Place, failure, store_with_one_delivery};
use crate::clock::{Clock, ManualClock};
use crate::domain::{DeliveryStatus, Next, Outcome, WebhookEffect};

#[tokio::test]
async fn the_requests_done_travel_with_the_attempt_to_the_next_claim() {
    let place = Place::new().await;
    let clock = ManualClock::new(1_700_000_000_000);
    let (store, id) = store_with_one_delivery(&place, &clock).await;
    let first = store.claim(clock.now(), LEASE, 1).await.unwrap();
    assert!(first[0].done_requests.is_empty());

    // Requests 0 and 2 went through, 1 failed.
    let mut record = failure(&first[0], clock.now(), Next::RetryAt(clock.now()));
    record.done_requests = vec![0, 2];
    assert!(store.record(record).await.unwrap());
    let second = store.claim(clock.now(), LEASE, 1).await.unwrap();
    assert_eq!(second[0].done_requests, [0, 2]);

    // A late answer under the first claim changes nothing.
    let mut late = failure(&first[0], clock.now(), Next::RetryAt(clock.now()));
    late.done_requests = vec![0, 1, 2];
    assert!(!store.record(late).await.unwrap());

    // Out of retries with 0 and 2 done: a replay sends only what is left.
    let mut dead = failure(&second[0], clock.now(), Next::Dead);
    dead.done_requests = second[0].done_requests.clone();
    assert!(store.record(dead).await.unwrap());
    store.retry("s", &id, clock.now()).await.unwrap().unwrap();
    let replay = store.claim(clock.now(), LEASE, 1).await.unwrap();
    assert_eq!(replay[0].done_requests, [0, 2]);

    // Succeeded: a replay sends everything again.
    let mut done = failure(
        &replay[0],
        clock.now(),
        Next::Done(DeliveryStatus::Succeeded),
    );
    done.attempted.outcome = Outcome::Succeeded;
    done.attempted.error_kind = None;
    done.attempted.error = None;
    done.webhook = WebhookEffect::Succeeded;
    done.done_requests = vec![0, 1, 2];
    assert!(store.record(done).await.unwrap());
    let delivery = store.delivery("s", &id).await.unwrap().unwrap();
    assert_eq!(delivery.status, DeliveryStatus::Succeeded);
    store.retry("s", &id, clock.now()).await.unwrap().unwrap();
    let again = store.claim(clock.now(), LEASE, 1).await.unwrap();
    assert!(
        again[0].done_requests.is_empty(),
        "{:?}",
        again[0].done_requests
    );
}
