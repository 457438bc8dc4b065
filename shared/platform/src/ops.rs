//! The operations port, `METRICS_PORT`: `/livez`, `/readyz` and `/metrics`, outside `/api` and
//! without the API key, so that an orchestrator and Prometheus reach every service alike.
//!
//! - `/livez` answers while the process's runtime does. It never asks Postgres, Redis or NATS,
//!   so an outage of those restarts no pod.
//! - `/readyz` asks all three, each within [`CHECK_TIMEOUT`]: 200 when every one answers, 503
//!   otherwise, with each check's result.
//! - `/metrics` is the process's Prometheus registry ([`crate::metrics`]).
//!
//! Unset, there is no port; `0` takes a free one, which is logged (tests and the bench run
//! several services on one host, so no fixed default could be shared).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::FutureExt;
use redis::aio::ConnectionManager;
use serde_json::json;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long `/readyz` waits for each dependency.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/readyz` asks.
#[derive(Clone)]
pub struct Deps {
    pub pool: PgPool,
    pub redis: ConnectionManager,
    pub nats: async_nats::Client,
}

/// The running operations server.
#[derive(Debug)]
pub struct OpsServer {
    pub addr: SocketAddr,
    pub task: JoinHandle<()>,
}

/// Serves the operations port when `port` is set, until `stop` fires.
pub async fn serve(port: Option<u16>, deps: Deps, stop: CancellationToken) -> std::io::Result<Option<OpsServer>> {
    let Some(port) = port else {
        return Ok(None);
    };
    crate::metrics::install();
    let listener = TcpListener::bind(("0.0.0.0", port)).await?;
    let addr = listener.local_addr()?;
    tracing::info!(metrics_port = addr.port(), "operations port: /livez, /readyz, /metrics");
    let app = Router::new()
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(deps);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the operations port stopped");
        }
    });
    Ok(Some(OpsServer { addr, task }))
}

/// Whether each dependency answered within [`CHECK_TIMEOUT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    pub postgres: bool,
    pub redis: bool,
    pub nats: bool,
}

impl Checks {
    pub fn all_ok(&self) -> bool {
        self.postgres && self.redis && self.nats
    }
}

/// The one dependency probe: `/readyz` here and the gateway's `/api/health*` both ask it.
pub async fn probe(deps: &Deps) -> Checks {
    let within = |check| async move { tokio::time::timeout(CHECK_TIMEOUT, check).await.unwrap_or(false) };
    let postgres = async { sqlx::query("SELECT 1").execute(&deps.pool).await.is_ok() };
    let redis = async {
        let mut conn = deps.redis.clone();
        redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
    };
    // A flush round-trips to the server: a connection state alone can lag an outage.
    let nats = async {
        deps.nats.connection_state() == async_nats::connection::State::Connected && deps.nats.flush().await.is_ok()
    };
    let (postgres, redis, nats) = tokio::join!(within(postgres.boxed()), within(redis.boxed()), within(nats.boxed()));
    Checks { postgres, redis, nats }
}

async fn readyz(State(deps): State<Deps>) -> Response {
    let checks = probe(&deps).await;
    let ready = checks.all_ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body =
        json!({"ready": ready, "checks": {"postgres": checks.postgres, "redis": checks.redis, "nats": checks.nats}});
    (status, axum::Json(body)).into_response()
}

async fn metrics() -> Response {
    let body = crate::metrics::install().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
