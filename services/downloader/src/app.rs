//! Building the service from its configuration, and running it until the stop signal.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use millm_contract::names::Names;
use millm_platform::bus::Bus;
use millm_platform::db;
use millm_platform::hub::{Breaker, HubClient};
use millm_platform::ops;
use millm_platform::queue::{self, Liveness};
use millm_platform::seal::Sealer;
use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;

use crate::config::DownloaderConfig;
use crate::error::DownloaderError;
use crate::handler::JobContext;
use crate::registry::{JobRegistry, StopReason};
use crate::transfer::{EngineConfig, TransferEngine};
use crate::{heartbeat, worker};

/// Files fetched at once within one job (each with parallel ranges of its own).
const FILES_PER_JOB: usize = 4;

/// A downloader process, connected and ready to run.
pub struct Application {
    config: DownloaderConfig,
    id: String,
    ctx: Arc<JobContext>,
    conn: ConnectionManager,
    cancels: async_nats::Subscriber,
    /// Stops the operations port once the process has stopped.
    ops_stop: CancellationToken,
    ops_port: Option<u16>,
}

impl Application {
    /// Connects Postgres (and applies migrations), Redis and NATS, and subscribes to cancels
    /// before any job can start, so no cancel is missed.
    pub async fn build(config: DownloaderConfig) -> Result<Self, DownloaderError> {
        config.validate()?;
        millm_platform::metrics::install();
        let common = &config.common;
        let root = common.model_cache_dir.clone();
        std::fs::create_dir_all(&root).map_err(|source| DownloaderError::CacheDir {
            path: root.display().to_string(),
            source,
        })?;
        // Each running job holds its model's lease and one blob lease per file in flight, each on a
        // pooled connection; four more serve the queries (progress checks, outcome, purge).
        let leases = config.settings.max_download_workers * (1 + FILES_PER_JOB);
        let pool = db::connect(&common.database_url, (leases + 4) as u32).await?;
        db::migrate(&pool).await?;
        let conn = queue::connect(&common.redis_url).await?;
        let names = Names::new(common.millm_namespace.clone());
        let bus = Bus::connect(&common.nats_url, names.clone()).await?;
        let cancels = bus.client().subscribe(names.download_cancel_wildcard()).await?;
        let breaker = Arc::new(Breaker::new(
            config.hub.hub_breaker_threshold,
            config.hub.hub_breaker_recovery_secs.get(),
        ));
        let settings = &config.settings;
        let engine = TransferEngine::new(
            TransferEngine::build_client()?,
            EngineConfig::from_settings(settings.download_chunk_mb, settings.download_max_bandwidth_mbps),
        )
        .map_err(DownloaderError::Writeback)?;
        let ctx = Arc::new(JobContext {
            pool,
            bus,
            hub: HubClient::new(&config.hub.hf_endpoint, breaker)?,
            sealer: Sealer::new(&common.millm_secret_key),
            hf_token: config.hub.hf_token.clone(),
            engine,
            root,
            registry: JobRegistry::new(),
            max_files: FILES_PER_JOB,
        });
        let ops_stop = CancellationToken::new();
        let deps = ops::Deps {
            pool: ctx.pool.clone(),
            redis: conn.clone(),
            nats: ctx.bus.client().clone(),
        };
        let ops = ops::serve(config.common.metrics_port, deps, ops_stop.clone())
            .await
            .map_err(DownloaderError::Ops)?;
        Ok(Self {
            id: process_id(),
            config,
            ctx,
            conn,
            cancels,
            ops_stop,
            ops_port: ops.map(|o| o.addr.port()),
        })
    }

    /// The operations port (`METRICS_PORT`), when one is served.
    pub fn ops_port(&self) -> Option<u16> {
        self.ops_port
    }

    /// This process's id: its heartbeat id and the stem of its worker names.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `signal` completes, then shuts down within `SHUTDOWN_TIMEOUT_SECS`: no new
    /// jobs, running jobs stopped with their partial files kept and pushed back on the queue.
    pub async fn run_until_stopped(self, signal: impl Future<Output = ()> + Send) -> Result<(), DownloaderError> {
        let stop = CancellationToken::new();
        let registry = self.ctx.registry.clone();
        let beat = self.config.common.heartbeat_secs.get();
        let heartbeat = tokio::spawn(heartbeat::run(
            self.ctx.bus.clone(),
            self.id.clone(),
            registry.clone(),
            beat,
            stop.clone(),
        ));
        let cancels = tokio::spawn(listen_for_cancels(self.cancels, registry, stop.clone()));
        let queue_cfg = &self.config.queue;
        let setup = worker::WorkerSetup {
            ctx: self.ctx.clone(),
            conn: self.conn,
            names: self.ctx.bus.names().clone(),
            liveness: Liveness {
                keepalive: queue_cfg.worker_keepalive_secs.get(),
                orphan_after: queue_cfg.orphan_requeue_secs.get(),
            },
            concurrency: self.config.settings.max_download_workers,
            id: self.id.clone(),
        };
        tracing::info!(id = %self.id, "downloader running");
        let mut worker = tokio::spawn(worker::run(setup, stop.clone()));
        tokio::select! {
            () = signal => tracing::info!("stop signal received; shutting down"),
            _ = &mut worker => {
                stop.cancel();
                self.ops_stop.cancel();
                return Err(DownloaderError::Worker("the worker loop ended".into()));
            }
        }
        stop.cancel();
        let limit = self.config.common.shutdown_timeout_secs.get();
        let deadline = tokio::time::Instant::now() + limit;
        if tokio::time::timeout_at(deadline, worker).await.is_err() {
            // Their jobs stay in this worker's in-flight set; apalis re-queues them once our
            // heartbeat has been silent for ORPHAN_REQUEUE_SECS.
            tracing::warn!(?limit, "running jobs did not stop in time; exiting anyway");
        }
        let _ = tokio::join!(heartbeat, cancels);
        // Bounded: a NATS server that is gone must not hold the exit past the limit.
        let flush_until = deadline.max(tokio::time::Instant::now() + Duration::from_millis(200));
        match tokio::time::timeout_at(flush_until, self.ctx.bus.client().flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "NATS messages not flushed"),
            Err(_) => tracing::warn!("NATS messages not flushed in time"),
        }
        self.ops_stop.cancel();
        tracing::info!("downloader stopped");
        Ok(())
    }
}

/// Cancel messages carry the model id as the subject's last token; the body is empty.
async fn listen_for_cancels(
    mut subscriber: async_nats::Subscriber,
    registry: Arc<JobRegistry>,
    stop: CancellationToken,
) {
    loop {
        let message = tokio::select! {
            () = stop.cancelled() => return,
            message = subscriber.next() => match message {
                Some(message) => message,
                None => return,
            },
        };
        let id = message.subject.rsplit('.').next().and_then(|id| id.parse::<i64>().ok());
        if let Some(id) = id
            && registry.stop(id, StopReason::Cancelled)
        {
            tracing::info!(model.id = id, "cancel received; stopping the download");
        }
    }
}

/// `downloader-{host}-{pid}-{random}`: unique per process start, as apalis needs.
fn process_id() -> String {
    let host = millm_platform::service::hostname();
    let random = &uuid::Uuid::new_v4().simple().to_string()[..8];
    format!("downloader-{host}-{}-{random}", std::process::id())
}
