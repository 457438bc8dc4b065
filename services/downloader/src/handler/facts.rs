//! What the finished snapshot tells the record: architecture, parameter count, disk size and
//! the memory estimate, read from `config.json` and the safetensors headers on disk.

use std::io::Read;
use std::path::Path;

use millm_contract::estimator::Estimate;
use millm_contract::files::{TensorInfo, header_len, parse_header};
use millm_contract::model::{Quantization, format_params, mib};
use millm_platform::db::ModelFacts;
use std::collections::BTreeMap;

use super::plan::PlannedFile;

/// Reads the facts from `snapshot` (the folder of links). A file that cannot be read is an
/// error naming it: the download verified every byte, so this means the cache was tampered with.
pub fn read_facts(snapshot: &Path, files: &[PlannedFile], quant: Quantization) -> Result<ModelFacts, (String, String)> {
    let disk_bytes: u64 = files.iter().map(|f| f.spec.size).sum();
    let config_json = files
        .iter()
        .find(|f| f.cached.path == "config.json")
        .map(|f| read_json(&snapshot.join(&f.cached.path)).map_err(|e| (f.cached.path.clone(), e)))
        .transpose()?;
    let architecture = config_json
        .as_ref()
        .and_then(|c| c.get("architectures"))
        .and_then(|a| a.get(0))
        .and_then(|a| a.as_str())
        .map(str::to_owned);
    let mut tensors: Vec<(String, TensorInfo)> = Vec::new();
    for file in files.iter().filter(|f| f.cached.path.ends_with(".safetensors")) {
        let header = read_header(&snapshot.join(&file.cached.path)).map_err(|e| (file.cached.path.clone(), e))?;
        tensors.extend(header);
    }
    let (params, estimated_memory_mb) = if tensors.is_empty() {
        (None, None)
    } else {
        let conv1d = architecture.as_deref() == Some("GPT2LMHeadModel");
        let estimate = Estimate::from_tensors(tensors.iter().map(|(n, t)| (n.as_str(), t.shape.as_slice())), conv1d);
        (Some(format_params(estimate.params)), Some(estimate.memory_mb(quant)))
    };
    Ok(ModelFacts {
        params,
        architecture,
        disk_size_mb: Some(mib(disk_bytes)),
        estimated_memory_mb,
        config_json,
    })
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not valid JSON: {e}"))
}

fn read_header(path: &Path) -> Result<BTreeMap<String, TensorInfo>, String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut prefix = vec![0u8; 8];
    file.read_exact(&mut prefix).map_err(|e| e.to_string())?;
    let len = header_len(&prefix).map_err(|e| e.to_string())?;
    let len = usize::try_from(len).map_err(|e| e.to_string())?;
    prefix.resize(8 + len, 0);
    file.read_exact(&mut prefix[8..]).map_err(|e| e.to_string())?;
    parse_header(&prefix).map_err(|e| e.to_string())
}
