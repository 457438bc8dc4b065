//! The resume state file, `<blob>.incomplete.state`: which bytes of the partial file are on disk.
//!
//! It is small JSON, replaced atomically (temp file + rename) so a kill at any moment leaves either
//! the old or the new version. It is only trusted when size, chunk size and expected hash match the
//! file being fetched; anything else (missing, unreadable, another file's) means "start fresh".
//! The hash state itself is not stored: on resume the present prefix is hashed again once, which
//! the issue allows and which keeps the format independent of the hash crate's internals.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const VERSION: u32 = 1;

/// What survives a crash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResumeState {
    pub version: u32,
    pub size: u64,
    pub chunk_bytes: u64,
    pub expected: String,
    /// Indices of the chunks whose bytes are all on disk.
    pub done: Vec<u64>,
    /// `[chunk index, bytes on disk from its start]` for chunks cut off mid-way. Bytes within a
    /// chunk land in order and are counted only after their write, so the count is never ahead.
    #[serde(default)]
    pub partial: Vec<[u64; 2]>,
}

impl ResumeState {
    pub fn new(size: u64, chunk_bytes: u64, expected: String, done: Vec<u64>, partial: Vec<[u64; 2]>) -> Self {
        Self {
            version: VERSION,
            size,
            chunk_bytes,
            expected,
            done,
            partial,
        }
    }

    /// Reads the state at `path` if it describes the same file; `None` means start fresh.
    pub fn load_matching(path: &Path, size: u64, chunk_bytes: u64, expected: &str) -> Option<Self> {
        let text = std::fs::read(path).ok()?;
        let state: Self = match serde_json::from_slice(&text) {
            Ok(state) => state,
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "ignoring unreadable resume state");
                return None;
            }
        };
        let matches = state.version == VERSION
            && state.size == size
            && state.chunk_bytes == chunk_bytes
            && state.expected == expected;
        matches.then_some(state)
    }

    /// Replaces the state file atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = temp_path(path);
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        // No fsync: the state only has to survive the process (kill -9), and the data it describes
        // is not fsynced either until the file completes. A torn state after a power cut is
        // rejected by the JSON parser and the file starts fresh.
        drop(file);
        std::fs::rename(&tmp, path)
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut os = path.as_os_str().to_owned();
    os.push(".tmp");
    PathBuf::from(os)
}

/// Removes the state file and any leftover temp file; a missing file is fine.
pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
    for p in [path.to_path_buf(), temp_path(path)] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_only_trusted_for_the_same_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("blob.incomplete.state");
        let state = ResumeState::new(100, 10, "sha256:ab".into(), vec![0, 3], vec![[1, 4]]);
        state.save(&path).expect("save");

        assert_eq!(ResumeState::load_matching(&path, 100, 10, "sha256:ab"), Some(state));
        assert_eq!(ResumeState::load_matching(&path, 101, 10, "sha256:ab"), None);
        assert_eq!(ResumeState::load_matching(&path, 100, 20, "sha256:ab"), None);
        assert_eq!(ResumeState::load_matching(&path, 100, 10, "sha256:cd"), None);
        remove(&path).expect("remove");
        assert!(!path.exists());
    }
}
