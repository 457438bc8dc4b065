//! `GET /api/health` (always 200, `degraded` when a dependency is down) and
//! `GET /api/health/ready` (503 when Postgres, Redis or NATS is down).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use millm_platform::hub::BreakerSnapshot;
use millm_platform::ops;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::workers::{DownloaderView, GpuWorkerView};
use crate::http::{NotReady, Success, ok};
use crate::state::AppState;

/// Whether one dependency answered its probe within 2 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DependencyState {
    Ok,
    Down,
}

/// `ok` when every dependency answers, else `degraded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ok,
    Degraded,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dependencies {
    pub postgres: DependencyState,
    pub redis: DependencyState,
    pub nats: DependencyState,
}

impl Dependencies {
    fn all_ok(&self) -> bool {
        [self.postgres, self.redis, self.nats]
            .iter()
            .all(|s| *s == DependencyState::Ok)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HubHealth {
    pub endpoint: String,
    pub circuit_breaker: BreakerSnapshot,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Workers {
    pub downloader: Vec<DownloaderView>,
    pub gpu_worker: Vec<GpuWorkerView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: HealthStatus,
    pub version: &'static str,
    pub dependencies: Dependencies,
    pub hub: HubHealth,
    pub workers: Workers,
}

fn word(ok: bool) -> DependencyState {
    if ok { DependencyState::Ok } else { DependencyState::Down }
}

/// The platform's one probe, the same the operations port's `/readyz` asks.
async fn probe(state: &AppState) -> Dependencies {
    let deps = ops::Deps {
        pool: state.pool.clone(),
        redis: state.redis.clone(),
        nats: state.bus.client().clone(),
    };
    let checks = ops::probe(&deps).await;
    Dependencies {
        postgres: word(checks.postgres),
        redis: word(checks.redis),
        nats: word(checks.nats),
    }
}

#[utoipa::path(get, path = "/api/health", tag = "system",
    responses((status = 200, description = "Always 200; `status` is `degraded` when a dependency is down", body = Success<Health>)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let dependencies = probe(&state).await;
    ok(Health {
        status: if dependencies.all_ok() {
            HealthStatus::Ok
        } else {
            HealthStatus::Degraded
        },
        version: env!("CARGO_PKG_VERSION"),
        dependencies,
        hub: HubHealth {
            endpoint: state.hub.endpoint().to_owned(),
            circuit_breaker: state.hub.breaker().snapshot(),
        },
        workers: Workers {
            downloader: state.workers.downloaders(),
            gpu_worker: state.workers.gpu_workers(),
        },
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub dependencies: Dependencies,
}

/// 200 when every dependency answers, else 503; the body says which is down.
#[utoipa::path(get, path = "/api/health/ready", tag = "system",
    responses((status = 200, description = "Every dependency answers", body = Success<Readiness>),
        (status = 503, description = "A dependency is down: the readiness, and no error code", body = NotReady<Readiness>)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let dependencies = probe(&state).await;
    let ready = dependencies.all_ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let readiness = Readiness { ready, dependencies };
    if ready {
        (status, Json(Success::new(readiness))).into_response()
    } else {
        (status, Json(NotReady::new(readiness))).into_response()
    }
}
