//! `/_admin/…`: the hub's fault switches over HTTP.
//!
//! Rust tests hold the [`super::FakeHub`] and call its methods; a browser suite runs in another process and can only
//! speak HTTP, so the same switches are exposed here. The real hub has no such routes, and no client of the hub
//! protocol asks for a path under `/_admin`, so they change nothing the protocol tests see. Each answers
//! `{"ok": true}`, or a 404 in the hub's error format for a repo it does not serve when the switch needs the repo.
//!
//! - `POST /_admin/repos/{org}/{name}/rate-limit` `{"bytes_per_sec": n | null}`
//! - `POST /_admin/repos/{org}/{name}/fail-next` `{"status": 503, "times": 1}`
//! - `POST /_admin/repos/{org}/{name}/drop-after` `{"path": "model.safetensors", "bytes": 1024, "times": 1}`
//! - `POST /_admin/repos/{org}/{name}/access` `{"gated": true, "private": false, "allowed_tokens": ["hf_…"]}`
//! - `POST /_admin/tokens` `{"token": "hf_…"}`: valid hub-wide
//! - `POST /_admin/reset-counters`

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::RepoOptions;
use super::access::HubError;
use super::state::HubState;

#[derive(Debug, Deserialize)]
pub(crate) struct RateLimit {
    bytes_per_sec: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FailNext {
    status: u16,
    #[serde(default = "one")]
    times: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DropAfter {
    path: String,
    bytes: u64,
    #[serde(default = "one")]
    times: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Access {
    #[serde(default)]
    gated: bool,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    allowed_tokens: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Token {
    token: String,
}

fn one() -> u32 {
    1
}

fn done() -> Response {
    Json(serde_json::json!({ "ok": true })).into_response()
}

pub(crate) async fn rate_limit(
    State(state): State<Arc<HubState>>,
    Path((org, name)): Path<(String, String)>,
    Json(body): Json<RateLimit>,
) -> Response {
    state
        .faults
        .limiter(&format!("{org}/{name}"))
        .set_rate(body.bytes_per_sec);
    done()
}

pub(crate) async fn fail_next(
    State(state): State<Arc<HubState>>,
    Path((org, name)): Path<(String, String)>,
    Json(body): Json<FailNext>,
) -> Response {
    state
        .faults
        .set_fail_next(&format!("{org}/{name}"), body.status, body.times);
    done()
}

pub(crate) async fn drop_after(
    State(state): State<Arc<HubState>>,
    Path((org, name)): Path<(String, String)>,
    Json(body): Json<DropAfter>,
) -> Response {
    state
        .faults
        .set_drop_after(&format!("{org}/{name}"), &body.path, body.bytes, body.times);
    done()
}

/// Access rules belong to a served repo, unlike faults, which may be armed before the repo is added.
pub(crate) async fn access(
    State(state): State<Arc<HubState>>,
    Path((org, name)): Path<(String, String)>,
    Json(body): Json<Access>,
) -> Response {
    let options = RepoOptions {
        gated: body.gated,
        private: body.private,
        allowed_tokens: body.allowed_tokens,
    };
    if state.set_access(&format!("{org}/{name}"), options) {
        done()
    } else {
        HubError::new(StatusCode::NOT_FOUND, Some("RepoNotFound"), "Repository not found").into_response()
    }
}

pub(crate) async fn add_token(State(state): State<Arc<HubState>>, Json(body): Json<Token>) -> Response {
    state.tokens.write().expect("tokens lock poisoned").insert(body.token);
    done()
}

pub(crate) async fn reset_counters(State(state): State<Arc<HubState>>) -> Response {
    state.reset_counters();
    done()
}
