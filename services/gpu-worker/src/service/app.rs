//! Start-up, the one-active-worker rule, and shutdown.
//!
//! **One active GPU worker per deployment.** At start the worker takes a Postgres advisory lease for its namespace
//! (`LeaseKey::GpuWorker`). A second process started by mistake *stands by*: it publishes heartbeats with
//! `active: false`, takes no load jobs and does not answer status or unload requests (which would race the active
//! worker's answers), and polls the lease every heartbeat. The lease lives on its own Postgres session, so when the
//! active worker dies, even by `kill -9`, Postgres frees it and the standby takes over, holding nothing.
//!
//! Shutdown: stop taking jobs (the job in hand finishes, or a load stops at its next stage boundary), drop the model
//! (its record goes back to `ready`), and exit within `SHUTDOWN_TIMEOUT_SECS`.

use millm_contract::names::Names;
use millm_platform::bus::Bus;
use millm_platform::db::{self, Lease, LeaseKey};
use millm_platform::{ops, queue};
use std::sync::Arc;
use tch::Device;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::ServiceError;
use super::config::{DeviceChoice, GpuWorkerConfig};
use super::state::{Identity, LiveState};
use super::{Ctx, autoload, control, jobs, owner, warmup};

pub struct Application {
    ctx: Arc<Ctx>,
    ops_port: Option<u16>,
}

impl Application {
    /// The operations port (`METRICS_PORT`), when one is served.
    pub fn ops_port(&self) -> Option<u16> {
        self.ops_port
    }

    /// Chooses the device, connects to Postgres (migrating it) and NATS, and warms libtorch up.
    pub async fn build(config: GpuWorkerConfig) -> Result<Self, ServiceError> {
        let device = choose_device(config.settings.device)?;
        let identity = Identity::new(device);
        tracing::info!(id = %identity.id, instance = %identity.instance, device = %identity.device_name(),
            memory_limit_mb = ?config.settings.device_memory_limit_mb, "gpu worker starting");
        if let Device::Cuda(_) = device {
            tracing::warn!("CUDA is not yet verified: `make gpu-smoke` has not passed on a GPU");
        }
        millm_platform::metrics::install();
        let pool = db::connect(&config.common.database_url, 5).await?;
        db::migrate(&pool).await?;
        let names = Names::new(config.common.millm_namespace.clone());
        let bus = Bus::connect(&config.common.nats_url, names).await?;
        // Served before the warm-up, so that `/livez` answers while libtorch sets up.
        let shutdown = CancellationToken::new();
        let deps = ops::Deps {
            pool: pool.clone(),
            redis: queue::connect(&config.common.redis_url).await?,
            nats: bus.client().clone(),
        };
        let ops = ops::serve(config.common.metrics_port, deps, shutdown.clone())
            .await
            .map_err(ServiceError::Ops)?;
        // libtorch, the quantizer and the tokenizer set up on first use; paying that now keeps it out of the first
        // load's measured memory (see `warmup`).
        match tokio::task::spawn_blocking(move || warmup::run(device)).await? {
            Ok(()) => tracing::info!("self-test load passed at Q4, Q8 and FP16"),
            Err(e) => tracing::error!(error = %e, "self-test load failed: loads on this device will likely fail"),
        }
        let shared = Arc::new(LiveState::new(identity, config.settings.device_memory_limit_mb));
        let ctx = Ctx {
            config,
            pool,
            bus,
            shared,
            shutdown,
            became_active: Notify::new(),
        };
        Ok(Self {
            ctx: Arc::new(ctx),
            ops_port: ops.map(|o| o.addr.port()),
        })
    }

    /// Runs until `signal` completes: stands by until the lease is free, then serves as the active worker.
    pub async fn run_until_stopped(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServiceError> {
        let ctx = self.ctx;
        let stop = ctx.shutdown.clone();
        tokio::spawn(async move {
            signal.await;
            stop.cancel();
        });
        let beats = control::heartbeats(ctx.clone());
        let lease = tokio::select! {
            _ = ctx.shutdown.cancelled() => None,
            lease = take_lease(&ctx) => Some(lease?),
        };
        let Some(lease) = lease else {
            let _ = beats.await;
            return Ok(());
        };
        ctx.shared.set_active();
        ctx.became_active.notify_one();
        tracing::info!("active: taking load jobs");
        let (owner, owner_task) = owner::spawn(ctx.clone());
        let requests = control::serve_requests(ctx.clone(), owner.clone()).await?;
        let queue = jobs::spawn(ctx.clone(), owner.clone()).await?;
        let auto = autoload::spawn(ctx.clone());

        ctx.shutdown.cancelled().await;
        tracing::info!("stopping: finishing the job in hand, then dropping the model");
        let wind_down = async {
            let _ = queue.await;
            owner.stop().await;
            let _ = owner_task.await;
            let _ = requests.await;
            let _ = beats.await;
            if let Some(auto) = auto {
                let _ = auto.await;
            }
        };
        if tokio::time::timeout(ctx.config.shutdown_timeout(), wind_down)
            .await
            .is_err()
        {
            tracing::warn!("shutdown took longer than SHUTDOWN_TIMEOUT_SECS; exiting anyway");
        }
        // Publishes are buffered: flush so the last events (the unload) leave before we exit.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), ctx.bus.client().flush()).await;
        lease.release().await;
        tracing::info!("gpu worker stopped");
        Ok(())
    }
}

/// Waits for the active worker's lease, polling once per heartbeat while another process holds it.
async fn take_lease(ctx: &Ctx) -> Result<Lease, ServiceError> {
    let key = LeaseKey::GpuWorker(ctx.config.common.millm_namespace.clone());
    let mut told = false;
    loop {
        if let Some(lease) = Lease::try_acquire(&ctx.pool, key.clone()).await? {
            return Ok(lease);
        }
        if !told {
            tracing::warn!(
                "another GPU worker is active in this namespace: standing by (heartbeats with active: false)"
            );
            told = true;
        }
        tokio::time::sleep(ctx.config.heartbeat()).await;
    }
}

fn choose_device(choice: DeviceChoice) -> Result<Device, ServiceError> {
    let cuda = crate::cuda_available();
    match choice {
        DeviceChoice::Auto if cuda => Ok(Device::Cuda(0)),
        DeviceChoice::Auto | DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Cuda(n) if !cuda => Err(ServiceError::Device(
            format!("cuda:{n}"),
            "CUDA is not available".into(),
        )),
        DeviceChoice::Cuda(n) => {
            let count = tch::Cuda::device_count();
            if (n as i64) < count {
                Ok(Device::Cuda(n))
            } else {
                Err(ServiceError::Device(
                    format!("cuda:{n}"),
                    format!("only {count} CUDA device(s) exist"),
                ))
            }
        }
    }
}
