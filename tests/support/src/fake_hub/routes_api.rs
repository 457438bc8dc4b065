//! The JSON API: model info (`/api/models/{org}/{name}[/revision/{rev}]`) and the tree listing
//! (`/api/models/{org}/{name}/tree/{rev}[/{path}]`), paginated like the hub with a `Link: rel="next"` header.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::access::{HubError, enter_repo};
use super::index::git_blob_sha1;
use super::state::{HubState, Repo, RepoFile};

type Params = HashMap<String, String>;

fn flag(params: &Params, key: &str) -> bool {
    params
        .get(key)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1"))
}

pub(crate) async fn model_info(
    State(state): State<Arc<HubState>>,
    Path((org, name)): Path<(String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    model_info_at(&state, &format!("{org}/{name}"), "main", &params, &headers)
}

pub(crate) async fn model_info_revision(
    State(state): State<Arc<HubState>>,
    Path((org, name, rev)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    model_info_at(&state, &format!("{org}/{name}"), &rev, &params, &headers)
}

fn model_info_at(state: &HubState, repo_id: &str, rev: &str, params: &Params, headers: &HeaderMap) -> Response {
    let repo = match enter_repo(state, headers, repo_id) {
        Ok((repo, _)) => repo,
        Err(refusal) => return refusal.into_response(),
    };
    if !repo.has_revision(rev) {
        return HubError::revision_not_found(rev).into_response();
    }
    Json(model_json(&repo, flag(params, "blobs"))).into_response()
}

fn model_json(repo: &Repo, blobs: bool) -> Value {
    let siblings: Vec<Value> = repo.files.values().map(|file| sibling_json(file, blobs)).collect();
    let (author, _) = repo.id.split_once('/').unwrap_or(("", &repo.id));
    let used_storage: u64 = repo.files.values().map(|f| f.size).sum();
    let mut info = json!({
        "_id": &repo.commit[..24],
        "id": repo.id,
        "modelId": repo.id,
        "author": author,
        "sha": repo.commit,
        "lastModified": "2024-01-01T00:00:00.000Z",
        "createdAt": "2024-01-01T00:00:00.000Z",
        "private": repo.options.private,
        "gated": if repo.options.gated { json!("manual") } else { json!(false) },
        "disabled": false,
        "downloads": 0,
        "likes": 0,
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["transformers", "safetensors", "text-generation"],
        "cardData": {},
        "siblings": siblings,
        "spaces": [],
        "usedStorage": used_storage,
    });
    if let Some(config) = &repo.config {
        info["config"] = config.clone();
    }
    if let Some(st) = &repo.safetensors {
        info["safetensors"] = json!({ "parameters": st.parameters, "total": st.total });
    }
    info
}

fn sibling_json(file: &RepoFile, blobs: bool) -> Value {
    let mut sibling = json!({ "rfilename": file.path });
    if blobs {
        sibling["size"] = json!(file.size);
        sibling["blobId"] = json!(file.blob_id);
        if let Some(lfs) = &file.lfs {
            sibling["lfs"] = json!({ "sha256": lfs.sha256, "size": file.size, "pointerSize": lfs.pointer_size });
        }
    }
    sibling
}

pub(crate) async fn tree_root(
    State(state): State<Arc<HubState>>,
    Path((org, name, rev)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    tree_at(&state, &format!("{org}/{name}"), &rev, "", &params, &headers)
}

pub(crate) async fn tree_path(
    State(state): State<Arc<HubState>>,
    Path((org, name, rev, path)): Path<(String, String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    tree_at(
        &state,
        &format!("{org}/{name}"),
        &rev,
        path.trim_matches('/'),
        &params,
        &headers,
    )
}

fn tree_at(state: &HubState, repo_id: &str, rev: &str, dir: &str, params: &Params, headers: &HeaderMap) -> Response {
    let repo = match enter_repo(state, headers, repo_id) {
        Ok((repo, _)) => repo,
        Err(refusal) => return refusal.into_response(),
    };
    if !repo.has_revision(rev) {
        return HubError::revision_not_found(rev).into_response();
    }
    let Some(entries) = tree_entries(&repo, dir, flag(params, "recursive")) else {
        return HubError::entry_not_found(&repo, dir).into_response();
    };

    let page_size = state.tree_page_size.load(Ordering::Relaxed).max(1);
    let cursor: usize = params.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let end = (cursor + page_size).min(entries.len());
    let page: Vec<Value> = entries.get(cursor..end).unwrap_or_default().to_vec();

    let mut response = Json(page).into_response();
    if end < entries.len() {
        let next = next_page_url(state, repo_id, rev, dir, params, end);
        if let Ok(link) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    response
}

fn next_page_url(state: &HubState, repo_id: &str, rev: &str, dir: &str, params: &Params, cursor: usize) -> String {
    let dir = if dir.is_empty() {
        String::new()
    } else {
        format!("/{dir}")
    };
    let mut query: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "cursor")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    query.sort();
    query.push(("cursor".to_owned(), cursor.to_string()));
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!(
        "{}/api/models/{repo_id}/tree/{}{dir}?{}",
        state.base_url,
        encode(rev),
        query.join("&")
    )
}

/// Percent-encodes everything but unreserved characters, enough for revisions and query values.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Files and directories under `dir` ("" for the root), sorted by path; `None` if `dir` is not a directory.
fn tree_entries(repo: &Repo, dir: &str, recursive: bool) -> Option<Vec<Value>> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut directories = BTreeSet::new();
    let mut files = Vec::new();
    for file in repo.files.values().filter(|f| f.path.starts_with(&prefix)) {
        let rest = &file.path[prefix.len()..];
        let parts: Vec<&str> = rest.split('/').collect();
        let depth = if recursive { parts.len() - 1 } else { 0 };
        for i in 1..=depth.min(parts.len() - 1) {
            directories.insert(format!("{prefix}{}", parts[..i].join("/")));
        }
        if parts.len() == 1 || recursive {
            files.push(file);
        } else {
            directories.insert(format!("{prefix}{}", parts[0]));
        }
    }
    if !dir.is_empty() && files.is_empty() && directories.is_empty() {
        return None;
    }

    let mut entries: Vec<(String, Value)> = directories
        .into_iter()
        .map(|path| {
            // A stand-in tree id: stable, and distinct per directory and commit.
            let oid = git_blob_sha1(format!("{}\0{path}", repo.commit).as_bytes());
            (path.clone(), json!({ "type": "directory", "oid": oid, "path": path }))
        })
        .collect();
    entries.extend(files.into_iter().map(|file| {
        let mut entry = json!({ "type": "file", "oid": file.blob_id, "size": file.size, "path": file.path });
        if let Some(lfs) = &file.lfs {
            entry["lfs"] = json!({ "oid": lfs.sha256, "size": file.size, "pointerSize": lfs.pointer_size });
        }
        (file.path.clone(), entry)
    }));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Some(entries.into_iter().map(|(_, entry)| entry).collect())
}
