//! The crate's one error type: what stops the service from starting or running.
//!
//! A job's own failures are not errors here: they become a record in `error` and a
//! `model:download:error` event (see `handler`), so the queue never retries them.

use millm_contract::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum DownloaderError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("postgres: {0}")]
    Db(#[from] millm_platform::db::DbError),
    #[error("redis: {0}")]
    Queue(#[from] millm_platform::queue::QueueError),
    #[error("nats: {0}")]
    Bus(#[from] millm_platform::bus::BusError),
    #[error("cannot subscribe on NATS: {0}")]
    Subscribe(#[from] async_nats::SubscribeError),
    #[error("hub client: {0}")]
    Hub(#[from] millm_platform::hub::HubError),
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("METRICS_PORT: cannot serve the operations port: {0}")]
    Ops(std::io::Error),
    #[error("cache folder {path}: {source}")]
    CacheDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the writeback thread: {0}")]
    Writeback(#[source] std::io::Error),
    #[error("the apalis worker stopped: {0}")]
    Worker(String),
}
