//! Benchmark harness: starts miLLM's real binaries (release builds) against a fresh database,
//! its own namespace and cache folder, and times them beside the reference tools in one run.

pub mod report;
pub mod services;

use millm_contract::files::is_fetched_file;
use std::path::Path;
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

/// The files a contender fetches, with their sizes, as the repo folder holds them.
pub fn fetched(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .filter(|(name, _)| is_fetched_file(name))
        .collect();
    files.sort();
    files
}
