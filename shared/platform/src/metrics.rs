//! The process's Prometheus registry, and the one list of metric names every service records.
//!
//! Names follow Prometheus conventions: `millm_` prefix, base units (`_bytes`, `_seconds`),
//! `_total` on counters. Recording before [`install`] is a no-op, so each service installs it
//! first thing; a process that hosts several services (the tests do) shares one registry.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Jobs by `queue` (`download`, `load`) and `outcome`.
pub const JOBS: &str = "millm_jobs_total";
/// Jobs pushed on a queue by `queue`.
pub const JOBS_QUEUED: &str = "millm_jobs_queued_total";
/// Failed jobs pushed again by a user's retry, by `queue`.
pub const JOBS_RETRIED: &str = "millm_jobs_retried_total";
/// Jobs running now, by `queue`.
pub const JOBS_RUNNING: &str = "millm_jobs_running";
/// Bytes that came over the network into the cache.
pub const DOWNLOAD_BYTES: &str = "millm_download_bytes_total";
/// Wall time of a completed download job.
pub const DOWNLOAD_SECONDS: &str = "millm_download_duration_seconds";
/// The download speed the last progress event reported, over this process's jobs.
pub const DOWNLOAD_SPEED: &str = "millm_download_speed_bytes_per_second";
/// Wall time of a completed load, by `quantization`.
pub const LOAD_SECONDS: &str = "millm_load_duration_seconds";
/// Device memory, by `device`: total, used and free.
pub const DEVICE_TOTAL: &str = "millm_device_memory_total_bytes";
pub const DEVICE_USED: &str = "millm_device_memory_used_bytes";
pub const DEVICE_FREE: &str = "millm_device_memory_free_bytes";
/// The loaded model's measured footprint; 0 when none is loaded.
pub const MODEL_MEMORY: &str = "millm_loaded_model_memory_bytes";
/// HTTP requests by `method`, `route` (the template, never the raw path) and `status`.
pub const HTTP_REQUESTS: &str = "millm_http_requests_total";
/// HTTP latency by `method` and `route`.
pub const HTTP_SECONDS: &str = "millm_http_request_duration_seconds";
/// 1 while the hub circuit breaker is open.
pub const HUB_BREAKER_OPEN: &str = "millm_hub_breaker_open";
/// Hub requests that failed, by `code` (an HTTP status, or `network`).
pub const HUB_ERRORS: &str = "millm_hub_request_errors_total";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the registry once per process and returns it; later calls return the same one.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
            .expect("buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be set (a library's, in a test); then ours only renders.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only what it records");
        }
        handle
    })
}

/// From 5 ms (an API call) to 30 min (a large download or load).
const SECONDS: [f64; 14] = [
    0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 180.0, 600.0, 1800.0,
];
