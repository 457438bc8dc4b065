//! miLLM's downloader: apalis workers that fetch HuggingFace repos into the shared cache.
//!
//! Data flow: the gateway pushes a [`DownloadJob`](millm_contract::jobs::DownloadJob) onto the
//! Redis queue; `worker` (the only module that knows apalis) hands it to
//! [`handler::handle_download`], which takes the model's Postgres lease, re-reads the record,
//! asks the hub for the revision's files, and fetches the contract's files with the
//! [`transfer`] engine into the HuggingFace cache layout ([`millm_platform::cache`]) under
//! `MODEL_CACHE_DIR`, each blob under its Postgres lease and `.locks/` file lock. Progress goes
//! out on NATS as `model:download:progress` (the gateway relays it to Socket.IO); the end sets
//! the record `ready` (or `error`) and publishes `model:download:complete` (or `:error`).
//! Cancels arrive on NATS and stop the job through the [`registry`]; shutdown stops running jobs
//! and pushes them back on the queue. A [`heartbeat`] says the process is alive.

mod app;
pub mod config;
pub mod error;
pub mod handler;
pub mod heartbeat;
pub mod registry;
pub mod transfer;
mod worker;

pub use app::Application;
pub use config::{DownloadSettings, DownloaderConfig};
pub use error::DownloaderError;
