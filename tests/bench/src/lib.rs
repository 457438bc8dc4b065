//! Benchmark harness: starts miLLM's real binaries (release builds) against a fresh database,
//! its own namespace and cache folder, and times them beside the reference tools in one run.

pub mod report;
pub mod services;

use std::time::Duration;

/// Median of a non-empty sample.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// MB/s in decimal megabytes, as curl and huggingface_hub report them.
pub fn mb_per_s(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}
