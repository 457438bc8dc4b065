//! Device memory as the load check sees it, for the 507 and for the preview's `fits_memory`.
//!
//! Available is the device's free memory plus the loaded model's footprint (a load replaces
//! it), capped by `DEVICE_MEMORY_LIMIT_MB` as the GPU worker reports it.

use millm_contract::workers::GpuWorkerState;

/// Available = free + the current model's footprint, under `DEVICE_MEMORY_LIMIT_MB`.
pub fn available_mb(worker: &GpuWorkerState) -> i64 {
    let free = worker.devices.first().map_or(0, |d| d.free_mb);
    let total = free + worker.loaded_memory_mb.unwrap_or(0);
    worker.memory_limit_mb.map_or(total, |limit| total.min(limit))
}

/// The one rule: an estimate fits when it is no more than what is available.
pub fn fits_memory(required_mb: i64, available_mb: i64) -> bool {
    required_mb <= available_mb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_equal_to_the_available_memory_fits() {
        assert!(fits_memory(100, 100));
        assert!(!fits_memory(101, 100));
    }
}
