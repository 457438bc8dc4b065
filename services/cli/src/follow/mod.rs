//! Following a job the server owns (a download, a load) to its end.
//!
//! Each follower `select!`s over three sources: the `/progress` socket (prompt figures), a poll
//! of `GET /api/models/{id}` every second (the truth, and what keeps a follower going when the
//! socket is gone), and Ctrl-C. A socket that (re)connects triggers an immediate poll, since
//! events sent while it was down are lost.

pub mod download;
pub mod load;

use std::time::{Duration, Instant};

use millm_contract::model::Model;
use tokio::signal::unix::{Signal as UnixSignal, SignalKind, signal};

use crate::api::{Api, typed};
use crate::error::CliError;

pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// How long polls may fail in a row (a gateway restarting) before the follower gives up.
const UNREACHABLE_FOR: Duration = Duration::from_secs(30);

/// How a follower ended, short of an error.
pub enum Followed {
    Done(Box<Model>),
    /// Interrupted, and the job left running on the server.
    LeftRunning,
}

/// Ctrl-C as a stream: installed once, so no press between two `select!` rounds is lost, and the
/// default handler (which would kill us mid-question) is replaced for the follower's lifetime.
pub fn interrupts() -> Result<UnixSignal, CliError> {
    signal(SignalKind::interrupt()).map_err(|e| CliError::Usage(format!("cannot watch for Ctrl-C: {e}")))
}

/// Reads the record, tolerating a server that is briefly away.
pub struct Poller {
    id: i64,
    failing_since: Option<Instant>,
}

impl Poller {
    pub fn new(id: i64) -> Self {
        Self {
            id,
            failing_since: None,
        }
    }

    /// The record, `None` while the server is unreachable (within [`UNREACHABLE_FOR`]), or the error.
    pub async fn read(&mut self, api: &Api) -> Result<Option<Model>, CliError> {
        match api.get(&format!("/api/models/{}", self.id)).await {
            Ok(data) => {
                self.failing_since = None;
                typed(data).map(Some)
            }
            Err(e @ (CliError::Unreachable { .. } | CliError::BadAnswer { .. })) => {
                let since = *self.failing_since.get_or_insert_with(Instant::now);
                if since.elapsed() > UNREACHABLE_FOR {
                    Err(e)
                } else {
                    Ok(None)
                }
            }
            Err(e) => Err(e),
        }
    }
}
