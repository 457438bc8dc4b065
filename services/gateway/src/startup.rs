//! `Application::build`: connect, migrate, reconcile, and bind; `run_until_stopped` serves.
//!
//! Tests build the application on port 0 against the real Postgres, Redis and NATS, each
//! with its own database and `MILLM_NAMESPACE`.

use axum::serve::ListenerExt;
use millm_contract::names::Names;
use millm_platform::bus::Bus;
use millm_platform::db;
use millm_platform::hub::{Breaker, HubClient};
use millm_platform::ops;
use millm_platform::queue::{self, Liveness};
use millm_platform::seal::Sealer;
use millm_platform::supervise;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Mutex as AsyncMutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::GatewayConfig;
use crate::domain::{reconcile, sockets, workers::WorkerRegistry};
use crate::routes;
use crate::state::{AppState, ProgressCache};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("Postgres: {0}")]
    Db(#[from] db::DbError),
    #[error("Redis: {0}")]
    Queue(#[from] queue::QueueError),
    #[error("NATS: {0}")]
    Bus(#[from] millm_platform::bus::BusError),
    #[error("hub client: {0}")]
    Hub(#[from] millm_platform::hub::HubError),
    #[error("cannot bind {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("cannot subscribe on NATS: {0}")]
    Subscribe(String),
    #[error("METRICS_PORT: cannot serve the operations port: {0}")]
    Ops(std::io::Error),
}

pub struct Application {
    listener: TcpListener,
    port: u16,
    ops_port: Option<u16>,
    state: AppState,
    layer: socketioxide::layer::SocketIoLayer,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Application {
    pub async fn build(config: GatewayConfig) -> Result<Self, StartError> {
        let common = &config.common;
        let names = Names::new(common.millm_namespace.clone());
        millm_platform::metrics::install();
        let pool = db::connect(&common.database_url, 10).await?;
        db::migrate(&pool).await?;
        let redis = queue::connect(&common.redis_url).await?;
        let live = Liveness::default();
        let bus = Bus::connect(&common.nats_url, names.clone()).await?;
        let breaker = Arc::new(Breaker::new(
            config.hub.hub_breaker_threshold,
            config.hub.hub_breaker_recovery_secs.get(),
        ));
        let hub = HubClient::new(&config.hub.hf_endpoint, breaker)?;
        let (layer, io) = sockets::build(config.http.millm_api_key.clone());
        let state = AppState {
            pool,
            downloads: Arc::new(AsyncMutex::new(queue::download_storage(redis.clone(), &names, live))),
            loads: Arc::new(AsyncMutex::new(queue::load_storage(redis.clone(), &names, live))),
            redis,
            bus,
            hub,
            sealer: Sealer::new(&common.millm_secret_key),
            progress: Arc::new(ProgressCache::default()),
            workers: Arc::new(WorkerRegistry::new(common.heartbeat_secs.get())),
            io,
            config: Arc::new(config),
        };
        let shutdown = CancellationToken::new();
        let deps = ops::Deps {
            pool: state.pool.clone(),
            redis: state.redis.clone(),
            nats: state.bus.client().clone(),
        };
        let ops = ops::serve(state.config.common.metrics_port, deps, shutdown.clone())
            .await
            .map_err(StartError::Ops)?;
        let ops_port = ops.as_ref().map(|o| o.addr.port());
        let mut tasks = spawn_background(&state, &shutdown).await?;
        tasks.extend(ops.map(|o| o.task));
        reconcile::at_start(&state).await;

        let address = format!("{}:{}", state.config.http.host, state.config.http.port);
        let listener = TcpListener::bind(&address)
            .await
            .map_err(|e| StartError::Bind(address.clone(), e))?;
        let port = listener.local_addr().map_err(|e| StartError::Bind(address, e))?.port();
        if state.config.http.host != "127.0.0.1" && state.config.http.host != "localhost" && state.api_key().is_none() {
            tracing::warn!(host = %state.config.http.host, "listening beyond loopback without MILLM_API_KEY: anyone who can reach this port controls miLLM");
        }
        Ok(Self {
            listener,
            port,
            ops_port,
            state,
            layer,
            shutdown,
            tasks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The operations port (`METRICS_PORT`), when one is served.
    pub fn ops_port(&self) -> Option<u16> {
        self.ops_port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` completes, then stops the background loops after their current unit.
    pub async fn run_until_stopped(self, signal: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let app = routes::router(self.state.clone()).layer(self.layer);
        tracing::info!(port = self.port, "gateway listening");
        let shutdown = self.shutdown.clone();
        // Without TCP_NODELAY a response written in two segments (head, then body) waits for the
        // client's delayed ACK: 40 ms on Linux, on every small answer.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                signal.await;
                shutdown.cancel();
            })
            .await;
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
        served
    }
}

/// The relay and the heartbeat watch are supervised: one that ends (its subscription closed) is
/// started again on a fresh subscription. Their first subscriptions are made here, before the
/// start-up reconcile, so that no event after it is missed; failing those fails the start.
async fn spawn_background(state: &AppState, shutdown: &CancellationToken) -> Result<Vec<JoinHandle<()>>, StartError> {
    let names = state.bus.names();
    let subscribe = |subject: String| async move {
        let subscriber = state.bus.client().subscribe(subject.clone()).await;
        subscriber
            .map(|s| (subject, s))
            .map_err(|e| StartError::Subscribe(e.to_string()))
    };
    let events = subscribe(names.events_wildcard()).await?;
    let beats = subscribe(names.heartbeat_wildcard()).await?;
    Ok(vec![
        tokio::spawn(resubscribing(
            "event relay",
            state.clone(),
            events,
            shutdown.clone(),
            sockets::relay,
        )),
        tokio::spawn(resubscribing(
            "heartbeat watch",
            state.clone(),
            beats,
            shutdown.clone(),
            reconcile::heartbeats,
        )),
        tokio::spawn(reconcile::periodically(state.clone(), shutdown.clone())),
    ])
}

/// Runs `task` on the first subscription, then on a new one to the same subject each time it
/// ends, until the shutdown.
async fn resubscribing<F, Fut>(
    what: &'static str,
    state: AppState,
    (subject, first): (String, async_nats::Subscriber),
    shutdown: CancellationToken,
    task: F,
) where
    F: Fn(AppState, async_nats::Subscriber, CancellationToken) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut first = Some(first);
    let task = &task;
    supervise::restarting(what, &shutdown, |_| {
        let (first, state, subject, shutdown) = (first.take(), state.clone(), subject.clone(), shutdown.clone());
        async move {
            let subscriber = match first {
                Some(subscriber) => subscriber,
                None => state.bus.client().subscribe(subject).await?,
            };
            task(state, subscriber, shutdown).await;
            Ok::<(), async_nats::SubscribeError>(())
        }
    })
    .await;
}
