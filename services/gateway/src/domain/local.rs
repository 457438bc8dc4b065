//! Registering a local folder: validate the path, then learn the model from its files.
//!
//! miLLM only reads a local folder: it never writes into it or deletes it. The path is
//! resolved (symlinks included) before the `LOCAL_MODEL_ROOTS` check, so a link cannot lead
//! out of an allowed root.

use millm_contract::estimator::Estimate;
use millm_contract::files::{TensorInfo, header_len, is_fetched_file, parse_header};
use millm_contract::model::{Quantization, format_params, mib};
use millm_contract::supported::check_supported;
use millm_platform::db::ModelFacts;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::http::ApiError;

/// A validated, resolved model folder and what its files say.
#[derive(Debug, Clone)]
pub struct LocalModel {
    pub path: PathBuf,
    pub facts: ModelFacts,
}

/// Validates `raw` and scans it; blocking, so call it from `spawn_blocking`.
pub fn inspect_local(raw: &str, roots: &[PathBuf], quant: Quantization) -> Result<LocalModel, ApiError> {
    let given = Path::new(raw);
    if !given.is_absolute() {
        return Err(ApiError::validation("local_path", "must be an absolute path"));
    }
    let invalid = |reason: &str| ApiError::InvalidLocalPath(reason.to_owned());
    let path = given.canonicalize().map_err(|_| invalid("the path does not exist"))?;
    if !roots.is_empty() {
        let inside = roots
            .iter()
            .filter_map(|r| r.canonicalize().ok())
            .any(|root| path.starts_with(root));
        if !inside {
            return Err(invalid("the path is outside LOCAL_MODEL_ROOTS"));
        }
    }
    if !path.is_dir() {
        return Err(invalid("the path is not a directory"));
    }
    let files = list_files(&path).map_err(|_| invalid("the directory cannot be read"))?;
    if !files.iter().any(|f| f == "config.json") {
        return Err(invalid("the directory has no config.json"));
    }
    if !files.iter().any(|f| f.ends_with(".safetensors")) {
        return Err(invalid("the directory has no *.safetensors file"));
    }
    let config: serde_json::Value = std::fs::read(path.join("config.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| invalid("config.json is not readable JSON"))?;
    let architecture = config["architectures"][0].as_str().map(str::to_owned);
    check_supported(&config, &files).map_err(|u| ApiError::UnsupportedModel {
        architecture: u.architecture.or(architecture.clone()),
        reason: u.reason,
    })?;

    let mut disk_bytes = 0u64;
    let mut tensors = BTreeMap::new();
    for name in files.iter().filter(|f| is_fetched_file(f)) {
        let file = path.join(name);
        disk_bytes += std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        if name.ends_with(".safetensors") {
            let header = read_header(&file).map_err(|reason| invalid(&format!("{name}: {reason}")))?;
            tensors.extend(header);
        }
    }
    let conv1d = architecture.as_deref() == Some("GPT2LMHeadModel");
    let estimate = Estimate::from_tensors(tensors.iter().map(|(n, t)| (n.as_str(), t.shape.as_slice())), conv1d);
    Ok(LocalModel {
        path,
        facts: ModelFacts {
            params: Some(format_params(estimate.params)),
            architecture,
            disk_size_mb: Some(mib(disk_bytes)),
            estimated_memory_mb: Some(estimate.memory_mb(quant)),
            config_json: Some(config),
        },
    })
}

/// The folder's top-level file names (a model's files sit at its root).
fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.path().is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn read_header(file: &Path) -> Result<BTreeMap<String, TensorInfo>, String> {
    let mut f = File::open(file).map_err(|e| e.to_string())?;
    let mut len_bytes = [0u8; 8];
    f.read_exact(&mut len_bytes)
        .map_err(|_| "too short for a safetensors file".to_owned())?;
    let len = header_len(&len_bytes).map_err(|e| e.to_string())?;
    let mut bytes = len_bytes.to_vec();
    bytes.resize(8 + len as usize, 0);
    f.read_exact(&mut bytes[8..])
        .map_err(|_| "truncated safetensors header".to_owned())?;
    parse_header(&bytes).map_err(|e| e.to_string())
}
