//! A process-wide bandwidth limit (`DOWNLOAD_MAX_BANDWIDTH_MBPS`, MiB/s) shared by all transfers.
//!
//! A token bucket that may go into debt: a reader takes the bytes it just received and, when the
//! bucket is below zero, sleeps until the debt is paid back. Taking after the read (rather than
//! reserving before) keeps the read loop simple and the long-run rate exact; the burst is bounded
//! by one body frame per transfer plus the bucket's capacity.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket over bytes, shared through an `Arc`.
#[derive(Debug)]
pub struct BandwidthLimiter {
    bytes_per_sec: f64,
    capacity: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl BandwidthLimiter {
    /// A limiter at `mib_per_sec` MiB/s; `None` for 0, which means unlimited.
    pub fn from_mib_per_sec(mib_per_sec: f64) -> Option<Self> {
        (mib_per_sec > 0.0).then(|| Self::new(mib_per_sec * super::MIB as f64))
    }

    /// A limiter at `bytes_per_sec`, with a quarter second of burst.
    pub fn new(bytes_per_sec: f64) -> Self {
        let capacity = (bytes_per_sec / 4.0).max(64.0 * 1024.0);
        Self {
            bytes_per_sec,
            capacity,
            bucket: Mutex::new(Bucket {
                tokens: capacity,
                last: Instant::now(),
            }),
        }
    }

    /// Accounts for `bytes` just received and waits as long as the rate requires.
    pub async fn take(&self, bytes: u64) {
        let wait = self.charge(bytes);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    fn charge(&self, bytes: u64) -> Duration {
        // A poisoned lock only means another transfer panicked mid-update; the numbers stay usable.
        let mut bucket = self.bucket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(bucket.last).as_secs_f64() * self.bytes_per_sec;
        bucket.tokens = (bucket.tokens + refill).min(self.capacity) - bytes as f64;
        bucket.last = now;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / self.bytes_per_sec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debt_is_paid_back_at_the_configured_rate() {
        let limiter = BandwidthLimiter::new(1_000_000.0);
        let burst = limiter.capacity as u64;
        assert_eq!(limiter.charge(burst), Duration::ZERO);
        let wait = limiter.charge(500_000);
        assert!(wait > Duration::from_millis(450) && wait <= Duration::from_millis(500));
    }

    #[test]
    fn zero_means_unlimited() {
        assert!(BandwidthLimiter::from_mib_per_sec(0.0).is_none());
    }
}
