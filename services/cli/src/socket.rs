//! The `/progress` socket as a stream of contract [`Event`]s, plus a [`Signal::Connected`]
//! each time the socket (re)connects, so that the follower re-reads the record and catches up
//! on whatever it missed while disconnected.
//!
//! The socket only makes progress prompt: followers also poll the record, so a socket that never
//! connects, or drops for good, slows a pull down but never hangs it.

use std::time::Duration;

use futures::FutureExt;
use millm_contract::events::Event;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event as SocketEvent, Payload};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub enum Signal {
    Event(Box<Event>),
    Connected,
}

/// Owns the connection task; dropping it closes the socket.
pub struct Subscription {
    rx: mpsc::UnboundedReceiver<Signal>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Subscription {
    /// The next signal; pending forever once the connection task has ended.
    pub async fn next(&mut self) -> Signal {
        match self.rx.recv().await {
            Some(signal) => signal,
            None => std::future::pending().await,
        }
    }
}

/// Connects in the background (first attempt at once, then every two seconds until one
/// succeeds); from then on the client reconnects by itself.
pub fn subscribe(base: &str, key: Option<&str>) -> Subscription {
    let (tx, rx) = mpsc::unbounded_channel();
    let base = base.to_owned();
    let auth = key.map(|k| json!({ "token": k }));
    let task = tokio::spawn(async move {
        loop {
            match builder(&base, auth.clone(), tx.clone()).connect().await {
                Ok(client) => {
                    // Held until the follower drops the subscription (which aborts this task).
                    hold(client, &tx).await;
                    return;
                }
                Err(_) if tx.is_closed() => return,
                Err(_) => tokio::time::sleep(Duration::from_secs(2)).await,
            }
        }
    });
    Subscription { rx, task }
}

async fn hold(client: Client, tx: &mpsc::UnboundedSender<Signal>) {
    tx.closed().await;
    let _ = client.disconnect().await;
}

fn builder(base: &str, auth: Option<Value>, tx: mpsc::UnboundedSender<Signal>) -> ClientBuilder {
    let events = tx.clone();
    let mut builder = ClientBuilder::new(base)
        .namespace("/progress")
        .reconnect(true)
        .reconnect_on_disconnect(true)
        .reconnect_delay(500, 5000)
        .on(SocketEvent::Connect, move |_: Payload, _: Client| {
            let _ = tx.send(Signal::Connected);
            async {}.boxed()
        })
        .on_any(move |event: SocketEvent, payload: Payload, _: Client| {
            if let (SocketEvent::Custom(name), Payload::Text(values)) = (event, payload)
                && let Some(event) = decode(&name, values.into_iter().next().unwrap_or(Value::Null))
            {
                let _ = events.send(Signal::Event(Box::new(event)));
            }
            async {}.boxed()
        });
    if let Some(auth) = auth {
        builder = builder.auth(auth);
    }
    builder
}

/// The socket sends a name and a payload; the contract's [`Event`] is tagged by that name.
pub fn decode(name: &str, payload: Value) -> Option<Event> {
    serde_json::from_value(json!({ "event": name, "data": payload })).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_event_decodes_into_the_contract_event() {
        let payload = json!({"model_id": 7, "progress": 41.9, "bytes_downloaded": 10, "total_bytes": 20,
            "speed_mbps": 1.5, "eta_seconds": null, "files_done": 2, "files_total": 5});
        let Some(Event::DownloadProgress(p)) = decode("model:download:progress", payload) else {
            panic!("not a progress event");
        };
        assert_eq!((p.model_id, p.files_done, p.files_total), (7, 2, 5));
        assert!(decode("model:nothing", json!({})).is_none());
    }
}
