//! The GPU worker's numerics: reading safetensors shards, quantizing linear weights to Q8 or NF4 at load time, the
//! forward passes of Llama, Mistral, Qwen2, Gemma2 and GPT-2 in libtorch (tch), and memory measurement.
//!
//! Entry point: [`LoadedModel::load`] (config check → shard headers → tensors built on the device, quantized and
//! charged against the memory limit → architecture assembled and verified), then [`LoadedModel::forward`].
//! [`cuda_available`] tells whether `Device::Cuda(n)` can be used.
//!
//! Building needs libtorch 2.13.0 (tch 0.26): either `LIBTORCH_USE_PYTORCH=1` with a python whose torch is 2.13.0
//! first on PATH (here: `PATH=$PWD/.venv/bin:$PATH`), or `LIBTORCH=<dir with lib/ and include/>`. build.rs records
//! that lib dir as an rpath, so binaries and tests start without `LD_LIBRARY_PATH`.

mod arch;
pub mod error;
pub mod linear;
pub mod measure;
mod model;
pub mod model_config;
pub mod openmp;
pub mod quant;
pub mod service;
pub mod shards;
pub mod tokenize;
pub mod weights;

pub use error::LoadError;
pub use model::{LoadOptions, LoadedModel, Stage};
pub use quant::Quant;
pub use tch::{Device, Kind, Tensor};

/// Whether CUDA is usable. The build links libtorch_cuda explicitly (build.rs), so `Device::Cuda(n)` works where a
/// driver and a GPU are present; call this once at start to choose the device.
pub fn cuda_available() -> bool {
    tch::Cuda::is_available()
}
