//! Shared set-up of the transfer tests: a fake hub serving generated files, specs for them, and a
//! quick engine configuration.

use std::path::PathBuf;
use std::time::Duration;

use millm_downloader::transfer::{EngineConfig, Expected, FileSpec, MIB, RetryPolicy, TransferEngine};
use millm_test_support::{FakeHub, RepoBuilder, RepoOptions};
use sha2::{Digest, Sha256};

pub const REPO: &str = "org/transfer";

/// A hub serving one repo made of `files`, and an empty cache folder.
pub struct Setup {
    pub hub: FakeHub,
    pub commit: String,
    pub cache: tempfile::TempDir,
    _repo_dir: tempfile::TempDir,
}

impl Setup {
    pub async fn serving(files: &[(&str, &[u8])]) -> Self {
        let repo_dir = tempfile::tempdir().expect("repo dir");
        let mut builder = RepoBuilder::new(repo_dir.path());
        for (path, bytes) in files {
            builder = builder.extra_file(*path, bytes.to_vec());
        }
        builder.build().expect("build repo");
        let hub = FakeHub::start().await;
        let handle = hub
            .add_repo(REPO, repo_dir.path(), RepoOptions::default())
            .expect("add repo");
        Self {
            hub,
            commit: handle.commit,
            cache: tempfile::tempdir().expect("cache dir"),
            _repo_dir: repo_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{REPO}/resolve/{}/{path}", self.hub.url(), self.commit)
    }

    /// A spec expecting the file's sha256, as for an LFS file.
    pub fn spec(&self, path: &str, bytes: &[u8]) -> FileSpec {
        let sha = sha256_hex(bytes);
        FileSpec {
            name: path.to_owned(),
            url: self.url(path),
            token: None,
            size: bytes.len() as u64,
            dest_blob: self.blob(&sha),
            expected: Expected::Sha256(sha),
        }
    }

    pub fn blob(&self, etag: &str) -> PathBuf {
        self.cache.path().join("blobs").join(etag)
    }
}

/// Small chunks so a few MiB make many ranges, and quick retries.
pub fn quick_config() -> EngineConfig {
    EngineConfig {
        chunk_bytes: MIB,
        max_parallel_ranges: 4,
        max_inflight_requests: 8,
        max_bandwidth_mib_s: 0.0,
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        },
        stall_timeout: Duration::from_secs(10),
        state_save_interval: Duration::ZERO,
    }
}

pub fn engine(config: EngineConfig) -> TransferEngine {
    TransferEngine::new(TransferEngine::build_client().expect("client"), config).expect("engine")
}

/// Deterministic bytes that do not compress or repeat.
pub fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub use millm_test_support::git_blob_sha1 as git_sha1_hex;
