//! The hasher that follows a file's contiguous prefix while the ranges are still downloading.
//!
//! It runs on a blocking thread and reads the bytes back from the partial file in blocks of a few
//! MiB (they are still in the page cache), so hashing overlaps the transfer and finishes right after
//! the last byte instead of needing a second pass. Memory is one block per file. sha256 comes from
//! the `sha2` crate, which picks the SHA-NI instructions at run time where the CPU has them.
//! The prefix it has followed is also handed to the early writeback, hashed or not.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::tracker::ChunkTracker;
use super::writeback::PrefixFlusher;
use super::{Expected, TransferError};

/// Bytes read and hashed per step; large enough to amortise the syscall, small enough to bound memory.
const BLOCK: usize = 4 * 1024 * 1024;
/// Below this many new contiguous bytes the hasher waits for more, unless the file is complete.
const MIN_STEP: u64 = 1024 * 1024;
/// How long the hasher sleeps when the prefix has not grown; it also bounds the reaction to a stop.
const IDLE: Duration = Duration::from_millis(2);

enum Running {
    Sha256(Sha256),
    GitSha1(Sha1),
}

impl Running {
    fn for_expected(expected: &Expected, size: u64) -> Option<Self> {
        match expected {
            Expected::Sha256(_) => Some(Self::Sha256(Sha256::new())),
            Expected::GitSha1(_) => {
                let mut sha1 = Sha1::new();
                // Git hashes the object header along with the content.
                sha1.update(format!("blob {size}\0").as_bytes());
                Some(Self::GitSha1(sha1))
            }
            Expected::SizeOnly => None,
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(bytes),
            Self::GitSha1(h) => h.update(bytes),
        }
    }

    fn finish_hex(self) -> String {
        match self {
            Self::Sha256(h) => hex::encode(h.finalize()),
            Self::GitSha1(h) => hex::encode(h.finalize()),
        }
    }
}

/// Why the hasher ended without a digest.
pub(crate) enum HashStop {
    /// The stop token fired (cancel, or the fetch failed).
    Stopped,
    Io(TransferError),
}

/// What the hasher follows.
pub(crate) struct Follow {
    pub file: Arc<File>,
    pub path: PathBuf,
    pub tracker: Arc<ChunkTracker>,
    pub expected: Expected,
    pub flusher: PrefixFlusher,
}

/// Hashes the partial file as its prefix grows; `Ok(None)` for [`Expected::SizeOnly`].
pub(crate) fn follow_and_hash(follow: Follow, stop: CancellationToken) -> Result<Option<String>, HashStop> {
    let Follow {
        file,
        path,
        tracker,
        expected,
        mut flusher,
    } = follow;
    let size = tracker.size();
    let mut running = Running::for_expected(&expected, size);
    // Without a hash to compute nothing is read back, so all the prefix there is is one step.
    let (mut buf, step) = match running {
        Some(_) => {
            let len = BLOCK.min(size as usize).max(1);
            (vec![0u8; len], len as u64)
        }
        None => (Vec::new(), u64::MAX),
    };
    let mut pos = 0u64;
    while pos < size {
        if stop.is_cancelled() {
            return Err(HashStop::Stopped);
        }
        let available = tracker.contiguous_end(pos) - pos;
        if available == 0 || (available < MIN_STEP && pos + available < size) {
            std::thread::sleep(IDLE);
            continue;
        }
        let n = available.min(step);
        if let Some(running) = running.as_mut() {
            let bytes = &mut buf[..n as usize];
            file.read_exact_at(bytes, pos)
                .map_err(|err| HashStop::Io(TransferError::io(&path, err)))?;
            running.update(bytes);
        }
        pos += n;
        flusher.advance(pos);
    }
    Ok(running.map(Running::finish_hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_git_blob_hash_includes_the_object_header() {
        let mut running = Running::for_expected(&Expected::GitSha1(String::new()), 6).expect("git-sha1 hashes");
        running.update(b"hello\n");
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(running.finish_hex(), "ce013625030ba8dba906f756967f9e9ca394464a");
    }
}
