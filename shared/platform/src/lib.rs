//! miLLM's platform crate: the machinery every service shares to reach its neighbours.
//!
//! Postgres ([`db`]) holds every record and lease; Redis ([`queue`]) carries apalis jobs;
//! NATS ([`bus`]) carries events, heartbeats and GPU-worker requests; [`hub`] reads the
//! HuggingFace Hub's metadata through a circuit breaker; [`seal`] keeps hub tokens sealed at
//! rest; [`telemetry`] sets up logs and traces; [`metrics`] and [`ops`] serve Prometheus
//! metrics and the probes on `METRICS_PORT`; [`supervise`] keeps every long-lived task
//! running. The types that travel between them live in
//! `millm-contract`.

pub mod bus;
pub mod cache;
pub mod db;
pub mod hub;
pub mod metrics;
pub mod ops;
pub mod queue;
pub mod seal;
pub mod service;
pub mod supervise;
pub mod telemetry;
pub mod trace;

pub use millm_contract as contract;

/// Completes on SIGTERM or Ctrl-C: every binary's stop signal.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
