//! Progress of one job: per-file byte counts, and the reporter task that turns them into
//! `model:download:progress` events and keeps an eye on the record.
//!
//! A file counts `max(bytes found on disk before the job, the engine's counter)`. The engine adds
//! a file's resumed bytes only when its fetch starts; taking the max instead of the sum counts
//! them from the first event and never twice. So progress starts where the last run stopped,
//! only grows, and never passes 100 %.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use millm_contract::events::{DownloadProgress, Event};
use millm_platform::bus::Bus;
use millm_platform::db;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::registry::{JobRegistry, JobStop, StopReason};
use crate::transfer::{Found, MIB, ProgressCounter};
use millm_platform::metrics::{DOWNLOAD_BYTES, DOWNLOAD_SPEED};

/// At most about four events a second.
const TICK: Duration = Duration::from_millis(250);
/// The record is checked, and its progress saved, this often.
const SAVE_EVERY: Duration = Duration::from_secs(2);

/// One file's share of the job's progress.
#[derive(Debug)]
pub struct FileProgress {
    pub size: u64,
    /// Bytes on disk before the job started (a complete blob, or a resumable partial file).
    pub baseline: u64,
    pub counter: ProgressCounter,
    pub done: AtomicBool,
}

impl FileProgress {
    /// A file of `size` bytes with `found` already on disk; done only when its blob is complete.
    pub fn new(size: u64, found: Found) -> Self {
        Self {
            size,
            baseline: found.bytes.min(size),
            counter: ProgressCounter::new(),
            done: AtomicBool::new(found.complete),
        }
    }

    fn bytes(&self) -> u64 {
        self.baseline.max(self.counter.get()).min(self.size)
    }
}

/// Every file of the job.
#[derive(Debug, Default)]
pub struct JobProgress {
    pub files: Vec<FileProgress>,
}

impl JobProgress {
    pub fn total(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.files.iter().map(FileProgress::bytes).sum()
    }

    /// Bytes that were on disk before the job started.
    pub fn baseline(&self) -> u64 {
        self.files.iter().map(|f| f.baseline).sum()
    }

    fn files_done(&self) -> u32 {
        let done = self.files.iter().filter(|f| f.done.load(Ordering::Relaxed)).count();
        u32::try_from(done).unwrap_or(u32::MAX)
    }
}

/// What the reporter needs from the service.
pub struct ReporterDeps {
    pub model_id: i64,
    pub bus: Bus,
    pub pool: PgPool,
    pub registry: Arc<JobRegistry>,
    pub stop: JobStop,
}

/// The running reporter; [`Reporter::finish`] ends it.
pub struct Reporter {
    quit: CancellationToken,
    task: JoinHandle<Sample>,
    deps: Arc<ReporterDeps>,
    progress: Arc<JobProgress>,
}

/// The last numbers published, so the final event stays monotone.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    bytes: u64,
    percent: f64,
    speed: f64,
}

impl Reporter {
    /// Publishes the first event at once, then one per tick while bytes move.
    pub fn spawn(deps: ReporterDeps, progress: Arc<JobProgress>) -> Self {
        let quit = CancellationToken::new();
        let deps = Arc::new(deps);
        // In the job's span, so that the progress events carry the job's trace.
        let task = tokio::spawn(report(deps.clone(), progress.clone(), quit.clone()).in_current_span());
        Self {
            quit,
            task,
            deps,
            progress,
        }
    }

    /// Stops the reporter; after a successful transfer, publishes the final 100 % event.
    pub async fn finish(self, success: bool) {
        self.quit.cancel();
        let last = self.task.await.ok();
        // What this job brought onto the disk, found-on-disk bytes excluded.
        metrics::counter!(DOWNLOAD_BYTES).increment(self.progress.bytes().saturating_sub(self.progress.baseline()));
        metrics::gauge!(DOWNLOAD_SPEED).set(0.0);
        if success {
            let total = self.progress.total();
            let speed = last.map_or(0.0, |s| s.speed);
            publish(&self.deps, &self.progress, total, 100.0, speed, Some(0.0)).await;
        }
    }
}

async fn report(deps: Arc<ReporterDeps>, progress: Arc<JobProgress>, quit: CancellationToken) -> Sample {
    let total = progress.total();
    let first = progress.bytes();
    let mut last = Sample {
        at: Instant::now(),
        bytes: first,
        percent: percent(first, total),
        speed: 0.0,
    };
    publish(&deps, &progress, first, last.percent, 0.0, None).await;
    let mut last_save = Instant::now();
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    loop {
        tokio::select! {
            () = quit.cancelled() => return last,
            _ = ticker.tick() => {}
        }
        let now = Instant::now();
        let bytes = progress.bytes().max(last.bytes);
        let moved = bytes - last.bytes;
        deps.registry.add_fetched(moved);
        let instant_speed = moved as f64 / now.duration_since(last.at).as_secs_f64().max(1e-3);
        // A little smoothing, so one slow tick does not make the ETA jump.
        let speed = if last.speed == 0.0 {
            instant_speed
        } else {
            0.7 * last.speed + 0.3 * instant_speed
        };
        let pct = percent(bytes, total).max(last.percent);
        metrics::gauge!(DOWNLOAD_SPEED).set(speed);
        if moved > 0 {
            let eta = (speed > 0.0).then(|| (total - bytes) as f64 / speed);
            publish(&deps, &progress, bytes, pct, speed, eta).await;
        }
        last = Sample {
            at: now,
            bytes,
            percent: pct,
            speed,
        };
        if now.duration_since(last_save) >= SAVE_EVERY {
            last_save = now;
            check_record(&deps, pct).await;
        }
    }
}

/// Saves the progress; a record that is gone (or no longer downloading) stops the job.
async fn check_record(deps: &ReporterDeps, pct: f64) {
    match db::save_download_progress(&deps.pool, deps.model_id, pct).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(
                model.id = deps.model_id,
                "the record is gone or no longer downloading; stopping"
            );
            deps.stop.stop(StopReason::Cancelled);
        }
        Err(e) => tracing::warn!(model.id = deps.model_id, error = %e, "progress not saved"),
    }
}

fn percent(bytes: u64, total: u64) -> f64 {
    if total == 0 {
        return 100.0;
    }
    (bytes as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
}

async fn publish(deps: &ReporterDeps, progress: &JobProgress, bytes: u64, pct: f64, speed: f64, eta: Option<f64>) {
    let event = Event::DownloadProgress(DownloadProgress {
        model_id: deps.model_id,
        progress: (pct * 10.0).floor() / 10.0,
        bytes_downloaded: bytes,
        total_bytes: progress.total(),
        speed_mbps: speed / MIB as f64,
        eta_seconds: eta,
        files_done: progress.files_done(),
        files_total: u32::try_from(progress.files.len()).unwrap_or(u32::MAX),
    });
    if let Err(e) = deps.bus.publish_event(&event).await {
        tracing::warn!(model.id = deps.model_id, error = %e, "progress event not sent");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_found_on_disk_count_at_once_and_never_twice() {
        let found = |bytes, complete| Found { bytes, complete };
        let progress = JobProgress {
            files: vec![
                FileProgress::new(300, found(100, false)),
                FileProgress::new(50, found(50, true)),
                FileProgress::new(20, found(20, false)),
            ],
        };
        assert_eq!(
            progress.bytes(),
            170,
            "the resumed parts and the complete file count from the start"
        );
        assert_eq!(
            progress.files_done(),
            1,
            "a fully written partial file is not done: its hash is still to check"
        );
        // The engine adds the resumed bytes again when the fetch starts: no change.
        progress.files[0].counter.add(100);
        assert_eq!(progress.bytes(), 170);
        progress.files[0].counter.add(250);
        assert_eq!(progress.bytes(), 370, "capped at the file's size");
        assert_eq!(percent(progress.bytes(), progress.total()), 100.0);
    }
}
