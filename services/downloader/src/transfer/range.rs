//! Range workers: each takes the next missing chunk of a file and streams it to its offset.
//!
//! A chunk is one `Range` request whose body is written with positioned writes as the frames
//! arrive (no whole-chunk buffer). A transient failure (connect error, timeout, 429, 5xx, a body
//! that stops early) retries only the bytes still missing, with exponential backoff; a failure
//! that made real progress starts a fresh series of attempts, so a long file on a flaky link still
//! completes while a hub that fails without progress gives up after the policy's attempts.
//! A 200 answer to a range request (a server that ignores `Range`) is handled by skipping to the
//! chunk's offset and stopping at its end.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use millm_contract::config::Secret;
use reqwest::header::RANGE;
use tokio::sync::Semaphore;

use super::TransferError;
use super::limiter::BandwidthLimiter;
use super::locate::{Source, locate};
use super::response::{AttemptError, check_status, describe};
use super::retry::RetryPolicy;
use super::tracker::ChunkTracker;

/// A failed attempt that wrote at least this much restarts the attempt count.
const PROGRESS_RESETS_ATTEMPTS: u64 = 1024 * 1024;

/// Everything the workers of one file share.
pub(crate) struct FileCtx {
    pub client: reqwest::Client,
    /// Redirects off, for resolving the file again when its CDN URL is refused.
    pub resolver: reqwest::Client,
    pub name: String,
    /// The hub's resolve URL, and the hub token for it.
    pub resolve_url: String,
    pub token: Option<Secret>,
    /// Where the range requests go now: the CDN URL the resolve gave, or the resolve URL.
    pub source: std::sync::RwLock<Source>,
    pub file: Arc<File>,
    pub path: PathBuf,
    pub tracker: Arc<ChunkTracker>,
    pub requests: Arc<Semaphore>,
    pub limiter: Option<Arc<BandwidthLimiter>>,
    pub retry: RetryPolicy,
    pub stall_timeout: Duration,
}

/// How a round of one file can end besides success.
#[derive(Debug)]
pub(crate) enum RoundError {
    /// The hub's bytes disagree with the expected size or hash; the file is fetched once more.
    Mismatch(String),
    Transfer(TransferError),
}

impl From<TransferError> for RoundError {
    fn from(err: TransferError) -> Self {
        Self::Transfer(err)
    }
}

/// Fetches chunks until none is left for this file.
pub(crate) async fn run_worker(ctx: Arc<FileCtx>) -> Result<(), RoundError> {
    while let Some(chunk) = ctx.tracker.next_chunk() {
        fetch_chunk(&ctx, chunk).await?;
        ctx.tracker
            .chunk_finished()
            .map_err(|err| TransferError::io(&ctx.path, err))?;
    }
    Ok(())
}

async fn fetch_chunk(ctx: &FileCtx, chunk: usize) -> Result<(), RoundError> {
    let (_, end) = ctx.tracker.chunk_bounds(chunk);
    let mut failures = 0u32;
    loop {
        let from = ctx.tracker.resume_offset(chunk);
        if from >= end {
            return Ok(());
        }
        let attempt = {
            let _permit = ctx
                .requests
                .acquire()
                .await
                .map_err(|_| failed(ctx, "engine shut down"))?;
            stream_range(ctx, chunk, from, end).await
        };
        let reason = match attempt {
            Ok(()) => continue,
            Err(AttemptError::Transient(reason)) => reason,
            Err(AttemptError::Refused {
                status,
                error_code,
                message,
            }) => {
                return Err(TransferError::Refused {
                    file: ctx.name.clone(),
                    status,
                    error_code,
                    message,
                }
                .into());
            }
            Err(AttemptError::Fatal(reason)) => return Err(failed(ctx, &reason).into()),
            Err(AttemptError::Mismatch(reason)) => return Err(RoundError::Mismatch(reason)),
            Err(AttemptError::Io(err)) => return Err(TransferError::io(&ctx.path, err).into()),
        };
        let progressed = ctx.tracker.resume_offset(chunk) - from;
        failures = if progressed >= PROGRESS_RESETS_ATTEMPTS {
            1
        } else {
            failures + 1
        };
        if failures >= ctx.retry.attempts {
            return Err(failed(ctx, &format!("{reason} (after {failures} attempts)")).into());
        }
        let delay = ctx.retry.delay_after(failures);
        tracing::debug!(file = %ctx.name, chunk, %reason, delay_ms = delay.as_millis() as u64, "retrying range");
        tokio::time::sleep(delay).await;
    }
}

fn failed(ctx: &FileCtx, reason: &str) -> TransferError {
    TransferError::Failed {
        file: ctx.name.clone(),
        reason: reason.to_owned(),
    }
}

impl FileCtx {
    fn source(&self) -> Source {
        self.source.read().expect("source lock poisoned").clone()
    }

    /// The CDN refused `stale` (it expired, most likely): resolve the file again, unless another
    /// range worker already did.
    async fn relocate(&self, stale: &Source) {
        let fresh = locate(
            &self.resolver,
            &self.resolve_url,
            self.token.as_ref(),
            self.stall_timeout,
        )
        .await;
        let mut source = self.source.write().expect("source lock poisoned");
        if *source == *stale {
            tracing::debug!(file = %self.name, "CDN URL refused; resolved the file again");
            *source = fresh;
        }
    }
}

/// One request for `[from, end)` of `chunk`, written as it streams in.
async fn stream_range(ctx: &FileCtx, chunk: usize, from: u64, end: u64) -> Result<(), AttemptError> {
    let source = ctx.source();
    let mut request = ctx
        .client
        .get(source.url())
        .header(RANGE, format!("bytes={from}-{}", end - 1));
    if let Some(token) = source.token() {
        request = request.bearer_auth(token.expose());
    }
    let mut response = tokio::time::timeout(ctx.stall_timeout, request.send())
        .await
        .map_err(|_| AttemptError::Transient("no answer from the hub in time".into()))?
        .map_err(|err| AttemptError::Transient(describe(err)))?;

    let status = response.status();
    if matches!(source, Source::Cdn { .. }) && matches!(status.as_u16(), 400 | 401 | 403) {
        ctx.relocate(&source).await;
        return Err(AttemptError::Transient(format!(
            "the CDN refused its URL (HTTP {})",
            status.as_u16()
        )));
    }
    // Where the body starts in the file: `from` for a 206, 0 when the server ignored the range.
    let mut body_pos = check_status(response.status(), response.headers(), from, ctx.tracker.size())?;
    let mut pos = from;
    while pos < end {
        let frame = match tokio::time::timeout(ctx.stall_timeout, response.chunk()).await {
            Err(_) => {
                return Err(AttemptError::Transient(format!("body stalled at byte {pos}")));
            }
            Ok(Err(err)) => return Err(AttemptError::Transient(describe(err))),
            Ok(Ok(None)) => {
                return Err(AttemptError::Transient(format!("body ended early at byte {pos}")));
            }
            Ok(Ok(Some(frame))) => frame,
        };
        if let Some(limiter) = &ctx.limiter {
            limiter.take(frame.len() as u64).await;
        }
        let frame_start = body_pos;
        body_pos += frame.len() as u64;
        let lo = frame_start.max(pos);
        let hi = body_pos.min(end);
        if lo < hi {
            let bytes = &frame[(lo - frame_start) as usize..(hi - frame_start) as usize];
            // A positioned write of one frame into the page cache takes microseconds; handing it
            // to the blocking pool would cost more than it saves.
            ctx.file.write_all_at(bytes, lo).map_err(AttemptError::Io)?;
            ctx.tracker.record_written(chunk, hi - lo);
            pos = hi;
        }
    }
    Ok(())
}
