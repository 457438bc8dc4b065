//! One round of one file: open or resume the partial file, run the range workers and the hasher
//! side by side, verify size and hash, then fsync and move the blob into place.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::hasher::{Follow, HashStop, follow_and_hash};
use super::locate::{Source, locate};
use super::on_disk::Partial;
use super::parts::EngineParts;
use super::range::{FileCtx, RoundError, run_worker};
use super::state;
use super::tracker::{ChunkTracker, CountedFile, TrackerInit, chunk_count};
use super::writeback::PrefixFlusher;
use super::{Expected, FetchStats, FileSpec, ProgressCounter, TransferError};

/// One file being fetched, the same over its rounds.
pub(crate) struct FileRun<'a> {
    pub spec: &'a FileSpec,
    pub progress: &'a ProgressCounter,
    /// Bytes of this file already counted in `progress`, so a second round counts none twice.
    pub counted: Arc<AtomicU64>,
    pub cancel: &'a CancellationToken,
    pub started: Instant,
}

/// Removes a blob of the wrong size, which `on_disk` counted as no blob.
pub(crate) fn remove_wrong_blob(spec: &FileSpec) -> Result<(), TransferError> {
    match std::fs::metadata(&spec.dest_blob) {
        Ok(meta) if meta.len() != spec.size => {
            tracing::warn!(file = %spec.name, found = meta.len(), expected = spec.size, "removing a blob of the wrong size");
            std::fs::remove_file(&spec.dest_blob).map_err(|e| TransferError::io(&spec.dest_blob, e))
        }
        Ok(_) => Ok(()),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
        Err(err) => Err(TransferError::io(&spec.dest_blob, err)),
    }
}

/// Deletes the partial file and its state.
pub(crate) fn discard_partial(spec: &FileSpec) -> Result<(), TransferError> {
    let part = spec.incomplete_path();
    match std::fs::remove_file(&part) {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::NotFound => {}
        Err(err) => return Err(TransferError::io(part, err)),
    }
    let state_path = spec.state_path();
    state::remove(&state_path).map_err(|e| TransferError::io(state_path, e))
}

pub(crate) async fn run(parts: &EngineParts, f: &FileRun<'_>, partial: Partial) -> Result<FetchStats, RoundError> {
    let spec = f.spec;
    let config = &parts.config;
    let part = spec.incomplete_path();
    let state_path = spec.state_path();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |err| TransferError::io(path, err)
    };
    if let Some(parent) = spec.dest_blob.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let (file, written) =
        open_partial(&part, &state_path, spec.size, config.chunk_bytes, partial).map_err(io(&part))?;
    let file = Arc::new(file);
    let tracker = Arc::new(ChunkTracker::new(TrackerInit {
        size: spec.size,
        chunk_bytes: config.chunk_bytes,
        written,
        state_path: state_path.clone(),
        expected_tag: spec.expected.tag(),
        save_interval: config.state_save_interval,
        progress: CountedFile {
            counter: f.progress.clone(),
            counted: f.counted.clone(),
            current: AtomicU64::new(0),
        },
    }));
    let resumed = tracker.resumed_bytes();
    if resumed > 0 {
        tracing::info!(file = %spec.name, resumed_bytes = resumed, "resuming from the partial file");
    }

    // The hasher stops with the round, whichever way the round ends.
    let stop = f.cancel.child_token();
    let _stop_on_exit = stop.clone().drop_guard();
    let follow = Follow {
        file: file.clone(),
        path: part.clone(),
        tracker: tracker.clone(),
        expected: spec.expected.clone(),
        flusher: PrefixFlusher::new(parts.writeback.clone(), file.clone(), spec.size),
    };
    let hasher = tokio::task::spawn_blocking(move || follow_and_hash(follow, stop));
    let span = tracing::Span::current();
    let phase = Instant::now();

    // One hub round trip for the file; its chunks then go straight to where the bytes are. Only
    // LFS files (those with a sha256) go through the CDN; small files are served directly.
    let lfs = matches!(spec.expected, Expected::Sha256(_));
    let source = if lfs && tracker.pending_chunks() > 0 {
        locate(&parts.resolver, &spec.url, spec.token.as_ref(), config.stall_timeout).await
    } else {
        Source::hub(&spec.url, spec.token.as_ref())
    };
    let ctx = Arc::new(FileCtx {
        client: parts.client.clone(),
        resolver: parts.resolver.clone(),
        name: spec.name.clone(),
        resolve_url: spec.url.clone(),
        token: spec.token.clone(),
        source: std::sync::RwLock::new(source),
        file: file.clone(),
        path: part.clone(),
        tracker: tracker.clone(),
        requests: parts.requests.clone(),
        limiter: parts.limiter.clone(),
        retry: config.retry,
        stall_timeout: config.stall_timeout,
    });
    let mut workers = JoinSet::new();
    for _ in 0..config.max_parallel_ranges.min(tracker.pending_chunks()) {
        workers.spawn(run_worker(ctx.clone()).in_current_span());
    }
    let transferred = tokio::select! {
        biased;
        () = f.cancel.cancelled() => Err(RoundError::Transfer(TransferError::Cancelled)),
        result = join_all(&mut workers, &spec.name) => result,
    };
    let transfer = phase.elapsed();
    span.record("transfer_ms", transfer.as_millis() as u64);
    if let Err(err) = transferred {
        // Wait for the aborted workers so no write lands after this function returns.
        workers.abort_all();
        while workers.join_next().await.is_some() {}
        save_state_quietly(&tracker, &spec.name);
        return Err(err);
    }

    let digest = tokio::select! {
        biased;
        () = f.cancel.cancelled() => Err(TransferError::Cancelled),
        joined = hasher => match joined {
            Ok(Ok(digest)) => Ok(digest),
            Ok(Err(HashStop::Stopped)) => Err(TransferError::Cancelled),
            Ok(Err(HashStop::Io(err))) => Err(err),
            Err(_) => Err(TransferError::Failed { file: spec.name.clone(), reason: "the hasher panicked".into() }),
        },
    };
    let digest = digest.inspect_err(|_| save_state_quietly(&tracker, &spec.name))?;
    // How long the hash trailed the last byte.
    span.record("hash_wait_ms", (phase.elapsed() - transfer).as_millis() as u64);
    verify(&file, spec, digest.as_deref()).map_err(|e| match e {
        VerifyError::Io(err) => RoundError::Transfer(TransferError::io(&part, err)),
        VerifyError::Mismatch(reason) => RoundError::Mismatch(reason),
    })?;

    let dest = spec.dest_blob.clone();
    let syncing = Instant::now();
    tokio::task::spawn_blocking(move || finish(&file, &part, &state_path, &dest))
        .await
        .map_err(|_| TransferError::Failed {
            file: spec.name.clone(),
            reason: "finishing the blob panicked".into(),
        })??;
    span.record("sync_ms", syncing.elapsed().as_millis() as u64);
    Ok(FetchStats {
        bytes_transferred: tracker.transferred(),
        bytes_resumed: resumed,
        duration: f.started.elapsed(),
    })
}

async fn join_all(workers: &mut JoinSet<Result<(), RoundError>>, name: &str) -> Result<(), RoundError> {
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(err),
            Err(err) => {
                return Err(RoundError::Transfer(TransferError::Failed {
                    file: name.to_owned(),
                    reason: format!("a range worker stopped: {err}"),
                }));
            }
        }
    }
    Ok(())
}

fn save_state_quietly(tracker: &ChunkTracker, name: &str) {
    if let Err(err) = tracker.save_state() {
        tracing::warn!(file = %name, error = %err, "could not save the resume state");
    }
}

/// Opens the partial file as `on_disk` found it; returns the bytes on disk per chunk.
fn open_partial(
    part: &Path,
    state_path: &Path,
    size: u64,
    chunk_bytes: u64,
    partial: Partial,
) -> std::io::Result<(File, Vec<u64>)> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(part)?;
    match partial {
        Partial::Resume { written, prefix_only } => {
            if prefix_only {
                // Our own partial files always have the full length; the hash check at the end
                // catches a prefix that was not one.
                file.set_len(size)?;
            }
            Ok((file, written))
        }
        Partial::Fresh => {
            // Truncating first turns any stale bytes into holes, so nothing old is mistaken for data.
            file.set_len(0)?;
            reserve(&file, size)?;
            state::remove(state_path)?;
            Ok((file, vec![0; chunk_count(size, chunk_bytes)]))
        }
    }
}

/// Gives a fresh partial file its full length with its blocks reserved up front: a full disk
/// fails here, before any byte is fetched, and the writes that follow skip the filesystem's
/// per-page delayed-allocation work. Where the filesystem cannot reserve, a sparse file does.
fn reserve(file: &File, size: u64) -> std::io::Result<()> {
    match fs4::fs_std::FileExt::allocate(file, size) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::StorageFull => Err(err),
        Err(_) => file.set_len(size),
    }
}

enum VerifyError {
    Io(std::io::Error),
    Mismatch(String),
}

fn verify(file: &File, spec: &FileSpec, digest: Option<&str>) -> Result<(), VerifyError> {
    let len = file.metadata().map_err(VerifyError::Io)?.len();
    if len != spec.size {
        return Err(VerifyError::Mismatch(format!(
            "{len} bytes on disk, expected {}",
            spec.size
        )));
    }
    let wanted = match &spec.expected {
        Expected::Sha256(hex) | Expected::GitSha1(hex) => hex,
        Expected::SizeOnly => return Ok(()),
    };
    match digest {
        Some(got) if got.eq_ignore_ascii_case(wanted) => Ok(()),
        got => Err(VerifyError::Mismatch(format!(
            "hash {} differs from the hub's {wanted}",
            got.unwrap_or("(none)")
        ))),
    }
}

/// fsync, move into place, drop the state, and make the rename durable.
fn finish(file: &File, part: &Path, state_path: &Path, dest: &Path) -> Result<(), TransferError> {
    file.sync_all().map_err(|e| TransferError::io(part, e))?;
    std::fs::rename(part, dest).map_err(|e| TransferError::io(dest, e))?;
    state::remove(state_path).map_err(|e| TransferError::io(state_path, e))?;
    if let Some(dir) = dest.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| TransferError::io(dir, e))?;
    }
    Ok(())
}
