//! The process-wide map of running jobs: model id → cancellation token and why it fired.
//!
//! A cancel message from the gateway (NATS), a handler that finds its record gone, and the
//! process's shutdown all stop a job the same way: by cancelling its token, which the transfer
//! `select!`s against. The reason decides what the handler does next: a cancelled job purges
//! its files, a job stopped by shutdown goes back on the queue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tokio_util::sync::CancellationToken;

/// Why a running job was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The gateway cancelled or deleted the record, or the record is gone.
    Cancelled,
    /// The process is shutting down; the job goes back on the queue.
    Shutdown,
}

/// One running job's stop switch.
#[derive(Debug, Clone)]
pub struct JobStop {
    token: CancellationToken,
    reason: Arc<OnceLock<StopReason>>,
}

impl JobStop {
    fn new() -> Self {
        Self {
            token: CancellationToken::new(),
            reason: Arc::new(OnceLock::new()),
        }
    }

    /// Stops the job; the first reason given wins.
    pub fn stop(&self, reason: StopReason) {
        let _ = self.reason.set(reason);
        self.token.cancel();
    }

    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Why the job was stopped, once it was.
    pub fn reason(&self) -> Option<StopReason> {
        self.reason.get().copied()
    }
}

/// Running jobs of this process, and the bytes they fetched (for the heartbeat).
#[derive(Debug, Default)]
pub struct JobRegistry {
    jobs: Mutex<HashMap<i64, JobStop>>,
    shutting_down: AtomicBool,
    bytes_fetched: AtomicU64,
}

/// Removes the job from the registry when the handler is done with it.
#[derive(Debug)]
pub struct Registered {
    registry: Arc<JobRegistry>,
    model_id: i64,
    pub stop: JobStop,
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.registry.jobs).remove(&self.model_id);
    }
}

impl JobRegistry {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Registers a starting job. During shutdown its token is already cancelled, so a job that
    /// slipped in as the worker stopped goes straight back on the queue.
    pub fn register(self: &Arc<Self>, model_id: i64) -> Registered {
        let stop = JobStop::new();
        if self.shutting_down.load(Ordering::SeqCst) {
            stop.stop(StopReason::Shutdown);
        }
        lock(&self.jobs).insert(model_id, stop.clone());
        // Checked again after inserting: `shutdown_all` may have run in between.
        if self.shutting_down.load(Ordering::SeqCst) {
            stop.stop(StopReason::Shutdown);
        }
        Registered {
            registry: self.clone(),
            model_id,
            stop,
        }
    }

    /// Stops the job of `model_id` if it runs here; returns whether it did.
    pub fn stop(&self, model_id: i64, reason: StopReason) -> bool {
        match lock(&self.jobs).get(&model_id) {
            Some(stop) => {
                stop.stop(reason);
                true
            }
            None => false,
        }
    }

    /// Stops every running job, and every job registered from now on, for shutdown.
    pub fn shutdown_all(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        for stop in lock(&self.jobs).values() {
            stop.stop(StopReason::Shutdown);
        }
    }

    pub fn running(&self) -> usize {
        lock(&self.jobs).len()
    }

    /// Adds bytes that came over the network, whatever the job.
    pub fn add_fetched(&self, bytes: u64) {
        self.bytes_fetched.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Bytes fetched by this process since it started.
    pub fn fetched(&self) -> u64 {
        self.bytes_fetched.load(Ordering::Relaxed)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The map stays consistent even if a holder panicked.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_stops_for_the_first_reason_given() {
        let registry = JobRegistry::new();
        let job = registry.register(7);
        assert!(registry.stop(7, StopReason::Cancelled));
        registry.shutdown_all();
        assert!(job.stop.token().is_cancelled());
        assert_eq!(job.stop.reason(), Some(StopReason::Cancelled));
        drop(job);
        assert_eq!(registry.running(), 0);
        assert!(!registry.stop(7, StopReason::Cancelled));
    }

    #[test]
    fn a_job_registered_during_shutdown_is_stopped_at_once() {
        let registry = JobRegistry::new();
        registry.shutdown_all();
        let job = registry.register(1);
        assert_eq!(job.stop.reason(), Some(StopReason::Shutdown));
    }
}
