//! Shared bookkeeping of one file's chunks during a fetch.
//!
//! Range workers take chunk indices from a queue and report bytes as they land on disk; the
//! hasher asks how far the contiguous prefix reaches; the state file is rewritten from here.
//! Bytes within a chunk always land in order (a retry continues where the last attempt stopped),
//! so one counter per chunk says exactly which bytes of it are on disk.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::ProgressCounter;
use super::state::ResumeState;

pub(crate) struct ChunkTracker {
    size: u64,
    chunk_bytes: u64,
    /// Bytes on disk from the start of each chunk.
    written: Vec<AtomicU64>,
    pending: Mutex<VecDeque<usize>>,
    state_path: PathBuf,
    expected_tag: String,
    save_interval: Duration,
    last_save: Mutex<Instant>,
    progress: CountedFile,
    transferred: AtomicU64,
}

/// Counts a file's bytes into the job's counter at most once, even across a second fetch round.
pub(crate) struct CountedFile {
    pub counter: ProgressCounter,
    /// Highest byte count of this file already added to `counter`; shared by both rounds.
    pub counted: Arc<AtomicU64>,
    /// Bytes of this file on disk in the current round.
    pub current: AtomicU64,
}

impl CountedFile {
    fn advance(&self, bytes: u64) {
        let now = self.current.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let before = self.counted.fetch_max(now, Ordering::Relaxed);
        if now > before {
            self.counter.add(now - before);
        }
    }
}

pub(crate) struct TrackerInit {
    pub size: u64,
    pub chunk_bytes: u64,
    /// Bytes already on disk from the start of each chunk (from the resume state).
    pub written: Vec<u64>,
    pub state_path: PathBuf,
    pub expected_tag: String,
    pub save_interval: Duration,
    pub progress: CountedFile,
}

impl ChunkTracker {
    pub fn new(init: TrackerInit) -> Self {
        let n = chunk_count(init.size, init.chunk_bytes);
        let mut written = Vec::with_capacity(n);
        let mut pending = VecDeque::new();
        let mut resumed = 0;
        for i in 0..n {
            let len = chunk_len(init.size, init.chunk_bytes, i);
            let present = init.written.get(i).copied().unwrap_or(0).min(len);
            written.push(AtomicU64::new(present));
            resumed += present;
            if present < len {
                pending.push_back(i);
            }
        }
        let tracker = Self {
            size: init.size,
            chunk_bytes: init.chunk_bytes,
            written,
            pending: Mutex::new(pending),
            state_path: init.state_path,
            expected_tag: init.expected_tag,
            save_interval: init.save_interval,
            last_save: Mutex::new(Instant::now()),
            progress: init.progress,
            transferred: AtomicU64::new(0),
        };
        tracker.progress.advance(resumed);
        tracker
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn resumed_bytes(&self) -> u64 {
        self.size - self.missing_bytes()
    }

    fn missing_bytes(&self) -> u64 {
        (0..self.written.len())
            .map(|i| self.chunk_len(i) - self.written[i].load(Ordering::Acquire))
            .sum()
    }

    pub fn pending_chunks(&self) -> usize {
        lock(&self.pending).len()
    }

    pub fn next_chunk(&self) -> Option<usize> {
        lock(&self.pending).pop_front()
    }

    pub fn chunk_len(&self, i: usize) -> u64 {
        chunk_len(self.size, self.chunk_bytes, i)
    }

    /// Byte range `[start, end)` of chunk `i`.
    pub fn chunk_bounds(&self, i: usize) -> (u64, u64) {
        let start = i as u64 * self.chunk_bytes;
        (start, start + self.chunk_len(i))
    }

    /// The first byte of chunk `i` that is not on disk yet.
    pub fn resume_offset(&self, i: usize) -> u64 {
        self.chunk_bounds(i).0 + self.written[i].load(Ordering::Acquire)
    }

    /// Records `bytes` written (in order) at the resume offset of chunk `i`.
    pub fn record_written(&self, i: usize, bytes: u64) {
        self.written[i].fetch_add(bytes, Ordering::Release);
        self.transferred.fetch_add(bytes, Ordering::Relaxed);
        self.progress.advance(bytes);
    }

    pub fn transferred(&self) -> u64 {
        self.transferred.load(Ordering::Relaxed)
    }

    /// Called when a chunk is complete; rewrites the state file at most every `save_interval`.
    pub fn chunk_finished(&self) -> std::io::Result<()> {
        {
            let last = lock(&self.last_save);
            if last.elapsed() < self.save_interval {
                return Ok(());
            }
        }
        self.save_state()
    }

    /// Writes the state file now (on exit, cancel or failure).
    pub fn save_state(&self) -> std::io::Result<()> {
        // The lock also serialises writers of the shared temp file.
        let mut last = lock(&self.last_save);
        let mut done = Vec::new();
        let mut partial = Vec::new();
        for (i, written) in self.written.iter().enumerate() {
            let written = written.load(Ordering::Acquire);
            if written == self.chunk_len(i) {
                done.push(i as u64);
            } else if written > 0 {
                partial.push([i as u64, written]);
            }
        }
        ResumeState::new(self.size, self.chunk_bytes, self.expected_tag.clone(), done, partial)
            .save(&self.state_path)?;
        *last = Instant::now();
        Ok(())
    }

    /// How far the bytes on disk are contiguous, starting from `from` (itself contiguous).
    pub fn contiguous_end(&self, from: u64) -> u64 {
        let mut end = from;
        while end < self.size {
            let i = (end / self.chunk_bytes) as usize;
            let (start, _) = self.chunk_bounds(i);
            let written = self.written[i].load(Ordering::Acquire);
            let reach = start + written;
            if reach <= end {
                break;
            }
            end = reach;
            if written < self.chunk_len(i) {
                break;
            }
        }
        end
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data under these locks stays consistent even if a holder panicked.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn chunk_count(size: u64, chunk_bytes: u64) -> usize {
    size.div_ceil(chunk_bytes) as usize
}

fn chunk_len(size: u64, chunk_bytes: u64, i: usize) -> u64 {
    let start = i as u64 * chunk_bytes;
    (size - start).min(chunk_bytes)
}
