//! The worker's configuration: the common part, apalis liveness, and its own settings (docs/configuration.md).
//!
//! Read once at start; a bad value stops the process with a message that names the variable.

use millm_contract::config::{CommonConfig, ConfigError, QueueWorkerConfig, Seconds, from_env};
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// `DEVICE`: which accelerator the worker owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    /// CUDA device 0 when CUDA is usable, else the CPU.
    Auto,
    Cpu,
    Cuda(usize),
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Self::Cuda)
                .ok_or_else(|| format!("DEVICE must be auto, cpu or cuda:N, not '{other}'")),
        }
    }
}

impl<'de> Deserialize<'de> for DeviceChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The variables only the GPU worker reads.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkerSettings {
    #[serde(default = "default_device")]
    pub device: DeviceChoice,
    /// Caps the memory the worker reports and lets a load use, in MiB.
    #[serde(default)]
    pub device_memory_limit_mb: Option<u64>,
    /// Seconds an unload waits for work in flight on the model.
    #[serde(default = "millm_contract::config::default_graceful_unload_timeout")]
    pub graceful_unload_timeout: Seconds,
    /// A model id, or a name that exactly one record has.
    #[serde(default)]
    pub auto_load_model: Option<String>,
}

fn default_device() -> DeviceChoice {
    DeviceChoice::Auto
}

#[derive(Debug, Clone)]
pub struct GpuWorkerConfig {
    pub common: CommonConfig,
    pub queue: QueueWorkerConfig,
    pub settings: WorkerSettings,
}

impl GpuWorkerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: from_env()?,
            queue: from_env()?,
            settings: from_env()?,
        })
    }

    pub fn heartbeat(&self) -> Duration {
        self.common.heartbeat_secs.get()
    }

    pub fn graceful_unload(&self) -> Duration {
        self.settings.graceful_unload_timeout.get()
    }

    pub fn shutdown_timeout(&self) -> Duration {
        self.common.shutdown_timeout_secs.get()
    }

    pub fn limit_bytes(&self) -> Option<u64> {
        self.settings.device_memory_limit_mb.map(|mb| mb << 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_accepts_auto_cpu_and_cuda_n_only() {
        assert_eq!("auto".parse(), Ok(DeviceChoice::Auto));
        assert_eq!("cpu".parse(), Ok(DeviceChoice::Cpu));
        assert_eq!("cuda:1".parse(), Ok(DeviceChoice::Cuda(1)));
        assert!("cuda".parse::<DeviceChoice>().is_err());
        assert!("gpu:0".parse::<DeviceChoice>().is_err());
    }
}
