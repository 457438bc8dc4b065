//! A real Socket.IO client on `/progress` that collects every event it receives, for tests that
//! check what the gateway relays.

use futures::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct Listener {
    /// Held so the connection stays open while the test listens.
    _client: Client,
    events: mpsc::UnboundedReceiver<(String, Value)>,
}

pub async fn listen(address: &str, token: Option<&str>) -> Listener {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut builder =
        ClientBuilder::new(address)
            .namespace("/progress")
            .on_any(move |event: Event, payload: Payload, _: Client| {
                let tx = tx.clone();
                async move {
                    if let (Event::Custom(name), Payload::Text(values)) = (event, payload) {
                        let _ = tx.send((name, values.into_iter().next().unwrap_or(Value::Null)));
                    }
                }
                .boxed()
            });
    if let Some(token) = token {
        builder = builder.auth(serde_json::json!({"token": token}));
    }
    let client = builder.connect().await.expect("socket connects");
    Listener {
        _client: client,
        events: rx,
    }
}

impl Listener {
    /// The next event called `name`, skipping others; `None` after `wait`.
    pub async fn next_named(&mut self, name: &str, wait: Duration) -> Option<Value> {
        self.next_of(&[name], None, wait).await.map(|(_, data)| data)
    }

    /// The next event called one of `names` (and about `model_id`, when given), skipping others, with its name;
    /// `None` after `wait`.
    pub async fn next_of(&mut self, names: &[&str], model_id: Option<i64>, wait: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.checked_duration_since(tokio::time::Instant::now())?;
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some((event, data)))
                    if names.contains(&event.as_str())
                        && model_id.is_none_or(|id| data["model_id"].as_i64() == Some(id)) =>
                {
                    return Some((event, data));
                }
                Ok(Some(_)) => continue,
                _ => return None,
            }
        }
    }
}
