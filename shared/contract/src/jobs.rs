//! Job payloads pushed by the gateway onto the apalis queues in Redis.
//!
//! Jobs are plain data: the record in Postgres is the truth, and a handler re-reads it before
//! acting, so running a job twice (a re-push, an orphan re-queue) is harmless.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::trace::Traceparent;

/// A hub token sealed with `MILLM_SECRET_KEY` (`v1:` + hex): safe to store and to queue, and
/// useful only to a service that holds the key. Only the platform's `Sealer` makes or opens one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedToken(String);

impl SealedToken {
    /// Wraps text that a `Sealer` produced (or that Postgres stored from one).
    pub fn from_sealed(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Fetch a repo revision's files for one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadJob {
    pub model_id: i64,
    pub repo_id: String,
    /// The commit sha the gateway resolved; files are fetched at exactly this revision.
    pub revision: String,
    /// The request's hub token, sealed; never the token in clear.
    pub sealed_token: Option<SealedToken>,
    /// The trace of the request that pushed the job; jobs pushed before it existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<Traceparent>,
}

/// Load one record onto the device. Valid only while the record is `loading` with this `load_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadJob {
    pub model_id: i64,
    pub load_id: Uuid,
    /// The trace of the request that pushed the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<Traceparent>,
}
