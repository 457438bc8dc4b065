//! Writes synthetic but genuine model repositories for download tests and benchmarks.
//!
//! A built Llama repo loads in transformers: real config, a working byte-level BPE tokenizer, and BF16 weights with
//! the real tensor names and shapes, sharded like `save_pretrained` does. Weights are filler, not a trained model.
//! Output is deterministic for a given seed, and [`cached_repo`] builds each named repo once per target directory.

mod cache;
mod shape;
mod tokenizer;
mod weights;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha1::{Digest, Sha1};

pub use self::cache::cached_repo;
pub use self::shape::LlamaShape;
pub use self::weights::XorShift;

/// Errors while building a repository.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("repo builder: {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("repo builder: cannot split {tensors} tensors into {shards} shards")]
    InvalidShards { shards: usize, tensors: usize },
    #[error("repo builder: invalid shape: {0}")]
    InvalidShape(String),
    #[error("repo builder: invalid file name {0:?}")]
    InvalidFileName(String),
    #[error("repo builder: invalid cache name {0:?}")]
    InvalidCacheName(String),
    #[error("repo builder: the cache builder must write into {expected}, not {actual}")]
    ForeignDir { expected: PathBuf, actual: PathBuf },
    #[error("repo builder: JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What [`RepoBuilder::build`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltRepo {
    pub dir: PathBuf,
    /// Relative paths and sizes of the files written, sorted by path.
    pub files: Vec<(String, u64)>,
    /// Parameters in the weights (0 without a model).
    pub total_params: u64,
}

/// Builds a repository directory: optionally a Llama model, plus arbitrary extra files.
#[derive(Debug, Clone)]
pub struct RepoBuilder {
    dir: PathBuf,
    llama: Option<LlamaShape>,
    shards: usize,
    seed: u64,
    extra_files: Vec<(String, Vec<u8>)>,
}

/// Bump when the generated content changes, so cached repos are rebuilt.
const GENERATOR_VERSION: u32 = 1;

impl RepoBuilder {
    /// A builder writing into `dir` (created if missing; existing files are left alone).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            llama: None,
            shards: 1,
            seed: 0,
            extra_files: Vec::new(),
        }
    }

    /// Adds a Llama model of this shape: config, generation config, tokenizer and weights.
    pub fn llama(mut self, shape: LlamaShape) -> Self {
        self.llama = Some(shape);
        self
    }

    /// Splits the weights into `n` shards with an index (default 1: a single `model.safetensors`).
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = n;
        self
    }

    /// Seeds the weight data (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Adds a file at a relative path (`/`-separated), e.g. a README that download filters must skip.
    pub fn extra_file(mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.extra_files.push((name.into(), bytes.into()));
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A digest of everything that determines the output, for cache invalidation.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha1::new();
        hasher.update(format!("v{GENERATOR_VERSION}|{:?}|{}|{}", self.llama, self.shards, self.seed).as_bytes());
        for (name, bytes) in &self.extra_files {
            hasher.update(format!("|{name}|{}|", bytes.len()).as_bytes());
            hasher.update(bytes);
        }
        hex::encode(hasher.finalize())
    }

    /// Writes the repository.
    pub fn build(self) -> Result<BuiltRepo, BuildError> {
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let mut files = Vec::new();
        let mut total_params = 0;
        if let Some(shape) = self.llama {
            shape.validate()?;
            total_params = self.write_llama(&shape, &mut files)?;
        }
        for (name, bytes) in &self.extra_files {
            let valid = !name.is_empty()
                && !name.starts_with('/')
                && name
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != "..");
            if !valid {
                return Err(BuildError::InvalidFileName(name.clone()));
            }
            self.write_file(name, bytes, &mut files)?;
        }
        files.sort();
        files.dedup_by(|a, b| a.0 == b.0);
        Ok(BuiltRepo {
            dir: self.dir,
            files,
            total_params,
        })
    }

    fn write_file(&self, name: &str, bytes: &[u8], files: &mut Vec<(String, u64)>) -> Result<(), BuildError> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io_err(&path))?;
        files.push((name.to_owned(), bytes.len() as u64));
        Ok(())
    }

    fn write_json(&self, name: &str, value: &Value, files: &mut Vec<(String, u64)>) -> Result<(), BuildError> {
        let mut text = serde_json::to_vec_pretty(value)?;
        text.push(b'\n');
        self.write_file(name, &text, files)
    }

    fn write_llama(&self, shape: &LlamaShape, files: &mut Vec<(String, u64)>) -> Result<u64, BuildError> {
        const MAX_POSITIONS: usize = 2048;
        let config = json!({
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": shape.hidden,
            "intermediate_size": shape.intermediate,
            "num_hidden_layers": shape.layers,
            "num_attention_heads": shape.heads,
            "num_key_value_heads": shape.kv_heads,
            "vocab_size": shape.vocab,
            "hidden_act": "silu",
            "max_position_embeddings": MAX_POSITIONS,
            "initializer_range": 0.02,
            "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0,
            "attention_bias": false,
            "tie_word_embeddings": false,
            "use_cache": true,
            "torch_dtype": "bfloat16",
            "bos_token_id": tokenizer::BOS_ID,
            "eos_token_id": tokenizer::EOS_ID,
        });
        self.write_json("config.json", &config, files)?;
        let generation = json!({
            "_from_model_config": true,
            "bos_token_id": tokenizer::BOS_ID,
            "eos_token_id": tokenizer::EOS_ID,
        });
        self.write_json("generation_config.json", &generation, files)?;
        self.write_json("tokenizer.json", &tokenizer::tokenizer_json(shape.vocab), files)?;
        self.write_json(
            "tokenizer_config.json",
            &tokenizer::tokenizer_config_json(MAX_POSITIONS),
            files,
        )?;

        let tensors = weights::llama_tensors(shape);
        let total_params = tensors.iter().map(|t| t.numel()).sum();
        let filler = weights::Filler::new(self.seed);
        let shards = weights::split_shards(tensors, self.shards)?;
        let count = shards.len();
        let named: Vec<(String, Vec<weights::TensorSpec>)> = shards
            .into_iter()
            .enumerate()
            .map(|(i, tensors)| {
                let name = if count == 1 {
                    "model.safetensors".to_owned()
                } else {
                    format!("model-{:05}-of-{count:05}.safetensors", i + 1)
                };
                (name, tensors)
            })
            .collect();
        for (name, tensors) in &named {
            let path = self.dir.join(name);
            let size = weights::write_safetensors(&path, tensors, &filler)?;
            files.push((name.clone(), size));
        }
        if count > 1 {
            self.write_json("model.safetensors.index.json", &weights::index_json(&named), files)?;
        }
        Ok(total_params)
    }
}
