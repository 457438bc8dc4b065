//! Retry policy for one range request: how many attempts, and how long to wait between them.
//!
//! The issue fixes 3 attempts with exponential backoff for connect errors, timeouts, 429, 5xx
//! and dropped bodies. The base delay is configurable so tests stay quick.

use std::time::Duration;

/// Attempts and backoff for transient errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per range before the file fails (the first try included).
    pub attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one.
    pub base_delay: Duration,
    /// Upper bound of one wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// The wait after `failures` failed attempts (1 = after the first failure).
    pub fn delay_after(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(16);
        self.base_delay.saturating_mul(1u32 << exponent).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let policy = RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(policy.delay_after(1), Duration::from_millis(250));
        assert_eq!(policy.delay_after(2), Duration::from_millis(500));
        assert_eq!(policy.delay_after(3), Duration::from_secs(1));
        assert_eq!(policy.delay_after(30), Duration::from_secs(1));
    }
}
