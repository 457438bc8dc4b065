//! What of a file is already on disk: the one answer that both the progress bar (bytes counted
//! before the fetch starts) and the resume (which chunks a round skips) use, so they cannot
//! disagree.

use std::path::Path;

use super::FileSpec;
use super::state::ResumeState;
use super::tracker::chunk_count;

/// The state of one file's bytes on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OnDisk {
    /// The finished blob, at its full size.
    Complete,
    /// No finished blob yet (a blob of the wrong size counts as none).
    Partial(Partial),
}

/// What a round starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Partial {
    /// Bytes on disk per chunk, each at most the chunk's real length.
    Resume {
        written: Vec<u64>,
        /// The partial file is a shorter prefix (Python's huggingface_hub writes its
        /// `.incomplete` in order), to be extended to the full size first.
        prefix_only: bool,
    },
    /// Nothing usable: start from zero.
    Fresh,
}

impl OnDisk {
    /// Bytes this answer vouches for.
    pub fn bytes(&self, size: u64) -> u64 {
        match self {
            Self::Complete => size,
            Self::Partial(Partial::Resume { written, .. }) => written.iter().sum(),
            Self::Partial(Partial::Fresh) => 0,
        }
    }
}

/// Looks at `spec`'s blob, partial file and resume state. A partial file of our own is trusted
/// only with a matching state and its full length; one without a state only when shorter than
/// the blob (a prefix); anything else starts fresh.
pub(crate) fn inspect(spec: &FileSpec, chunk_bytes: u64) -> OnDisk {
    if len_of(&spec.dest_blob) == Some(spec.size) {
        return OnDisk::Complete;
    }
    let chunks = chunk_count(spec.size, chunk_bytes);
    let chunk_len = |index: u64| spec.size.saturating_sub(index * chunk_bytes).min(chunk_bytes);
    let state = ResumeState::load_matching(&spec.state_path(), spec.size, chunk_bytes, &spec.expected.tag());
    let partial = match (state, len_of(&spec.incomplete_path())) {
        (Some(state), Some(len)) if len == spec.size => {
            let mut written = vec![0; chunks];
            for index in state.done {
                if let Some(slot) = written.get_mut(index as usize) {
                    *slot = chunk_len(index);
                }
            }
            for [index, bytes] in state.partial {
                if let Some(slot) = written.get_mut(index as usize) {
                    *slot = bytes.min(chunk_len(index));
                }
            }
            Partial::Resume {
                written,
                prefix_only: false,
            }
        }
        (None, Some(prefix)) if prefix > 0 && prefix < spec.size => Partial::Resume {
            written: (0..chunks as u64)
                .map(|index| prefix.saturating_sub(index * chunk_bytes).min(chunk_len(index)))
                .collect(),
            prefix_only: true,
        },
        _ => Partial::Fresh,
    };
    OnDisk::Partial(partial)
}

fn len_of(path: &Path) -> Option<u64> {
    std::fs::metadata(path)
        .ok()
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::Expected;

    fn spec(dir: &Path, size: u64) -> FileSpec {
        FileSpec {
            name: "model.safetensors".into(),
            url: "http://127.0.0.1:1/unused".into(),
            token: None,
            size,
            expected: Expected::SizeOnly,
            dest_blob: dir.join("blob"),
        }
    }

    #[test]
    fn a_state_is_trusted_only_over_a_full_length_partial_file() {
        // Arrange: chunks of 10 over 25 bytes (10, 10, 5); chunk 0 and 2 done, 4 bytes of chunk 1.
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = spec(dir.path(), 25);
        ResumeState::new(25, 10, "size-only".into(), vec![0, 2], vec![[1, 4]])
            .save(&spec.state_path())
            .expect("state");
        std::fs::write(spec.incomplete_path(), [0u8; 25]).expect("partial");

        // Act
        let full = inspect(&spec, 10);
        std::fs::write(spec.incomplete_path(), [0u8; 20]).expect("shorter partial");
        let short = inspect(&spec, 10);

        // Assert
        assert_eq!(
            full,
            OnDisk::Partial(Partial::Resume {
                written: vec![10, 4, 5],
                prefix_only: false
            })
        );
        assert_eq!(full.bytes(25), 19);
        assert_eq!(short, OnDisk::Partial(Partial::Fresh));
        assert_eq!(short.bytes(25), 0);
    }

    #[test]
    fn a_prefix_without_a_state_resumes_and_a_full_blob_is_complete() {
        // Arrange
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = spec(dir.path(), 25);
        std::fs::write(spec.incomplete_path(), [0u8; 13]).expect("python's prefix");

        // Act
        let prefix = inspect(&spec, 10);
        std::fs::write(&spec.dest_blob, [0u8; 24]).expect("a blob of the wrong size");
        let wrong_blob = inspect(&spec, 10);
        std::fs::write(&spec.dest_blob, [0u8; 25]).expect("the blob");
        let complete = inspect(&spec, 10);

        // Assert
        assert_eq!(
            prefix,
            OnDisk::Partial(Partial::Resume {
                written: vec![10, 3, 0],
                prefix_only: true
            })
        );
        assert_eq!(wrong_blob, prefix);
        assert_eq!(complete, OnDisk::Complete);
        assert_eq!(complete.bytes(25), 25);
    }
}
