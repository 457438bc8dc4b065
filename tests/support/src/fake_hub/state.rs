//! The hub's shared state: served repositories, known tokens, per-file counters and the tunables the handlers read.
//!
//! Everything is behind short-lived locks so tests can change the hub while downloads are in flight.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::RepoOptions;
use super::cdn::Cdn;
use super::faults::FaultTable;

/// One file of a repository as the hub describes it.
#[derive(Debug, Clone)]
pub(crate) struct RepoFile {
    /// Path inside the repository, `/`-separated.
    pub path: String,
    /// Where the bytes live on disk.
    pub abs: PathBuf,
    pub size: u64,
    /// Git blob id: of the content for regular files, of the pointer file for LFS files.
    pub blob_id: String,
    pub lfs: Option<LfsInfo>,
    /// The file mapped into memory on its first download, then shared by every request for it.
    pub content: Arc<tokio::sync::OnceCell<bytes::Bytes>>,
}

impl RepoFile {
    /// The hub's ETag: the LFS sha256 for LFS files, the git blob id otherwise.
    pub fn etag(&self) -> &str {
        self.lfs.as_ref().map_or(&self.blob_id, |lfs| &lfs.sha256)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LfsInfo {
    pub sha256: String,
    pub pointer_size: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct SafetensorsInfo {
    pub parameters: BTreeMap<String, u64>,
    pub total: u64,
}

/// A repository at its single revision, "main".
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub id: String,
    pub commit: String,
    pub options: RepoOptions,
    pub files: BTreeMap<String, RepoFile>,
    pub config: Option<Value>,
    pub safetensors: Option<SafetensorsInfo>,
}

impl Repo {
    /// Whether `rev` names this repo's only revision: the branch "main" or the commit sha itself.
    pub fn has_revision(&self, rev: &str) -> bool {
        rev == "main" || rev == self.commit
    }

    pub fn allows(&self, token: Option<&str>) -> bool {
        token.is_some_and(|t| self.options.allowed_tokens.iter().any(|a| a == t))
    }
}

/// Byte and request counters of one file, shared with in-flight response bodies.
#[derive(Debug, Default)]
pub(crate) struct FileCounters {
    pub bytes: AtomicU64,
    /// Requests to the hub's `resolve` route.
    pub requests: AtomicU64,
    /// Requests to the CDN's presigned URLs.
    pub cdn_requests: AtomicU64,
}

/// Default number of entries per page of the tree listing; the real hub uses 1000.
pub(crate) const DEFAULT_TREE_PAGE_SIZE: usize = 1000;

pub(crate) struct HubState {
    pub base_url: String,
    pub repos: RwLock<HashMap<String, Arc<Repo>>>,
    pub tokens: RwLock<HashSet<String>>,
    pub counters: Mutex<HashMap<(String, String), Arc<FileCounters>>>,
    pub faults: FaultTable,
    pub cdn: Cdn,
    pub tree_page_size: AtomicUsize,
    /// Cancelled when the hub stops, so that slow (rate-limited) bodies end instead of outliving the hub.
    pub shutdown: CancellationToken,
}

impl HubState {
    pub fn new(base_url: String) -> Self {
        Self {
            base_url,
            repos: RwLock::default(),
            tokens: RwLock::default(),
            counters: Mutex::default(),
            faults: FaultTable::default(),
            cdn: Cdn::new(),
            tree_page_size: AtomicUsize::new(DEFAULT_TREE_PAGE_SIZE),
            shutdown: CancellationToken::new(),
        }
    }

    pub fn repo(&self, repo_id: &str) -> Option<Arc<Repo>> {
        self.repos.read().expect("repos lock poisoned").get(repo_id).cloned()
    }

    /// Replaces the access rules of a served repo, keeping its files and commit; false when it is not served.
    pub fn set_access(&self, repo_id: &str, options: RepoOptions) -> bool {
        let mut repos = self.repos.write().expect("repos lock poisoned");
        let Some(old) = repos.get(repo_id) else {
            return false;
        };
        let mut repo = Repo::clone(old);
        repo.options = options;
        repos.insert(repo_id.to_owned(), Arc::new(repo));
        true
    }

    /// A token is known when it was added globally or is allowed on any repository.
    pub fn is_known_token(&self, token: &str) -> bool {
        if self.tokens.read().expect("tokens lock poisoned").contains(token) {
            return true;
        }
        let repos = self.repos.read().expect("repos lock poisoned");
        repos
            .values()
            .any(|repo| repo.options.allowed_tokens.iter().any(|t| t == token))
    }

    pub fn counters(&self, repo_id: &str, path: &str) -> Arc<FileCounters> {
        let mut counters = self.counters.lock().expect("counters lock poisoned");
        counters
            .entry((repo_id.to_owned(), path.to_owned()))
            .or_default()
            .clone()
    }

    pub fn peek_counters(&self, repo_id: &str, path: &str) -> Option<Arc<FileCounters>> {
        let counters = self.counters.lock().expect("counters lock poisoned");
        counters.get(&(repo_id.to_owned(), path.to_owned())).cloned()
    }

    /// Zeroes counters in place rather than dropping them, so bodies still streaming keep counting.
    pub fn reset_counters(&self) {
        for counter in self.counters.lock().expect("counters lock poisoned").values() {
            counter.bytes.store(0, Ordering::Relaxed);
            counter.requests.store(0, Ordering::Relaxed);
            counter.cdn_requests.store(0, Ordering::Relaxed);
        }
    }
}
