//! Socket.IO namespace `/progress`, and the relay from NATS events to its clients.
//!
//! With `MILLM_API_KEY` set, a client must send the key as handshake `auth.token`; a wrong or
//! missing token is refused before the socket joins the namespace.

use futures::StreamExt;
use millm_contract::config::Secret;
use millm_contract::events::Event;
use serde::Deserialize;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::http::auth::key_matches;
use crate::state::AppState;

pub const NAMESPACE: &str = "/progress";

#[derive(Clone)]
struct ApiKey(Option<Secret>);

#[derive(Debug, Deserialize)]
struct Auth {
    token: Option<String>,
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UNAUTHORIZED: send the API key as auth.token")
    }
}

async fn authenticate(State(key): State<ApiKey>, auth: TryData<Auth>) -> Result<(), Refused> {
    let Some(expected) = key.0 else { return Ok(()) };
    match auth.0 {
        Ok(Auth { token: Some(token) }) if key_matches(expected.expose(), &token) => Ok(()),
        _ => Err(Refused),
    }
}

async fn on_connect(socket: SocketRef) {
    tracing::debug!(socket = %socket.id, "progress client connected");
}

pub fn build(api_key: Option<Secret>) -> (SocketIoLayer, SocketIo) {
    let (layer, io) = SocketIo::builder().with_state(ApiKey(api_key)).build_layer();
    // The default namespace exists so that nothing that emits on it can panic; it sends nothing.
    io.ns("/", async |_: SocketRef| {});
    io.ns(NAMESPACE, on_connect.with(authenticate));
    (layer, io)
}

/// Relays every event published under the namespace to `/progress`, keeping the latest
/// download progress per model for `download_progress`.
pub async fn relay(state: AppState, mut subscriber: async_nats::Subscriber, shutdown: CancellationToken) {
    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => break,
            message = subscriber.next() => match message { Some(m) => m, None => break },
        };
        let mut event: Event = match serde_json::from_slice(&message.payload) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(subject = %message.subject, error = %e, "ignoring a malformed event");
                continue;
            }
        };
        let span = tracing::info_span!("relay_event", event = event.name());
        let parent = millm_platform::trace::from_headers(message.headers.as_ref());
        millm_platform::trace::continue_trace(&span, parent.as_ref());
        match &mut event {
            Event::DownloadProgress(p) => *p = state.progress.raise(p.clone()),
            Event::DownloadComplete(e) => state.progress.forget(e.model_id),
            Event::DownloadError(e) => state.progress.forget(e.model_id),
            Event::DownloadCancelled(e) => state.progress.forget(e.model_id),
            _ => {}
        }
        if let Some(ns) = state.io.of(NAMESPACE)
            && let Err(e) = ns.emit(event.name(), &event.data()).instrument(span).await
        {
            tracing::debug!(error = %e, "no socket took the event");
        }
    }
}
