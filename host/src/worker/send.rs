//! Stage two of an attempt: send the planned requests in order, signed, stopping
//! at the first that fails.

use crate::delivery::{Exchange, Sender, Signer};
use crate::domain::ErrorKind;
use crate::runtime::OutgoingRequest;

/// What sending came to.
#[derive(Debug, Default)]
pub struct Sent {
    /// Each request sent, with its response.
    pub exchanges: Vec<Exchange>,
    /// The first failure, if one request failed.
    pub failure: Option<(ErrorKind, String)>,
}

/// Sends `requests` in order; stops at the first failure.
#[tracing::instrument(name = "send", skip_all, fields(requests = requests.len()))]
pub async fn send(
    sender: &Sender,
    signer: &Signer<'_>,
    requests: &[OutgoingRequest],
    secrets: &[String],
) -> Sent {
    let mut sent = Sent::default();
    for request in requests {
        let exchange = sender.send(request, signer, secrets).await;
        let failed = !exchange.succeeded();
        if failed {
            sent.failure = Some((
                exchange.error_kind.unwrap_or(ErrorKind::HttpStatus),
                exchange.error.clone().unwrap_or_default(),
            ));
        }
        sent.exchanges.push(exchange);
        if failed {
            break;
        }
    }
    sent
}
