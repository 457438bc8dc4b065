//! Streaming response bodies for file downloads, with the faults that act on bytes: bandwidth limits, aborted
//! connections and flipped bytes. Every byte handed to the server is counted for `bytes_served`.
//!
//! The file is memory-mapped and each chunk is a zero-copy slice of the map, so the server's only per-byte work is
//! the kernel's copy into the socket, as with a CDN's `sendfile`. The hub stands in for a remote service; it must
//! not be what limits a download benchmark that shares the same cores with the client.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures::stream;
use tokio_util::sync::CancellationToken;

use super::faults::RateLimiter;
use super::state::FileCounters;

/// Chunk size without a rate limit: large enough for loopback throughput in the GB/s range.
const UNLIMITED_CHUNK: u64 = 1024 * 1024;
/// Pause between the last bytes of a truncated body and the abort, so the server flushes them to the client
/// before the connection goes down.
const FLUSH_BEFORE_ABORT: Duration = Duration::from_millis(50);

/// What to send: `len` bytes of `path` starting at `start`, altered by the armed faults.
pub(crate) struct BodyPlan {
    pub path: PathBuf,
    /// The file's shared mapping, made by the first request that needs it.
    pub content: Arc<tokio::sync::OnceCell<Bytes>>,
    pub start: u64,
    pub len: u64,
    /// Abort the connection after this many body bytes.
    pub abort_after: Option<u64>,
    /// Absolute file offsets whose byte is inverted.
    pub flips: Vec<u64>,
    pub limiter: Arc<RateLimiter>,
    /// This body's own cap, on top of the repo's shared limit.
    pub stream_limiter: Option<RateLimiter>,
    pub counters: Arc<FileCounters>,
    pub shutdown: CancellationToken,
}

struct Cursor {
    plan: BodyPlan,
    sent: u64,
    finished: bool,
}

impl BodyPlan {
    pub fn into_body(self) -> Body {
        let cursor = Cursor {
            plan: self,
            sent: 0,
            finished: false,
        };
        Body::from_stream(stream::unfold(cursor, |mut cursor| async move {
            if cursor.finished {
                return None;
            }
            let item = cursor.next_chunk().await;
            match item {
                Ok(Some(bytes)) => Some((Ok(bytes), cursor)),
                Ok(None) => None,
                Err(error) => {
                    cursor.finished = true;
                    Some((Err(error), cursor))
                }
            }
        }))
    }
}

fn aborted(reason: &str) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, reason.to_owned())
}

impl Cursor {
    /// The next chunk, `None` at the end, or an error that makes the server drop the connection.
    async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        let plan = &self.plan;
        let limit = plan.abort_after.map_or(plan.len, |n| n.min(plan.len));
        if self.sent >= limit {
            if self.sent < plan.len {
                // An armed drop: make sure the bytes already yielded reach the client, then cut the connection.
                tokio::time::sleep(FLUSH_BEFORE_ABORT).await;
                return Err(aborted("fake hub: injected connection drop"));
            }
            return Ok(None);
        }
        if plan.shutdown.is_cancelled() {
            return Err(aborted("fake hub shut down"));
        }

        let stream = plan.stream_limiter.as_ref();
        let want = stream
            .map_or(UNLIMITED_CHUNK, |s| s.chunk_size(UNLIMITED_CHUNK))
            .min(plan.limiter.chunk_size(UNLIMITED_CHUNK))
            .min(limit - self.sent);
        // Both limits hold: the body waits for the slower of the two.
        let wait = plan
            .limiter
            .reserve(want)
            .max(stream.map_or(Duration::ZERO, |s| s.reserve(want)));
        if !wait.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = plan.shutdown.cancelled() => return Err(aborted("fake hub shut down")),
            }
        }

        let offset = plan.start + self.sent;
        // One mapping per file for the hub's lifetime: mapping per request would fault every page in again and
        // serialise the serving threads on the address-space lock.
        let map = plan.content.get_or_try_init(|| map_file(&plan.path)).await?;
        let (from, to) = (usize::try_from(offset), usize::try_from(offset + want));
        let (Ok(from), Ok(to)) = (from, to) else {
            return Err(aborted("range too large"));
        };
        if to > map.len() {
            return Err(aborted("fake hub: file shorter than its index says"));
        }
        let mut bytes = map.slice(from..to);
        let flips: Vec<usize> = plan
            .flips
            .iter()
            .filter_map(|flip| flip.checked_sub(offset).filter(|i| *i < want))
            // `i < want`, which fits in usize.
            .map(|i| i as usize)
            .collect();
        if !flips.is_empty() {
            let mut altered = bytes.to_vec();
            flips.iter().for_each(|&i| altered[i] ^= 0xFF);
            bytes = Bytes::from(altered);
        }
        self.sent += want;
        plan.counters.bytes.fetch_add(want, Ordering::Relaxed);
        Ok(Some(bytes))
    }
}

/// Maps `path` read-only. The hub's files are test fixtures that nothing rewrites while they are served, which is
/// what makes the map sound (a file truncated under a map faults its reader).
#[allow(unsafe_code)]
async fn map_file(path: &std::path::Path) -> io::Result<Bytes> {
    let path = path.to_owned();
    let map = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(path)?;
        // SAFETY: see above; the fixtures are written before the hub serves them and never changed afterwards.
        unsafe { memmap2::Mmap::map(&file) }
    })
    .await
    .map_err(io::Error::other)??;
    Ok(Bytes::from_owner(map))
}
