//! Deliveries and their attempts: where a delivery stands, what an attempt came
//! to ([`Outcome`], [`ErrorKind`]), and what follows from it ([`Next`],
//! [`WebhookEffect`]).

use serde_json::value::RawValue;

use super::text::text_enum;
use super::{DisableRule, StoredEvent, Webhook};
use crate::clock::Millis;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Waiting for its webhook to be resumed.
    Held,
    /// Every request was answered with 2xx (or 302/303: processed, see
    /// [`ErrorKind::HttpStatus`]).
    Succeeded,
    /// The plugin chose to send nothing.
    Skipped,
    /// Out of retries; can be retried by hand.
    Dead,
}

text_enum!(DeliveryStatus {
    Pending => "pending",
    Held => "held",
    Succeeded => "succeeded",
    Skipped => "skipped",
    Dead => "dead",
});

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every request was answered with 2xx.
    Succeeded,
    /// Something failed; see the [`ErrorKind`].
    Failed,
    /// The plugin chose to send nothing.
    Skipped,
}

text_enum!(Outcome {
    Succeeded => "succeeded",
    Failed => "failed",
    Skipped => "skipped",
});

/// What kind of failure an attempt met: the documented `error_kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The plugin chose to send nothing (the error holds its reason).
    Skipped,
    /// The webhook's plugin reference resolves to nothing runnable.
    PluginMissing,
    /// The stored event, or the event as the plugin saw it, is not usable.
    InvalidEvent,
    /// The plugin refused the webhook's configuration.
    InvalidConfig,
    /// The plugin returned an error.
    PluginFailed,
    /// The plugin ran into a limit (time, memory, output).
    PluginLimit,
    /// The plugin trapped; its instance was discarded.
    PluginTrap,
    /// The plugin could not be instantiated.
    PluginInstantiate,
    /// The plugin asked for a request Kait will not send.
    InvalidRequest,
    /// The destination is not allowed (private address, not https …).
    DestinationRefused,
    /// Credentials (a Google token) could not be had.
    Credentials,
    /// The destination could not be reached.
    Connect,
    /// The destination did not answer in time.
    Timeout,
    /// The connection failed midway.
    Connection,
    /// The destination answered with a non-2xx status. 302 and 303 are not
    /// failures (the receiver processed the request and points at a result page);
    /// 301, 307 and 308 are, with "moved to <Location>; update the Callback URL".
    HttpStatus,
}

text_enum!(ErrorKind {
    Skipped => "skipped",
    PluginMissing => "plugin_missing",
    InvalidEvent => "invalid_event",
    InvalidConfig => "invalid_config",
    PluginFailed => "plugin_failed",
    PluginLimit => "plugin_limit",
    PluginTrap => "plugin_trap",
    PluginInstantiate => "plugin_instantiate",
    InvalidRequest => "invalid_request",
    DestinationRefused => "destination_refused",
    Credentials => "credentials",
    Connect => "connect",
    Timeout => "timeout",
    Connection => "connection",
    HttpStatus => "http_status",
});

/// JSON kept as text: written and shown as it is, never parsed into a tree.
pub type JsonText = Box<RawValue>;

/// `text` as [`JsonText`]; text that is not JSON becomes `[]`.
pub fn json_text(text: String) -> JsonText {
    RawValue::from_string(text)
        .unwrap_or_else(|_| RawValue::from_string("[]".to_string()).expect("[] is JSON"))
}

/// What one attempt did.
#[derive(Debug, Clone)]
pub struct Attempted {
    /// When it started.
    pub at: Millis,
    /// How long it took, plugin and requests together.
    pub duration_ms: u64,
    /// What it came to.
    pub outcome: Outcome,
    /// What kind of failure.
    pub error_kind: Option<ErrorKind>,
    /// The failure, in words (secrets scrubbed).
    pub error: Option<String>,
    /// The plugin version that produced the requests (`name@<version>`).
    pub plugin: String,
    /// The plugin's log lines (a JSON array, kept as text).
    pub logs: JsonText,
    /// Each request as sent (secrets redacted) with its response (a JSON array,
    /// kept as text).
    pub requests: JsonText,
}

/// One attempt at a delivery, as the delivery log keeps it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub n: u32,
    /// What it did.
    pub attempted: Attempted,
}

/// A delivery of one event to one webhook.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `msg_…`, also the `webhook-id` header, stable across retries (with `.1`,
    /// `.2` … appended when the plugin's action holds several requests).
    pub id: String,
    /// The webhook.
    pub webhook_id: String,
    /// The event.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due, if one is.
    pub next_attempt_at: Option<Millis>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Created at.
    pub created_at: Millis,
    /// Last changed at.
    pub updated_at: Millis,
    /// Every attempt, oldest first (only when one delivery is fetched).
    pub attempt_log: Option<Vec<Attempt>>,
}

/// Which of a webhook's deliveries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryPage {
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// At most this many (default 50, at most 250).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl DeliveryPage {
    /// The page size: 50 unless asked, 1 to 250.
    pub fn size(&self) -> usize {
        super::page_size(self.limit)
    }
}

/// A delivery claimed by a worker, with what it needs to attempt it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery's id.
    pub id: String,
    /// The claim's token; the answer must carry it.
    pub lease: i64,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Which requests of the plugin's action (0-based, in order) have already
    /// had a 2xx: a retry sends only the others.
    pub done_requests: Vec<usize>,
    /// The webhook, as it is now.
    pub webhook: Webhook,
    /// The event.
    pub event: StoredEvent,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Finished: `Succeeded` or `Skipped`.
    Done(DeliveryStatus),
    /// Try again at this time.
    RetryAt(Millis),
    /// Out of retries.
    Dead,
}

/// What an attempt means for its webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEffect {
    /// Nothing (a skip).
    None,
    /// It worked: the webhook is not failing.
    Succeeded,
    /// It failed: disable the webhook by this rule once it has failed too long.
    Failed(DisableRule),
    /// Disable the webhook now, for this reason (410 Gone).
    Disable(String),
}

/// An attempt to record, with what follows from it.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery: String,
    /// The claim's token.
    pub lease: i64,
    /// What the attempt did.
    pub attempted: Attempted,
    /// Which requests have had a 2xx, this attempt's included: kept with the
    /// attempt, in the same transaction.
    pub done_requests: Vec<usize>,
    /// What next.
    pub next: Next,
    /// What it means for the webhook.
    pub webhook: WebhookEffect,
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    /// The README's `error_kind` table is this enum: every value documented, and
    /// nothing documented that is not a value.
    #[test]
    fn the_documented_error_kinds_are_the_enum() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("| `error_kind` | the attempt |")
            .expect("the table");
        let documented: Vec<&str> = readme[start..]
            .lines()
            .skip(2)
            .take_while(|line| line.trim_start().starts_with("| `"))
            .filter_map(|line| line.trim_start().strip_prefix("| `")?.split('`').next())
            .collect();
        let values: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(documented, values);
    }
}
