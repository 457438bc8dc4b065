//! A fake HuggingFace Hub: an HTTP server that speaks the hub protocol (model info, tree listing, resolve with
//! ranges, the hub's error codes and auth quirks) over local directories, with switchable faults and counters.
//! The switches are also reachable over HTTP under `/_admin` (see `routes_admin`), for tests in another process.
//!
//! The server runs on its own small tokio runtime in background threads. That keeps it serving while a test blocks
//! its own thread (waiting on a Python subprocess, hashing a big file), and lets dropping the hub stop every
//! connection at once, including slow rate-limited downloads.
//!
//! ```no_run
//! # async fn demo() -> Result<(), millm_test_support::FakeHubError> {
//! use millm_test_support::{FakeHub, RepoOptions};
//! let hub = FakeHub::start().await;
//! let repo = hub.add_repo("org/tiny", std::path::Path::new("/tmp/tiny"), RepoOptions::default())?;
//! hub.set_rate_limit("org/tiny", Some(10 << 20));
//! println!("{}/org/tiny/resolve/{}/config.json", hub.url(), repo.commit);
//! # Ok(()) }
//! ```

mod access;
mod body;
mod cdn;
mod faults;
mod index;
mod range;
mod router;
mod routes_admin;
mod routes_api;
mod routes_resolve;
mod state;

use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use self::index::git_blob_sha1;
use self::state::HubState;

/// Errors from starting the hub or indexing a repository.
#[derive(Debug, thiserror::Error)]
pub enum FakeHubError {
    #[error("fake hub: could not start the server: {0}")]
    Start(#[source] std::io::Error),
    #[error("fake hub: repo id {0:?} is not of the form org/name")]
    InvalidRepoId(String),
    #[error("fake hub: {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Access rules of a served repository.
#[derive(Debug, Clone, Default)]
pub struct RepoOptions {
    /// Model info and tree are public, files need a token in `allowed_tokens` (401 / 403 `GatedRepo` otherwise).
    pub gated: bool,
    /// Everything needs a token in `allowed_tokens` (401 `RepoNotFound` otherwise).
    pub private: bool,
    /// Tokens granted access to a gated or private repo; they are also valid tokens hub-wide.
    pub allowed_tokens: Vec<String>,
}

/// What the hub made of an added repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoHandle {
    /// The 40-hex commit sha that "main" resolves to.
    pub commit: String,
}

/// A running fake hub. Dropping it stops the server.
pub struct FakeHub {
    state: Arc<HubState>,
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeHub {
    /// Starts a hub on `127.0.0.1` at a free port.
    ///
    /// # Panics
    /// If no loopback port can be bound or no runtime threads can be spawned; use [`FakeHub::try_start`] to handle
    /// that instead.
    pub async fn start() -> FakeHub {
        match Self::launch() {
            Ok(hub) => hub,
            Err(error) => panic!("{error}"),
        }
    }

    /// Starts a hub on `127.0.0.1` at a free port.
    pub async fn try_start() -> Result<FakeHub, FakeHubError> {
        Self::launch()
    }

    /// [`FakeHub::start`] for synchronous callers such as benchmark harnesses.
    ///
    /// # Panics
    /// As [`FakeHub::start`].
    pub fn start_blocking() -> FakeHub {
        match Self::launch() {
            Ok(hub) => hub,
            Err(error) => panic!("{error}"),
        }
    }

    /// Binding and spawning need no awaiting: the server gets its own runtime.
    fn launch() -> Result<FakeHub, FakeHubError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(FakeHubError::Start)?;
        listener.set_nonblocking(true).map_err(FakeHubError::Start)?;
        let addr = listener.local_addr().map_err(FakeHubError::Start)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fake-hub")
            .enable_all()
            .build()
            .map_err(FakeHubError::Start)?;

        // The CDN is another host, as the real one is: a client must not send it the hub's token.
        let cdn_listener = std::net::TcpListener::bind("127.0.0.2:0").map_err(FakeHubError::Start)?;
        cdn_listener.set_nonblocking(true).map_err(FakeHubError::Start)?;
        let cdn_addr = cdn_listener.local_addr().map_err(FakeHubError::Start)?;

        let state = Arc::new(HubState::new(format!("http://{addr}")));
        state.cdn.set_base(format!("http://{cdn_addr}"));
        let app = router::router(state.clone());
        let shutdown = state.shutdown.clone();
        runtime.spawn(serve(cdn_listener, cdn::router(state.clone()), shutdown.clone()));
        runtime.spawn(serve(listener, app, shutdown));
        Ok(FakeHub {
            state,
            addr,
            runtime: Some(runtime),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, to use as `HF_ENDPOINT`.
    pub fn url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The address the hub listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers `resolve` for the LFS files of `repo_id` with a 302 to a presigned URL on the CDN
    /// (another host), as the real hub does; `false` serves them directly again. Small files are
    /// always served directly.
    pub fn serve_via_cdn(&self, repo_id: &str, on: bool) {
        self.state.cdn.enable(repo_id, on);
    }

    /// How long the CDN's presigned URLs stay valid (an hour unless changed; `ZERO` makes every
    /// URL expire within the second it was issued).
    pub fn set_cdn_url_ttl(&self, ttl: std::time::Duration) {
        self.state.cdn.set_ttl(ttl);
    }

    /// Requests for this file at the CDN since the last reset.
    pub fn cdn_request_count(&self, repo_id: &str, path: &str) -> u64 {
        self.state
            .peek_counters(repo_id, path)
            .map_or(0, |c| c.cdn_requests.load(Ordering::Relaxed))
    }

    /// Stops the server; the same as dropping the hub.
    pub fn shutdown(self) {}

    /// Serves every file under `dir` (recursively) as `repo_id` at revision "main", replacing any repo of that id.
    ///
    /// Files are hashed here, once (digests are reused for unchanged files across hubs in the same process), which
    /// reads the whole directory: about two seconds for a 2.5 GB repo.
    pub fn add_repo(&self, repo_id: &str, dir: &Path, options: RepoOptions) -> Result<RepoHandle, FakeHubError> {
        let valid = repo_id
            .split_once('/')
            .is_some_and(|(org, name)| !org.is_empty() && !name.is_empty() && !name.contains('/'));
        if !valid {
            return Err(FakeHubError::InvalidRepoId(repo_id.to_owned()));
        }
        let repo = index::index_repo(repo_id, dir, options)?;
        let handle = RepoHandle {
            commit: repo.commit.clone(),
        };
        self.state
            .repos
            .write()
            .expect("repos lock poisoned")
            .insert(repo_id.to_owned(), Arc::new(repo));
        Ok(handle)
    }

    /// Makes `token` valid hub-wide. Requests bearing any other token are refused with 401.
    pub fn add_token(&self, token: &str) {
        self.state
            .tokens
            .write()
            .expect("tokens lock poisoned")
            .insert(token.to_owned());
    }

    /// Replaces the access rules of a served repo (gated, private, allowed tokens), keeping its files and commit.
    /// Returns false when no repo of that id is served.
    pub fn set_access(&self, repo_id: &str, options: RepoOptions) -> bool {
        self.state.set_access(repo_id, options)
    }

    /// Entries per page of the tree listing (default 1000, like the hub); 0 is treated as 1.
    pub fn set_tree_page_size(&self, entries: usize) {
        self.state.tree_page_size.store(entries, Ordering::Relaxed);
    }

    /// Limits the bandwidth of all downloads from `repo_id` together, in bytes per second; `None` lifts the limit.
    /// Takes effect on bodies already streaming.
    pub fn set_rate_limit(&self, repo_id: &str, bytes_per_second: Option<u64>) {
        self.state.faults.limiter(repo_id).set_rate(bytes_per_second);
    }

    /// Caps each response body from now on at `bytes_per_second` on its own, of every repo, direct or through the
    /// CDN, as a CDN caps each stream; `None` lifts the cap. Bodies already streaming keep the cap they began with.
    pub fn set_stream_rate_limit(&self, bytes_per_second: Option<u64>) {
        self.state.faults.set_stream_rate(bytes_per_second);
    }

    /// The next `times` GET bodies of `path` stop after `n_bytes` body bytes and the connection is aborted, so the
    /// client sees a short body or a reset. A body shorter than `n_bytes` completes normally but still uses a turn.
    pub fn drop_after(&self, repo_id: &str, path: &str, n_bytes: u64, times: u32) {
        self.state.faults.set_drop_after(repo_id, path, n_bytes, times);
    }

    /// The next `times` requests to any route of `repo_id` (its CDN URLs included) are answered `status` with no
    /// body.
    pub fn fail_next(&self, repo_id: &str, status: u16, times: u32) {
        self.state.faults.set_fail_next(repo_id, status, times);
    }

    /// The next `times` GET responses of `path` whose range covers the absolute `offset` carry that byte inverted.
    pub fn corrupt_next(&self, repo_id: &str, path: &str, offset: u64, times: u32) {
        self.state.faults.add_corruption(repo_id, path, offset, times);
    }

    /// Disarms the faults of `repo_id` that have not fired yet (failures, drops, corruptions); a
    /// rate limit stays.
    pub fn clear_faults(&self, repo_id: &str) {
        self.state.faults.clear(repo_id);
    }

    /// Body bytes handed to the server for this file, over all requests since the last reset.
    pub fn bytes_served(&self, repo_id: &str, path: &str) -> u64 {
        self.state
            .peek_counters(repo_id, path)
            .map_or(0, |c| c.bytes.load(Ordering::Relaxed))
    }

    /// HEAD and GET requests for this file at the hub's `resolve` route (refused and redirected
    /// ones included) since the last reset; the CDN's are counted apart.
    pub fn request_count(&self, repo_id: &str, path: &str) -> u64 {
        self.state
            .peek_counters(repo_id, path)
            .map_or(0, |c| c.requests.load(Ordering::Relaxed))
    }

    /// Zeroes all byte and request counters.
    pub fn reset_counters(&self) {
        self.state.reset_counters();
    }
}

/// Serves `app` on `listener` until `shutdown`, with no Nagle delay, as a CDN does.
async fn serve(listener: std::net::TcpListener, app: axum::Router, shutdown: tokio_util::sync::CancellationToken) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, "fake hub: could not register its listener");
            return;
        }
    };
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "fake hub: server stopped");
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.state.shutdown.cancel();
        if let Some(runtime) = self.runtime.take() {
            // Not a blocking shutdown: the hub may be dropped inside an async test.
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for FakeHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHub")
            .field("url", &self.state.base_url)
            .finish_non_exhaustive()
    }
}
