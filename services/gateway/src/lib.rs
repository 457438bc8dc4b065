//! miLLM's gateway: the REST API, the Socket.IO relay, and the one place jobs are enqueued.
//!
//! A request is parsed at the edge into validated types (`routes::models::dto`), checked
//! against Postgres and, for hub models, the hub's metadata (`domain::inspect`); work that
//! takes time becomes an apalis job on Redis. Workers report back on NATS: the gateway relays
//! their events to Socket.IO `/progress` and keeps records true to their heartbeats
//! (`domain::reconcile`). Every answer is the `{success, data, error}` envelope.

pub mod config;
pub mod domain;
pub mod http;
pub mod routes;
pub mod startup;
pub mod state;

pub use config::GatewayConfig;
pub use startup::{Application, StartError};
