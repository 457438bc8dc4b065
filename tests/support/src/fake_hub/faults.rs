//! Switchable faults: failing statuses, dropped connections, corrupted bytes, per-repo bandwidth limits and a
//! per-stream rate cap.
//!
//! Faults are keyed by repo id (they may be armed before the repo is added) and consumed by the requests they hit,
//! so a test can say "the next two downloads of this file break" and then watch the client recover.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct RepoFaults {
    /// (status, remaining requests).
    fail_next: Option<(u16, u32)>,
    /// path → (body bytes to send before aborting, remaining bodies).
    drops: HashMap<String, (u64, u32)>,
    /// path → [(absolute offset, remaining responses)].
    corruptions: HashMap<String, Vec<(u64, u32)>>,
}

#[derive(Default)]
pub(crate) struct FaultTable {
    faults: Mutex<HashMap<String, RepoFaults>>,
    limiters: Mutex<HashMap<String, Arc<RateLimiter>>>,
    /// Bytes per second of any one response body; `None` = uncapped.
    stream_rate: Mutex<Option<u64>>,
}

impl FaultTable {
    fn with<R>(&self, repo_id: &str, f: impl FnOnce(&mut RepoFaults) -> R) -> R {
        let mut faults = self.faults.lock().expect("fault table poisoned");
        f(faults.entry(repo_id.to_owned()).or_default())
    }

    /// Disarms every fault of this repo that has not fired yet (failures, drops, corruptions).
    pub fn clear(&self, repo_id: &str) {
        self.faults.lock().expect("fault table poisoned").remove(repo_id);
    }

    pub fn set_fail_next(&self, repo_id: &str, status: u16, times: u32) {
        self.with(repo_id, |f| f.fail_next = (times > 0).then_some((status, times)));
    }

    /// Consumes one armed failure of this repo, if any.
    pub fn take_fail(&self, repo_id: &str) -> Option<u16> {
        self.with(repo_id, |f| {
            let (status, remaining) = f.fail_next.as_mut()?;
            let status = *status;
            *remaining -= 1;
            if *remaining == 0 {
                f.fail_next = None;
            }
            Some(status)
        })
    }

    pub fn set_drop_after(&self, repo_id: &str, path: &str, n_bytes: u64, times: u32) {
        self.with(repo_id, |f| {
            if times == 0 {
                f.drops.remove(path);
            } else {
                f.drops.insert(path.to_owned(), (n_bytes, times));
            }
        });
    }

    /// Consumes one armed drop for a GET body of this file, if any.
    pub fn take_drop(&self, repo_id: &str, path: &str) -> Option<u64> {
        self.with(repo_id, |f| {
            let (n_bytes, remaining) = f.drops.get_mut(path)?;
            let n_bytes = *n_bytes;
            *remaining -= 1;
            if *remaining == 0 {
                f.drops.remove(path);
            }
            Some(n_bytes)
        })
    }

    pub fn add_corruption(&self, repo_id: &str, path: &str, offset: u64, times: u32) {
        if times == 0 {
            return;
        }
        self.with(repo_id, |f| {
            f.corruptions.entry(path.to_owned()).or_default().push((offset, times))
        });
    }

    /// The absolute offsets to flip in a response covering `start..end`, consuming one use of each.
    pub fn take_corruptions(&self, repo_id: &str, path: &str, start: u64, end: u64) -> Vec<u64> {
        self.with(repo_id, |f| {
            let Some(entries) = f.corruptions.get_mut(path) else {
                return Vec::new();
            };
            let mut hit = Vec::new();
            for (offset, remaining) in entries.iter_mut() {
                if (start..end).contains(offset) {
                    hit.push(*offset);
                    *remaining -= 1;
                }
            }
            entries.retain(|(_, remaining)| *remaining > 0);
            hit
        })
    }

    pub fn limiter(&self, repo_id: &str) -> Arc<RateLimiter> {
        let mut limiters = self.limiters.lock().expect("limiter table poisoned");
        limiters.entry(repo_id.to_owned()).or_default().clone()
    }

    /// Caps every response body started from now on at `rate` bytes per second, each on its own, as a CDN caps
    /// each stream: more connections then get more bandwidth, where the repo limit splits a fixed one.
    pub fn set_stream_rate(&self, rate: Option<u64>) {
        *self.stream_rate.lock().expect("stream rate poisoned") = rate.filter(|r| *r > 0);
    }

    /// A limiter of its own for one new body, when a stream cap is set.
    pub fn stream_limiter(&self) -> Option<RateLimiter> {
        let rate = (*self.stream_rate.lock().expect("stream rate poisoned"))?;
        let limiter = RateLimiter::default();
        limiter.set_rate(Some(rate));
        Some(limiter)
    }
}

/// A token bucket shared by all connections of one repo.
///
/// Callers reserve bytes before sending them and sleep off any debt, so concurrent bodies split the bandwidth
/// between them instead of each getting the full rate.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    bucket: Mutex<Bucket>,
}

#[derive(Debug, Default)]
struct Bucket {
    rate: Option<u64>,
    tokens: f64,
    last: Option<Instant>,
}

/// Largest chunk a limited body sends at once; small enough that the rate is smooth at test timescales.
pub(crate) const LIMITED_CHUNK: u64 = 64 * 1024;

impl RateLimiter {
    pub fn set_rate(&self, rate: Option<u64>) {
        let mut bucket = self.bucket.lock().expect("rate limiter poisoned");
        // Start empty so a freshly limited body is slowed from its first byte.
        *bucket = Bucket {
            rate: rate.filter(|r| *r > 0),
            tokens: 0.0,
            last: Some(Instant::now()),
        };
    }

    /// The chunk size bodies should use now: sending a whole chunk is one reservation, so at low rates chunks
    /// shrink to keep a burst within about an eighth of a second.
    pub fn chunk_size(&self, unlimited_chunk: u64) -> u64 {
        match self.bucket.lock().expect("rate limiter poisoned").rate {
            None => unlimited_chunk,
            Some(rate) => (rate / 8).clamp(1, LIMITED_CHUNK),
        }
    }

    /// Reserves `n` bytes and returns how long to wait before sending them.
    pub fn reserve(&self, n: u64) -> Duration {
        let mut bucket = self.bucket.lock().expect("rate limiter poisoned");
        let Some(rate) = bucket.rate else {
            return Duration::ZERO;
        };
        let rate = rate as f64;
        let now = Instant::now();
        let elapsed = bucket.last.map_or(0.0, |last| now.duration_since(last).as_secs_f64());
        let burst = (rate / 8.0).min(LIMITED_CHUNK as f64);
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst) - n as f64;
        bucket.last = Some(now);
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
        }
    }
}
