//! Streaming response bodies for file downloads, with the faults that act on bytes: bandwidth limits, aborted
//! connections and flipped bytes. Every byte handed to the server is counted for `bytes_served`.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures::stream;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::sync::CancellationToken;

use super::faults::RateLimiter;
use super::state::FileCounters;

/// Chunk size without a rate limit: large enough for loopback throughput in the GB/s range.
const UNLIMITED_CHUNK: u64 = 512 * 1024;
/// Pause between the last bytes of a truncated body and the abort, so the server flushes them to the client
/// before the connection goes down.
const FLUSH_BEFORE_ABORT: Duration = Duration::from_millis(50);

/// What to send: `len` bytes of `path` starting at `start`, altered by the armed faults.
pub(crate) struct BodyPlan {
    pub path: PathBuf,
    pub start: u64,
    pub len: u64,
    /// Abort the connection after this many body bytes.
    pub abort_after: Option<u64>,
    /// Absolute file offsets whose byte is inverted.
    pub flips: Vec<u64>,
    pub limiter: Arc<RateLimiter>,
    pub counters: Arc<FileCounters>,
    pub shutdown: CancellationToken,
}

struct Cursor {
    plan: BodyPlan,
    file: Option<tokio::fs::File>,
    sent: u64,
    finished: bool,
}

impl BodyPlan {
    pub fn into_body(self) -> Body {
        let cursor = Cursor {
            plan: self,
            file: None,
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

        let want = plan.limiter.chunk_size(UNLIMITED_CHUNK).min(limit - self.sent);
        let wait = plan.limiter.reserve(want);
        if !wait.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = plan.shutdown.cancelled() => return Err(aborted("fake hub shut down")),
            }
        }

        let offset = plan.start + self.sent;
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let mut file = tokio::fs::File::open(&plan.path).await?;
                file.seek(io::SeekFrom::Start(offset)).await?;
                self.file.insert(file)
            }
        };
        let len = usize::try_from(want).map_err(|_| aborted("chunk too large"))?;
        let mut buf = BytesMut::zeroed(len);
        file.read_exact(&mut buf).await?;
        for flip in &plan.flips {
            if let Some(i) = flip.checked_sub(offset).filter(|i| *i < want) {
                // `i < want`, which fits in usize.
                buf[i as usize] ^= 0xFF;
            }
        }
        self.sent += want;
        plan.counters.bytes.fetch_add(want, Ordering::Relaxed);
        Ok(Some(buf.freeze()))
    }
}
