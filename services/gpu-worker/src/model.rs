//! Loading a model onto a device and running it: the public face of the crate.
//!
//! [`LoadedModel::load`] runs three stages, reporting progress and polling `cancel` between them and per shard:
//! *reading* parses `config.json` (refusing what [`check_supported`](millm_contract::supported::check_supported)
//! refuses) and validates every shard header, summing the bytes the weights will take; *quantizing* maps one shard at
//! a time and builds its tensors on the device (quantized linears at Q8/Q4), charging each against the memory limit
//! before allocating it; *verifying* assembles the architecture, checking every name and shape. The caller then runs
//! [`LoadedModel::check_pass`] (a short prompt, finite logits) to finish its verifying stage: a Q4 forward dequantizes
//! every weight, which on a CPU costs more than the load itself. An error at any point drops everything built so far.

use std::path::Path;

use tch::{Device, Kind, Tensor};

use crate::arch::{Model, role};
use crate::error::LoadError;
use crate::model_config::ModelConfig;
use crate::quant::{Elem, Quant};
use crate::shards::{Shard, shard_files};
use crate::weights::{Store, elem_of, planned_bytes};

/// The stages a load reports, as the contract's `model:load:progress` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Quantizing,
    Verifying,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reading => "reading",
            Self::Quantizing => "quantizing",
            Self::Verifying => "verifying",
        }
    }
}

/// How to load. `plain_kind` overrides the dtype of everything that is not a quantized code (tests use float32).
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    pub quant: Quant,
    pub device: Device,
    /// `DEVICE_MEMORY_LIMIT_MB` in bytes: the weights may not take more.
    pub limit_bytes: Option<u64>,
    pub plain_kind: Option<Kind>,
}

/// A model held on a device. Dropping it frees every tensor.
pub struct LoadedModel {
    model: Model,
    pub config: ModelConfig,
    pub quant: Quant,
    pub device: Device,
    pub kind: Kind,
    weight_bytes: u64,
}

impl LoadedModel {
    /// Loads the model in `dir` at `quant` onto `device`, with at most `limit_bytes` of weights.
    pub fn load(
        dir: &Path,
        quant: Quant,
        device: Device,
        limit_bytes: Option<u64>,
        progress: &dyn Fn(Stage, f32),
        cancel: &dyn Fn() -> bool,
    ) -> Result<Self, LoadError> {
        Self::load_with(
            dir,
            LoadOptions {
                quant,
                device,
                limit_bytes,
                plain_kind: None,
            },
            progress,
            cancel,
        )
    }

    pub fn load_with(
        dir: &Path,
        opts: LoadOptions,
        progress: &dyn Fn(Stage, f32),
        cancel: &dyn Fn() -> bool,
    ) -> Result<Self, LoadError> {
        let check = || if cancel() { Err(LoadError::Cancelled) } else { Ok(()) };
        crate::measure::release_large_frees();
        progress(Stage::Reading, 0.0);
        let started = std::time::Instant::now();
        let read = tracing::info_span!(
            "read",
            bytes = tracing::field::Empty,
            duration_ms = tracing::field::Empty
        )
        .entered();
        let config = read_config(dir)?;
        let kind = plain_kind(&config, &opts);
        let shards = shard_files(dir)?;
        let mut required = 0u64;
        let mut total = 0u64;
        for (i, path) in shards.iter().enumerate() {
            check()?;
            let shard = Shard::open(path)?;
            for (name, view) in shard.tensors()?.tensors() {
                elem_of(&name, &view)?;
                required += planned_bytes(role(&config, &name, view.shape().len()), view.shape(), opts.quant, kind);
                total += view.data().len() as u64;
            }
            progress(Stage::Reading, (i + 1) as f32 / shards.len() as f32);
        }
        read.record("bytes", total);
        read.record("duration_ms", started.elapsed().as_millis() as u64);
        drop(read);
        let started = std::time::Instant::now();
        let quantize = tracing::info_span!("quantize", bytes = total, duration_ms = tracing::field::Empty).entered();
        let mut store = Store::new(opts.device, opts.quant, kind, opts.limit_bytes, required);
        let _serial = SerialTorch::new();
        let total = total.max(1);
        let mut done = 0u64;
        progress(Stage::Quantizing, 0.0);
        let mut reported = 0.0f32;
        for path in &shards {
            check()?;
            let shard = Shard::open(path)?;
            for (name, view) in shard.tensors()?.tensors() {
                store.add(&name, &view, role(&config, &name, view.shape().len()))?;
                // Reported in steps of 1 % so that a caller publishing each tick is not flooded.
                done += view.data().len() as u64;
                let fraction = done as f32 / total as f32;
                if fraction - reported >= 0.01 {
                    reported = fraction;
                    progress(Stage::Quantizing, fraction);
                }
            }
        }
        progress(Stage::Quantizing, 1.0);
        quantize.record("duration_ms", started.elapsed().as_millis() as u64);
        drop(quantize);
        check()?;
        progress(Stage::Verifying, 0.0);
        let model = Model::build(&mut store, &config)?;
        let weight_bytes = store.held_by_model();
        drop(store);
        progress(Stage::Verifying, 1.0);
        Ok(Self {
            model,
            config,
            quant: opts.quant,
            device: opts.device,
            kind,
            weight_bytes,
        })
    }

    /// Logits `[seq, vocab]` as float32 on the model's device, for token ids.
    pub fn forward(&self, ids: &[i64]) -> Result<Tensor, LoadError> {
        if ids.is_empty() {
            return Err(LoadError::Tokenizer("no tokens to run".into()));
        }
        let _no_grad = tch::no_grad_guard();
        let ids = Tensor::f_from_slice(ids)?.f_to_device(self.device)?;
        Ok(self.model.forward(&ids)?.f_to_kind(Kind::Float)?)
    }

    /// The load's check pass: a short prompt through the tokenizer and the model; every logit must be finite.
    pub fn check_pass(&self, tokenizer: &tokenizers::Tokenizer) -> Result<(), LoadError> {
        let ids = crate::tokenize::encode(tokenizer, "The capital of France is")?;
        self.check_ids(&ids)
    }

    fn check_ids(&self, ids: &[i64]) -> Result<(), LoadError> {
        let logits = self.forward(ids)?;
        let finite = logits.f_isfinite()?.f_all()?.f_int64_value(&[])? == 1;
        if finite { Ok(()) } else { Err(LoadError::NonFinite) }
    }

    /// Bytes of weights held on the device: codes, scales and 16-bit tensors, each shared tensor counted once.
    pub fn weight_bytes(&self) -> u64 {
        self.weight_bytes
    }
}

/// Keeps libtorch's intra-op pool at one thread while our quantizer threads run, restoring it on drop. Each tensor
/// libtorch creates from bytes is zero-filled in parallel first; its OpenMP workers then spin-wait, and on a small
/// machine that spinning took half the CPU away from the quantizer.
struct SerialTorch(i32);

impl SerialTorch {
    fn new() -> Self {
        let threads = tch::get_num_threads();
        tch::set_num_threads(1);
        Self(threads)
    }
}

impl Drop for SerialTorch {
    fn drop(&mut self) {
        tch::set_num_threads(self.0);
    }
}

/// 16-bit weights are float16 on CUDA unless the config says bfloat16; bfloat16 on the CPU (no fast f16 kernels).
fn plain_kind(config: &ModelConfig, opts: &LoadOptions) -> Kind {
    match (opts.quant, opts.plain_kind) {
        (Quant::F32, _) => Kind::Float,
        (_, Some(kind)) => kind,
        _ if opts.device == Device::Cpu || config.dtype == Some(Elem::BF16) => Kind::BFloat16,
        _ => Kind::Half,
    }
}

/// Parses `config.json` against the directory's file list.
fn read_config(dir: &Path) -> Result<ModelConfig, LoadError> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).map_err(LoadError::io(&path))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| LoadError::BadConfig(format!("config.json: {e}")))?;
    let files: Vec<String> = std::fs::read_dir(dir)
        .map_err(LoadError::io(dir))?
        .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
        .collect();
    let config = ModelConfig::parse(&json, &files)?;
    Ok(config)
}
