//! A circuit breaker for hub calls (the seed's CLOSED / OPEN / HALF_OPEN).
//!
//! Only failures that say "the hub is unwell" count: connect errors, timeouts, 429 and 5xx.
//! A 401/403/404 is the hub answering correctly and never opens the breaker.

use crate::metrics::HUB_BREAKER_OPEN;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

/// The breaker as `/api/health` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct BreakerSnapshot {
    pub state: BreakerState,
    pub failures: u32,
}

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    recovery: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    failures: u32,
    opened_at: Option<Instant>,
    probing: bool,
}

impl Breaker {
    pub fn new(threshold: std::num::NonZeroU32, recovery: Duration) -> Self {
        Self {
            threshold: threshold.get(),
            recovery,
            inner: Mutex::new(Inner {
                failures: 0,
                opened_at: None,
                probing: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a call may go out now. After the recovery time one probe call is let through.
    pub fn allow(&self) -> bool {
        let mut inner = self.lock();
        match inner.opened_at {
            None => true,
            Some(at) if at.elapsed() >= self.recovery && !inner.probing => {
                inner.probing = true;
                true
            }
            Some(_) => false,
        }
    }

    pub fn record_success(&self) {
        let mut inner = self.lock();
        inner.failures = 0;
        inner.opened_at = None;
        inner.probing = false;
        metrics::gauge!(HUB_BREAKER_OPEN).set(0.0);
    }

    pub fn record_failure(&self) {
        let mut inner = self.lock();
        inner.failures += 1;
        inner.probing = false;
        if inner.failures >= self.threshold {
            inner.opened_at = Some(Instant::now());
            metrics::gauge!(HUB_BREAKER_OPEN).set(1.0);
        }
    }

    pub fn snapshot(&self) -> BreakerSnapshot {
        let inner = self.lock();
        let state = match inner.opened_at {
            None => BreakerState::Closed,
            Some(at) if at.elapsed() >= self.recovery => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        };
        BreakerSnapshot {
            state,
            failures: inner.failures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_at_the_threshold_and_probes_after_recovery() {
        let breaker = Breaker::new(
            std::num::NonZeroU32::new(2).expect("not zero"),
            Duration::from_millis(30),
        );
        breaker.record_failure();
        assert!(breaker.allow());
        breaker.record_failure();
        assert_eq!(breaker.snapshot().state, BreakerState::Open);
        assert!(!breaker.allow());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(breaker.snapshot().state, BreakerState::HalfOpen);
        assert!(breaker.allow(), "one probe goes through");
        assert!(!breaker.allow(), "only one probe at a time");
        breaker.record_success();
        assert_eq!(
            breaker.snapshot(),
            BreakerSnapshot {
                state: BreakerState::Closed,
                failures: 0
            }
        );
    }
}
