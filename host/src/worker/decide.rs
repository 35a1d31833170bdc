//! Stage three of an attempt: what its outcome means for the delivery (done, retry
//! at a time, dead) and for its webhook (healthy, failing, disabled now).

use rand::Rng;

use super::retry;
use crate::clock::Millis;
use crate::delivery::Exchange;
use crate::domain::{DeliveryStatus, DisableRule, Next, Outcome, WebhookEffect};

/// The rules an attempt's consequences follow, from the settings.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The waits between attempts; its length is the number of retries.
    pub retry_schedule: Vec<std::time::Duration>,
    /// Random spread of each wait (0.2 = ±20 %).
    pub retry_jitter: f64,
    /// When a failing webhook is disabled.
    pub disable: DisableRule,
}

/// What follows from an attempt that came to `outcome` after `attempts` attempts
/// (this one included); `last` is the last request's exchange, if one was sent.
#[tracing::instrument(name = "decide", skip_all, fields(outcome = %outcome))]
pub fn decide(
    outcome: Outcome,
    last: Option<&Exchange>,
    attempts: u32,
    policy: &Policy,
    now: Millis,
    rng: &mut impl Rng,
) -> (Next, WebhookEffect) {
    match outcome {
        Outcome::Succeeded => (
            Next::Done(DeliveryStatus::Succeeded),
            WebhookEffect::Succeeded,
        ),
        Outcome::Skipped => (Next::Done(DeliveryStatus::Skipped), WebhookEffect::None),
        Outcome::Failed if last.is_some_and(Exchange::gone) => (
            Next::Dead,
            WebhookEffect::Disable("the destination answered 410 Gone".to_string()),
        ),
        Outcome::Failed => {
            let asked = last.and_then(|e| e.retry_after);
            let wait = retry::next_wait(
                &policy.retry_schedule,
                policy.retry_jitter,
                attempts,
                asked,
                rng,
            );
            let next = match wait {
                Some(wait) => Next::RetryAt(now + wait.as_millis() as Millis),
                None => Next::Dead,
            };
            (next, WebhookEffect::Failed(policy.disable))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rand::SeedableRng;

    use super::*;

    fn policy() -> Policy {
        Policy {
            retry_schedule: vec![Duration::from_secs(5), Duration::from_secs(300)],
            retry_jitter: 0.0,
            disable: DisableRule {
                after: Duration::from_secs(5 * 24 * 3600),
            },
        }
    }

    #[test]
    fn each_outcome_has_its_consequence() {
        let rng = &mut rand::rngs::StdRng::seed_from_u64(1);
        let policy = policy();
        assert_eq!(
            decide(Outcome::Succeeded, None, 1, &policy, 0, rng),
            (
                Next::Done(DeliveryStatus::Succeeded),
                WebhookEffect::Succeeded
            )
        );
        assert_eq!(
            decide(Outcome::Skipped, None, 1, &policy, 0, rng),
            (Next::Done(DeliveryStatus::Skipped), WebhookEffect::None)
        );
        let failing = WebhookEffect::Failed(policy.disable);
        assert_eq!(
            decide(Outcome::Failed, None, 1, &policy, 1_000, rng),
            (Next::RetryAt(6_000), failing.clone())
        );
        assert_eq!(
            decide(Outcome::Failed, None, 2, &policy, 1_000, rng),
            (Next::RetryAt(301_000), failing.clone())
        );
        assert_eq!(
            decide(Outcome::Failed, None, 3, &policy, 1_000, rng),
            (Next::Dead, failing),
            "the schedule is used up"
        );
    }
}
