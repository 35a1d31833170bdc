//! Stage two of an attempt: send the planned requests in order, signed, stopping
//! at the first that fails, and skipping those an earlier attempt already had a
//! 2xx for.
//!
//! A plugin's action may hold several requests (a fan-out). They are known by
//! their position, so a retry (which runs the plugin again) sends only the
//! positions not yet done, and the delivery succeeds once every position is.
//! With one request the `webhook-id` is the delivery's id; with several, request
//! n (1-based) carries the delivery's id plus `.n`, so each receiver can still
//! deduplicate, and the signature covers that id.

use serde::Serialize;

use crate::delivery::{Exchange, Sender, Signer};
use crate::domain::ErrorKind;
use crate::runtime::OutgoingRequest;

/// One request of an attempt, as the delivery log keeps it.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// Its position in the plugin's action, from 0.
    pub index: usize,
    /// An earlier attempt had a 2xx for it, so it was not sent again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_sent: bool,
    /// What was sent and what came back, when it was sent.
    #[serde(flatten)]
    pub exchange: Option<Exchange>,
}

/// What sending came to.
#[derive(Debug, Default)]
pub struct Sent {
    /// Every request of the action, in order, up to the first failure.
    pub entries: Vec<Entry>,
    /// The positions that have had a 2xx, earlier attempts' included, in order.
    pub done: Vec<usize>,
    /// The first failure, if one request failed.
    pub failure: Option<(ErrorKind, String)>,
}

impl Sent {
    /// The last request sent, if one was.
    pub fn last(&self) -> Option<&Exchange> {
        self.entries.iter().rev().find_map(|e| e.exchange.as_ref())
    }
}

/// The `webhook-id` of request `index` of `count`.
pub fn message_id(delivery: &str, index: usize, count: usize) -> String {
    if count == 1 {
        delivery.to_string()
    } else {
        format!("{delivery}.{}", index + 1)
    }
}

/// Sends the requests of `requests` whose position is not in `done`, in order;
/// stops at the first failure. `delivery` is the delivery's id.
#[tracing::instrument(name = "send", skip_all, fields(requests = requests.len()))]
pub async fn send(
    sender: &Sender,
    delivery: &str,
    signing: (&[&str], i64),
    requests: &[OutgoingRequest],
    done: &[usize],
    secrets: &[String],
) -> Sent {
    let (keys, timestamp) = signing;
    let mut sent = Sent {
        done: done.to_vec(),
        ..Sent::default()
    };
    for (index, request) in requests.iter().enumerate() {
        if done.contains(&index) {
            sent.entries.push(Entry {
                index,
                already_sent: true,
                exchange: None,
            });
            continue;
        }
        let id = message_id(delivery, index, requests.len());
        let signer = Signer {
            id: &id,
            secrets: keys,
            timestamp,
        };
        let exchange = sender.send(request, &signer, secrets).await;
        let failed = !exchange.succeeded();
        if failed {
            sent.failure = Some((
                exchange.error_kind.unwrap_or(ErrorKind::HttpStatus),
                exchange.error.clone().unwrap_or_default(),
            ));
        } else {
            sent.done.push(index);
        }
        sent.entries.push(Entry {
            index,
            already_sent: false,
            exchange: Some(exchange),
        });
        if failed {
            break;
        }
    }
    sent.done.sort_unstable();
    sent.done.dedup();
    sent
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn one_request_keeps_the_delivery_id_and_several_are_numbered_from_one() {
        assert_eq!(message_id("msg_a", 0, 1), "msg_a");
        assert_eq!(message_id("msg_a", 0, 3), "msg_a.1");
        assert_eq!(message_id("msg_a", 2, 3), "msg_a.3");
    }
}
