//! The hub's CDN. The real hub answers `resolve` for an LFS file with a 302 to a presigned URL on
//! another host; that host serves the bytes (ranges included), refuses a request that also carries
//! an `Authorization` header, and refuses the URL once it expires. Repos switched to the CDN
//! ([`super::FakeHub::serve_via_cdn`]) get exactly that, on a second listener at 127.0.0.2, so
//! clients run the path users run: one hop to the hub, then straight to the CDN.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::routes_resolve::serve_file;
use super::state::HubState;

/// How long a presigned URL is good for, unless a test changes it (the real CDN's is an hour).
const DEFAULT_TTL: Duration = Duration::from_secs(3600);

pub(crate) struct Cdn {
    /// `http://127.0.0.2:<port>`, once the listener is bound.
    base: Mutex<Option<String>>,
    repos: Mutex<HashSet<String>>,
    /// Signs the presigned URLs, so a client cannot forge or stretch one.
    secret: String,
    ttl_secs: AtomicU64,
}

impl Cdn {
    pub fn new() -> Self {
        Self {
            base: Mutex::new(None),
            repos: Mutex::default(),
            secret: uuid::Uuid::new_v4().simple().to_string(),
            ttl_secs: AtomicU64::new(DEFAULT_TTL.as_secs()),
        }
    }

    pub fn set_base(&self, base: String) {
        *self.base.lock().expect("cdn lock poisoned") = Some(base);
    }

    pub fn enable(&self, repo_id: &str, on: bool) {
        let mut repos = self.repos.lock().expect("cdn lock poisoned");
        if on {
            repos.insert(repo_id.to_owned());
        } else {
            repos.remove(repo_id);
        }
    }

    pub fn serves(&self, repo_id: &str) -> bool {
        self.repos.lock().expect("cdn lock poisoned").contains(repo_id)
    }

    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_secs.store(ttl.as_secs(), Ordering::Relaxed);
    }

    /// A presigned URL for one file at one commit; `None` before the listener is bound.
    pub fn presign(&self, repo_id: &str, commit: &str, path: &str) -> Option<String> {
        let base = self.base.lock().expect("cdn lock poisoned").clone()?;
        let expires = now_secs() + self.ttl_secs.load(Ordering::Relaxed);
        let sig = self.signature(repo_id, commit, path, expires);
        Some(format!("{base}/{repo_id}/{commit}/{path}?expires={expires}&sig={sig}"))
    }

    fn signature(&self, repo_id: &str, commit: &str, path: &str, expires: u64) -> String {
        let text = format!("{}\n{repo_id}\n{commit}\n{path}\n{expires}", self.secret);
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub(crate) fn router(state: Arc<HubState>) -> Router {
    Router::new()
        .route("/{org}/{name}/{commit}/{*path}", get(serve))
        .with_state(state)
}

#[derive(Deserialize)]
struct Signed {
    expires: u64,
    sig: String,
}

/// An S3-style refusal: a status and a short plain-text reason.
fn refuse(status: StatusCode, reason: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], reason).into_response()
}

async fn serve(
    State(state): State<Arc<HubState>>,
    Path((org, name, commit, path)): Path<(String, String, String, String)>,
    Query(signed): Query<Signed>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let repo_id = format!("{org}/{name}");
    state
        .counters(&repo_id, &path)
        .cdn_requests
        .fetch_add(1, Ordering::Relaxed);
    // A repo's armed failures hit its CDN requests too: to a client the CDN is part of the hub.
    if let Some(status) = state.faults.take_fail(&repo_id) {
        return StatusCode::from_u16(status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response();
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return refuse(StatusCode::BAD_REQUEST, "Only one auth mechanism allowed");
    }
    if signed.sig != state.cdn.signature(&repo_id, &commit, &path, signed.expires) {
        return refuse(StatusCode::FORBIDDEN, "SignatureDoesNotMatch");
    }
    if now_secs() > signed.expires {
        return refuse(StatusCode::FORBIDDEN, "Request has expired");
    }
    let Some(repo) = state.repo(&repo_id).filter(|r| r.commit == commit) else {
        return refuse(StatusCode::NOT_FOUND, "NoSuchKey");
    };
    let Some(file) = repo.files.get(&path) else {
        return refuse(StatusCode::NOT_FOUND, "NoSuchKey");
    };
    serve_file(&state, &repo, file, &method, &headers)
}
