//! File downloads: `HEAD`/`GET /{org}/{name}/resolve/{rev}/{path}`, with the hub's ETag and `X-Repo-Commit`
//! headers and single-range support. Small files are served directly; an LFS file of a repo switched to the CDN is
//! answered with a 302 to a presigned CDN URL, as the real hub does (see `cdn`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::access::{HubError, check_file_access, enter_repo};
use super::body::BodyPlan;
use super::range::{RangeRequest, parse_range};
use super::state::{HubState, Repo, RepoFile};

pub(crate) async fn resolve(
    State(state): State<Arc<HubState>>,
    Path((org, name, rev, path)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let repo_id = format!("{org}/{name}");
    state.counters(&repo_id, &path).requests.fetch_add(1, Ordering::Relaxed);

    let (repo, caller) = match enter_repo(&state, &headers, &repo_id) {
        Ok(entered) => entered,
        Err(refusal) => return refusal.into_response(),
    };
    if !repo.has_revision(&rev) {
        return HubError::revision_not_found(&rev).into_response();
    }
    if let Err(refusal) = check_file_access(&repo, &caller) {
        return refusal.into_response();
    }
    let Some(file) = repo.files.get(&path) else {
        return HubError::entry_not_found(&repo, &path).into_response();
    };
    if let Some(lfs) = file.lfs.as_ref().filter(|_| state.cdn.serves(&repo_id))
        && let Some(location) = state.cdn.presign(&repo_id, &repo.commit, &path)
    {
        return redirect(&location, &repo, file, &lfs.sha256);
    }
    serve_file(&state, &repo, file, &method, &headers)
}

/// The real hub's 302 for an LFS file: the CDN URL, and the file's facts in `X-Linked-*` headers,
/// since the `ETag` of the redirect itself is the pointer's git id, not the file's sha256.
fn redirect(location: &str, repo: &Repo, file: &RepoFile, sha256: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, header_value(location));
    headers.insert(header::ETAG, header_value(&format!("\"{}\"", file.blob_id)));
    headers.insert("x-linked-etag", header_value(&format!("\"{sha256}\"")));
    headers.insert("x-linked-size", HeaderValue::from(file.size));
    headers.insert("x-repo-commit", header_value(&repo.commit));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

/// The bytes of one file (a range of them, or its headers for HEAD), with the repo's faults,
/// rate limit and counters: the same for a direct answer and for the CDN.
pub(crate) fn serve_file(
    state: &HubState,
    repo: &Repo,
    file: &RepoFile,
    method: &Method,
    headers: &HeaderMap,
) -> Response {
    let (repo_id, path) = (repo.id.as_str(), file.path.as_str());
    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, start, len) = match parse_range(range_header, file.size) {
        RangeRequest::Full => (StatusCode::OK, 0, file.size),
        RangeRequest::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        RangeRequest::Unsatisfiable => return unsatisfiable(repo, file),
    };

    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        BodyPlan {
            path: file.abs.clone(),
            content: file.content.clone(),
            start,
            len,
            abort_after: state.faults.take_drop(repo_id, path),
            flips: state.faults.take_corruptions(repo_id, path, start, start + len),
            limiter: state.faults.limiter(repo_id),
            stream_limiter: state.faults.stream_limiter(),
            counters: state.counters(repo_id, path),
            shutdown: state.shutdown.clone(),
        }
        .into_body()
    };

    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    file_headers(headers, repo, file);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if status == StatusCode::PARTIAL_CONTENT {
        let content_range = format!("bytes {start}-{}/{}", start + len - 1, file.size);
        headers.insert(header::CONTENT_RANGE, header_value(&content_range));
    }
    response
}

fn unsatisfiable(repo: &Repo, file: &RepoFile) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
    let headers = response.headers_mut();
    file_headers(headers, repo, file);
    headers.insert(header::CONTENT_RANGE, header_value(&format!("bytes */{}", file.size)));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

fn file_headers(headers: &mut HeaderMap, repo: &Repo, file: &RepoFile) {
    headers.insert(header::ETAG, header_value(&format!("\"{}\"", file.etag())));
    headers.insert("x-repo-commit", header_value(&repo.commit));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
}

/// Header text built from hex digests and numbers, which is always valid.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}
