//! One load's device work and what its failure means, kept apart from the owner's bookkeeping.
//!
//! [`run`] is the blocking part: the crate's staged load, then the check pass on the repo's tokenizer; the abort flag
//! is polled at every stage boundary, including after the check pass. [`LoadFailure`] sorts a [`LoadError`] into what
//! the contract does with it: bad files leave the record in `error`, memory sends it back to `ready`, and an abort
//! is no failure at all.

use millm_contract::error::ErrorCode;
use millm_contract::events::LoadStage;
use millm_contract::model::Quantization;
use std::path::Path;

use crate::{LoadError, LoadOptions, LoadedModel, Quant, Stage};

pub fn quant_of(level: Quantization) -> Quant {
    match level {
        Quantization::Q4 => Quant::Q4,
        Quantization::Q8 => Quant::Q8,
        Quantization::Fp16 => Quant::Fp16,
    }
}

/// The whole load as one percentage: reading 0–10, quantizing 10–85, verifying 85–100 (the check pass is the last
/// part of verifying), so a client sees one bar that never goes back.
fn overall(stage: Stage, fraction: f32) -> (LoadStage, f64) {
    let f = f64::from(fraction.clamp(0.0, 1.0));
    match stage {
        Stage::Reading => (LoadStage::Reading, 10.0 * f),
        Stage::Quantizing => (LoadStage::Quantizing, 10.0 + 75.0 * f),
        Stage::Verifying => (LoadStage::Verifying, 85.0 + 10.0 * f),
    }
}

/// Loads, then runs the check pass. Blocking: call it from `spawn_blocking`.
pub fn run(
    dir: &Path,
    opts: LoadOptions,
    progress: &dyn Fn(LoadStage, f64),
    cancel: &dyn Fn() -> bool,
) -> Result<LoadedModel, LoadError> {
    let model = LoadedModel::load_with(
        dir,
        opts,
        &|stage, fraction| {
            let (stage, percent) = overall(stage, fraction);
            progress(stage, percent);
        },
        cancel,
    )?;
    let check = tracing::info_span!(
        "check_pass",
        bytes = model.weight_bytes(),
        duration_ms = tracing::field::Empty
    );
    let started = std::time::Instant::now();
    let checked = check.in_scope(|| {
        let tokenizer = crate::tokenize::load_tokenizer(dir)?;
        model.check_pass(&tokenizer)
    });
    check.record("duration_ms", started.elapsed().as_millis() as u64);
    checked?;
    // The check pass is the last stage boundary: an unload that arrived during it wins.
    if cancel() {
        return Err(LoadError::Cancelled);
    }
    progress(LoadStage::Verifying, 100.0);
    Ok(model)
}

/// What a failed load means for the record.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadFailure {
    /// Aborted by an unload or by shutdown: the record goes to `ready`, nothing failed.
    Aborted,
    /// Past `DEVICE_MEMORY_LIMIT_MB` or out of device memory: the record goes back to `ready`.
    Memory {
        message: String,
        details: serde_json::Value,
    },
    /// The files cannot be loaded: the record goes to `error`.
    Files { code: ErrorCode, message: String },
}

impl LoadFailure {
    pub fn of(error: &LoadError, dir: &Path) -> Self {
        let folder = dir.display();
        match error {
            LoadError::Cancelled => Self::Aborted,
            LoadError::OutOfMemory { required_mb, limit_mb } => Self::Memory {
                message: format!(
                    "{error}. Free memory on the device, choose a smaller quantization, or raise \
                     DEVICE_MEMORY_LIMIT_MB, then load again"
                ),
                details: serde_json::json!({"required_mb": required_mb, "available_mb": limit_mb}),
            },
            LoadError::Torch(e) if e.to_string().to_lowercase().contains("out of memory") => Self::Memory {
                message: format!(
                    "the device ran out of memory while loading ({e}). Free memory on the device or choose a \
                     smaller quantization, then load again"
                ),
                details: serde_json::json!({}),
            },
            LoadError::Unsupported(_) => Self::Files {
                code: ErrorCode::UnsupportedModel,
                message: format!("{error}. miLLM cannot run this model; delete it, or fix config.json in {folder}"),
            },
            LoadError::CorruptFile { .. }
            | LoadError::MissingShard { .. }
            | LoadError::MissingTensor { .. }
            | LoadError::BadShape { .. }
            | LoadError::BadConfig(_)
            | LoadError::Io { .. } => Self::Files {
                code: ErrorCode::ModelLoadFailed,
                message: format!(
                    "{error}. The model's files are damaged or incomplete: restore them in {folder} (for a hub \
                     model, delete it and download it again), then load again"
                ),
            },
            LoadError::Tokenizer(_) | LoadError::NonFinite | LoadError::Torch(_) => Self::Files {
                code: ErrorCode::ModelLoadFailed,
                message: format!(
                    "{error}. The model did not pass the check forward pass; check its files in {folder}, then \
                     load again"
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_one_bar_that_never_goes_back() {
        let steps = [
            (Stage::Reading, 0.0),
            (Stage::Reading, 1.0),
            (Stage::Quantizing, 0.5),
            (Stage::Quantizing, 1.0),
            (Stage::Verifying, 1.0),
        ];
        let percents: Vec<f64> = steps.iter().map(|(s, f)| overall(*s, *f).1).collect();
        assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
        assert!(percents.iter().all(|p| (0.0..=100.0).contains(p)));
    }

    #[test]
    fn memory_failures_go_back_to_ready_and_bad_files_to_error() {
        let dir = Path::new("/models/x");
        let oom = LoadError::OutOfMemory {
            required_mb: 9,
            limit_mb: 4,
        };
        assert!(matches!(LoadFailure::of(&oom, dir), LoadFailure::Memory { .. }));
        let missing = LoadError::MissingShard {
            file: dir.join("model-00002-of-00002.safetensors"),
        };
        match LoadFailure::of(&missing, dir) {
            LoadFailure::Files { code, message } => {
                assert_eq!(code, ErrorCode::ModelLoadFailed);
                assert!(message.contains("load again"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(LoadFailure::of(&LoadError::Cancelled, dir), LoadFailure::Aborted);
    }
}
