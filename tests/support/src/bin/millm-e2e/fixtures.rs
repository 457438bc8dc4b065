//! The repos and folders the browser suite works on.
//!
//! Every case gets a repo id of its own, so that cases never share a record (records are keyed by repo and
//! quantization) and can run in any order. Ids that need the same files share one built directory: the hub hashes
//! each file once, and the repo builder caches directories under the target dir across runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use millm_platform::contract::estimator::Estimate;
use millm_platform::contract::files::{header_len, parse_header};
use millm_platform::contract::model::Quantization;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};
use serde::Serialize;

/// The token the gated repo accepts.
const GATED_TOKEN: &str = "hf_e2e_gated_allowed";
/// A token the hub knows that the gated repo refuses (403 `GatedRepo`, so `INVALID_HF_TOKEN`).
const WRONG_TOKEN: &str = "hf_e2e_not_allowed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Recipe {
    /// About 156 k parameters: downloads and loads in well under a second.
    Tiny,
    /// About 3.5 M parameters (7 MB in two shards): a rate cap of a few hundred KiB/s keeps it downloading for tens
    /// of seconds, long enough to cancel, reload or cut the socket mid-way.
    Slow,
    /// About 38 M parameters, mostly embeddings: its Q4 estimate exceeds the memory limit this module chooses.
    Big,
    /// The tiny model plus a Python file: refused at preview as remote code.
    RemoteCode,
    /// The tiny model whose config asks for a layer the weights lack: it downloads, then fails to load.
    Broken,
}

/// (JSON key, repo id, files, gated).
const HUB_REPOS: &[(&str, &str, Recipe, bool)] = &[
    ("full", "e2e/tiny-full", Recipe::Tiny, false),
    ("keyboard", "e2e/tiny-keyboard", Recipe::Tiny, false),
    ("api_key", "e2e/tiny-api-key", Recipe::Tiny, false),
    ("broken", "e2e/broken-weights", Recipe::Broken, false),
    ("gated", "e2e/tiny-gated", Recipe::Tiny, true),
    ("cancel", "e2e/slow-cancel", Recipe::Slow, false),
    ("after_cancel", "e2e/tiny-after-cancel", Recipe::Tiny, false),
    ("reload", "e2e/slow-reload", Recipe::Slow, false),
    ("socket", "e2e/slow-socket", Recipe::Slow, false),
    ("big", "e2e/oversized", Recipe::Big, false),
    ("remote_code", "e2e/remote-code", Recipe::RemoteCode, false),
];

/// What the suite is told about the fixtures.
#[derive(Debug, Clone, Serialize)]
pub struct Fixtures {
    /// Case name → repo id served by the hub; `missing` names a repo it does not serve.
    pub repos: BTreeMap<&'static str, String>,
    pub tokens: BTreeMap<&'static str, &'static str>,
    /// `valid`: a complete tiny model; `not_a_model`: a folder without `config.json`; `missing`: no such path.
    pub local: BTreeMap<&'static str, PathBuf>,
    /// `DEVICE_MEMORY_LIMIT_MB` for the GPU worker: above the big model's Q4 weights, below its Q4 estimate.
    pub device_memory_limit_mb: u64,
    /// The big model's Q4 `estimated_memory_mb`.
    pub big_estimate_mb: i64,
}

fn build(recipe: Recipe) -> Result<PathBuf, String> {
    let built = match recipe {
        Recipe::Tiny => cached_repo("e2e-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())),
        Recipe::Slow => {
            let shape = LlamaShape::small();
            cached_repo("e2e-slow", |dir| RepoBuilder::new(dir).llama(shape).shards(2))
        }
        Recipe::Big => {
            let shape = LlamaShape {
                hidden: 768,
                intermediate: 2048,
                layers: 2,
                heads: 12,
                kv_heads: 4,
                vocab: 16384,
            };
            cached_repo("e2e-big", |dir| RepoBuilder::new(dir).llama(shape))
        }
        Recipe::RemoteCode => cached_repo("e2e-remote-code", |dir| {
            RepoBuilder::new(dir)
                .llama(LlamaShape::tiny())
                .extra_file("modeling_e2e.py", "# custom model code: miLLM runs no Python\n")
        }),
        Recipe::Broken => {
            let config = broken_config(&build(Recipe::Tiny)?)?;
            // Extra files are written after the model's, so this config replaces the generated one.
            cached_repo("e2e-broken", |dir| {
                RepoBuilder::new(dir)
                    .llama(LlamaShape::tiny())
                    .extra_file("config.json", config)
            })
        }
    };
    built.map_err(|e| e.to_string())
}

/// The tiny model's config with one layer more than its weights hold.
fn broken_config(tiny: &Path) -> Result<Vec<u8>, String> {
    let path = tiny.join("config.json");
    let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut config: serde_json::Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    config["num_hidden_layers"] = (LlamaShape::tiny().layers + 1).into();
    serde_json::to_vec_pretty(&config).map_err(|e| e.to_string())
}

/// Builds (or reuses) every repo, serves them on `hub`, and writes the local folders under `local_root`.
pub fn prepare(hub: &FakeHub, local_root: &Path) -> Result<Fixtures, String> {
    let mut dirs = BTreeMap::new();
    let mut repos = BTreeMap::new();
    for &(key, repo_id, recipe, gated) in HUB_REPOS {
        let dir = match dirs.get(&recipe) {
            Some(dir) => PathBuf::clone(dir),
            None => build(recipe)?,
        };
        dirs.insert(recipe, dir.clone());
        let options = RepoOptions {
            gated,
            private: false,
            allowed_tokens: if gated {
                vec![GATED_TOKEN.to_owned()]
            } else {
                Vec::new()
            },
        };
        hub.add_repo(repo_id, &dir, options).map_err(|e| e.to_string())?;
        // LFS files through the CDN redirect, as the real hub sends them.
        hub.serve_via_cdn(repo_id, true);
        repos.insert(key, repo_id.to_owned());
    }
    repos.insert("missing", "e2e/does-not-exist".to_owned());
    hub.add_token(WRONG_TOKEN);

    let (tiny, big) = (&dirs[&Recipe::Tiny], &dirs[&Recipe::Big]);
    let (device_memory_limit_mb, big_estimate_mb) = memory_limit(big, tiny)?;
    Ok(Fixtures {
        repos,
        tokens: BTreeMap::from([("gated", GATED_TOKEN), ("wrong", WRONG_TOKEN)]),
        local: local_folders(tiny, local_root)?,
        device_memory_limit_mb,
        big_estimate_mb,
    })
}

/// The Q4 estimate of a one-file model, and its Q4 weight bytes (what the worker charges against its limit).
fn q4_estimate(dir: &Path) -> Result<(i64, f64), String> {
    let path = dir.join("model.safetensors");
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = header_len(&bytes).map_err(|e| e.to_string())? as usize;
    let tensors = parse_header(&bytes[..(8 + len).min(bytes.len())]).map_err(|e| e.to_string())?;
    let estimate = Estimate::from_tensors(
        tensors
            .iter()
            .map(|(name, info)| (name.as_str(), info.shape.as_slice())),
        false,
    );
    Ok((
        estimate.memory_mb(Quantization::Q4),
        estimate.weight_bytes(Quantization::Q4),
    ))
}

/// A limit one MiB above the big model's Q4 weights: its estimate (weights × 1.10) is refused with a 507, a forced
/// load still fits, and the tiny model fits with room to spare.
fn memory_limit(big: &Path, tiny: &Path) -> Result<(u64, i64), String> {
    let (estimate, weights) = q4_estimate(big)?;
    let limit = (weights / f64::from(1u32 << 20)).ceil() as u64 + 1;
    let (tiny_estimate, _) = q4_estimate(tiny)?;
    if estimate <= limit as i64 || tiny_estimate >= limit as i64 {
        return Err(format!(
            "no memory limit separates the big model (estimate {estimate} MiB) from the tiny one ({tiny_estimate} MiB)"
        ));
    }
    Ok((limit, estimate))
}

/// A copy of the tiny model to register, a folder that is not a model, and a path that does not exist.
fn local_folders(tiny: &Path, root: &Path) -> Result<BTreeMap<&'static str, PathBuf>, String> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| format!("{}: {e}", path.display())
    };
    let valid = root.join("tiny-local");
    std::fs::create_dir_all(&valid).map_err(io(&valid))?;
    for entry in std::fs::read_dir(tiny).map_err(io(tiny))? {
        let entry = entry.map_err(io(tiny))?;
        std::fs::copy(entry.path(), valid.join(entry.file_name())).map_err(io(&entry.path()))?;
    }
    let not_a_model = root.join("not-a-model");
    std::fs::create_dir_all(&not_a_model).map_err(io(&not_a_model))?;
    let readme = not_a_model.join("README.md");
    std::fs::write(&readme, "# just notes, no config.json\n").map_err(io(&readme))?;
    Ok(BTreeMap::from([
        ("valid", valid),
        ("not_a_model", not_a_model),
        ("missing", root.join("no-such-folder")),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_limit_sits_between_the_big_models_weights_and_its_estimate() {
        // Arrange
        let (big, tiny) = (
            build(Recipe::Big).expect("big repo"),
            build(Recipe::Tiny).expect("tiny repo"),
        );
        let (_, weights) = q4_estimate(&big).expect("big estimate");

        // Act
        let (limit, estimate) = memory_limit(&big, &tiny).expect("a limit");

        // Assert: a forced load fits (the worker charges the weights), the estimate does not.
        assert!(
            weights <= (limit << 20) as f64,
            "weights {weights} B over the {limit} MiB limit"
        );
        assert!(
            estimate > limit as i64,
            "estimate {estimate} MiB fits the {limit} MiB limit"
        );
    }

    #[test]
    fn the_broken_repo_asks_for_one_layer_more_than_its_weights() {
        // Arrange + Act
        let broken = build(Recipe::Broken).expect("broken repo");
        let config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(broken.join("config.json")).expect("config")).expect("JSON");

        // Assert
        assert_eq!(config["num_hidden_layers"], LlamaShape::tiny().layers + 1);
        assert!(broken.join("model.safetensors").is_file());
    }
}
