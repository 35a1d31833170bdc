//! When to try again: the configured schedule with random spread, unless the
//! destination asked for a particular wait.

use std::time::Duration;

use rand::Rng;

/// The longest wait a destination's `Retry-After` can ask for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The wait before the next attempt after `attempts` failed ones (1 after the
/// first failure), or `None` when the schedule is used up.
pub fn next_wait(
    schedule: &[Duration],
    jitter: f64,
    attempts: u32,
    retry_after: Option<Duration>,
    rng: &mut impl Rng,
) -> Option<Duration> {
    let scheduled = *schedule.get(attempts.checked_sub(1)? as usize)?;
    if let Some(asked) = retry_after {
        return Some(asked.min(MAX_RETRY_AFTER));
    }
    let spread = if jitter > 0.0 {
        rng.random_range(1.0 - jitter..=1.0 + jitter)
    } else {
        1.0
    };
    Some(scheduled.mul_f64(spread))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn schedule() -> Vec<Duration> {
        [5, 300, 1800, 7200, 18000, 36000, 36000]
            .map(Duration::from_secs)
            .to_vec()
    }

    #[test]
    fn follows_the_schedule_within_the_jitter_then_stops() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for (n, base) in schedule().iter().enumerate() {
            for _ in 0..50 {
                let wait = next_wait(&schedule(), 0.2, n as u32 + 1, None, &mut rng).unwrap();
                assert!(
                    wait >= base.mul_f64(0.8) && wait <= base.mul_f64(1.2),
                    "{n}: {wait:?}"
                );
            }
        }
        assert_eq!(next_wait(&schedule(), 0.2, 8, None, &mut rng), None);
        assert_eq!(
            next_wait(&schedule(), 0.0, 2, None, &mut rng),
            Some(Duration::from_secs(300))
        );
    }

    #[test]
    fn a_destinations_requested_wait_wins_but_is_capped() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let asked = Some(Duration::from_secs(42));
        assert_eq!(next_wait(&schedule(), 0.2, 1, asked, &mut rng), asked);
        let greedy = Some(Duration::from_secs(10 * 24 * 3600));
        assert_eq!(
            next_wait(&schedule(), 0.2, 1, greedy, &mut rng),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(next_wait(&schedule(), 0.2, 8, asked, &mut rng), None);
    }
}
