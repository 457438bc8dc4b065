//! The apalis queues on Redis: building storages, pushing jobs, and seeing what is pending.
//!
//! Redis only carries jobs. The gateway pushes; workers pull with `batch_size(1)` so a long
//! download never hoards queued jobs. Connections get a long response timeout, because the
//! default 500 ms stops workers silently under load (apalis-redis#76).

use apalis::prelude::{PollWith, Strategy, TaskSink};
use apalis_redis::{Config, RedisStorage};
use millm_contract::jobs::{DownloadJob, LoadJob};
use millm_contract::names::Names;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashSet;
use std::time::Duration;

use crate::metrics::JOBS_QUEUED;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis error")]
    Redis(#[from] redis::RedisError),
    #[error("could not push the job: {0}")]
    Push(String),
}

/// A connection manager that reconnects by itself and waits long enough for busy servers.
pub async fn connect(url: &str) -> Result<ConnectionManager, QueueError> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(30)));
    Ok(client.get_connection_manager_with_config(config).await?)
}

/// apalis liveness: a worker beats every `keepalive`; after `orphan_after` without a beat its
/// jobs go back on the queue.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    pub keepalive: Duration,
    pub orphan_after: Duration,
}

impl Default for Liveness {
    fn default() -> Self {
        Self {
            keepalive: Duration::from_secs(5),
            orphan_after: Duration::from_secs(30),
        }
    }
}

fn config(queue: String, live: Liveness) -> Config {
    let beats = (live.orphan_after.as_secs_f64() / live.keepalive.as_secs_f64())
        .ceil()
        .max(1.0);
    Config::default()
        .queue(queue)
        .batch_size(1)
        .heartbeat_interval(live.keepalive)
        .missed_heartbeats(beats as usize)
}

/// How often an idle worker asks Redis for a job. A plain `RedisStorage` looks only on each apalis
/// heartbeat (`WORKER_KEEPALIVE_SECS` apart), which would delay every job's start by seconds.
pub const POLL_EVERY: Duration = Duration::from_millis(25);

/// A storage that workers poll every [`POLL_EVERY`].
pub fn polled<T>(
    storage: RedisStorage<T, ConnectionManager>,
) -> PollWith<RedisStorage<T, ConnectionManager>, Strategy> {
    PollWith::new(storage, Strategy::new().interval(POLL_EVERY))
}

pub type DownloadStorage = RedisStorage<DownloadJob, ConnectionManager>;
pub type LoadStorage = RedisStorage<LoadJob, ConnectionManager>;

pub fn download_storage(conn: ConnectionManager, names: &Names, live: Liveness) -> DownloadStorage {
    RedisStorage::new(conn).with_config(config(names.download_queue(), live))
}

pub fn load_storage(conn: ConnectionManager, names: &Names, live: Liveness) -> LoadStorage {
    RedisStorage::new(conn).with_config(config(names.load_queue(), live))
}

/// Every producer pushes through here (the gateway, auto-load, a downloader handing a stopped
/// job back), so `millm_jobs_queued_total` counts each push once.
pub async fn push_download(storage: &mut DownloadStorage, job: DownloadJob) -> Result<(), QueueError> {
    storage.push(job).await.map_err(|e| QueueError::Push(e.to_string()))?;
    metrics::counter!(JOBS_QUEUED, "queue" => "download").increment(1);
    Ok(())
}

pub async fn push_load(storage: &mut LoadStorage, job: LoadJob) -> Result<(), QueueError> {
    storage.push(job).await.map_err(|e| QueueError::Push(e.to_string()))?;
    metrics::counter!(JOBS_QUEUED, "queue" => "load").increment(1);
    Ok(())
}

/// Model ids whose download job is queued, scheduled or held by a worker.
pub async fn pending_downloads(conn: &mut ConnectionManager, names: &Names) -> Result<HashSet<i64>, QueueError> {
    let queue = names.download_queue();
    let mut ids: Vec<String> = conn.lrange(format!("{queue}:active"), 0, -1).await?;
    let scheduled: Vec<String> = conn.zrange(format!("{queue}:scheduled"), 0, -1).await?;
    ids.extend(scheduled);
    let workers: Vec<String> = conn.zrange(format!("{queue}:workers"), 0, -1).await?;
    for worker in workers {
        let held: Vec<String> = conn.smembers(format!("{queue}:inflight:{worker}")).await?;
        ids.extend(held);
    }
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let data: Vec<Option<Vec<u8>>> = redis::cmd("HMGET")
        .arg(format!("{queue}:data"))
        .arg(&ids)
        .query_async(conn)
        .await?;
    Ok(data
        .into_iter()
        .flatten()
        .filter_map(|bytes| serde_json::from_slice::<DownloadJob>(&bytes).ok())
        .map(|job| job.model_id)
        .collect())
}
