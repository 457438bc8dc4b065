//! NATS: how workers publish events and heartbeats, and how the gateway asks the GPU worker.
//!
//! Progress ticks are plain core publishes (losing one is harmless: the next supersedes it);
//! questions to the GPU worker are request/reply, and `NoResponders` comes back at once when
//! no worker listens.

use millm_contract::events::Event;
use millm_contract::names::Names;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot connect to NATS")]
    Connect(#[from] async_nats::ConnectError),
    #[error("cannot publish on NATS")]
    Publish(#[from] async_nats::PublishError),
    #[error("nobody answers on {0}")]
    NoResponders(String),
    #[error("no answer on {0} in time")]
    TimedOut(String),
    #[error("request on {0} failed: {1}")]
    Request(String, String),
    #[error("message is not valid JSON: {0}")]
    Decode(#[from] serde_json::Error),
}

/// A NATS client plus the namespace's names.
#[derive(Clone, Debug)]
pub struct Bus {
    client: async_nats::Client,
    names: Names,
}

impl Bus {
    pub async fn connect(url: &str, names: Names) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self { client, names })
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Publishes an event with the current span's `traceparent` in its headers, so the
    /// gateway's relay of it joins the trace of the action that caused it.
    pub async fn publish_event(&self, event: &Event) -> Result<(), BusError> {
        let bytes = serde_json::to_vec(event)?;
        self.client
            .publish_with_headers(self.names.event_subject(event), crate::trace::headers(), bytes.into())
            .await?;
        Ok(())
    }

    pub async fn publish_json<T: Serialize>(&self, subject: String, body: &T) -> Result<(), BusError> {
        let bytes = serde_json::to_vec(body)?;
        self.client.publish(subject, bytes.into()).await?;
        Ok(())
    }

    /// Sends a JSON request, with the current span's `traceparent` in its headers, and decodes
    /// the JSON reply.
    pub async fn request<Q: Serialize, A: DeserializeOwned>(
        &self,
        subject: String,
        body: &Q,
        timeout: Duration,
    ) -> Result<A, BusError> {
        let bytes = serde_json::to_vec(body)?;
        let request = async_nats::Request::new()
            .payload(bytes.into())
            .headers(crate::trace::headers())
            .timeout(Some(timeout));
        match self.client.send_request(subject.clone(), request).await {
            Ok(message) => Ok(serde_json::from_slice(&message.payload)?),
            Err(e) => Err(match e.kind() {
                async_nats::RequestErrorKind::NoResponders => BusError::NoResponders(subject),
                async_nats::RequestErrorKind::TimedOut => BusError::TimedOut(subject),
                _ => BusError::Request(subject, e.to_string()),
            }),
        }
    }
}
