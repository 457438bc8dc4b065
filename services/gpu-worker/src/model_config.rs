//! The typed model config the forward passes read, parsed from `config.json` after [`check_supported`] accepted it.
//!
//! Everything that decides whether a feature is implemented (RoPE type, activation, sliding layers) comes from the
//! contract crate's helpers, so the worker and `check_supported` agree by construction; this module only reads sizes
//! and numbers, with each architecture's key names and transformers' defaults.

use millm_contract::supported::{self, Activation, Architecture, RopeScaling, check_supported};
use serde_json::Value;

use crate::error::LoadError;
use crate::quant::Elem;

#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub arch: Architecture,
    pub vocab: i64,
    pub hidden: i64,
    pub intermediate: i64,
    pub layers: usize,
    pub heads: i64,
    pub kv_heads: i64,
    pub head_dim: i64,
    pub eps: f64,
    pub max_positions: i64,
    pub rope_theta: f64,
    pub rope: RopeScaling,
    pub act: Activation,
    pub tie_embeddings: bool,
    /// Sliding window width per layer; `None` attends to the whole prefix.
    pub windows: Vec<Option<i64>>,
    /// Gemma2: `query_pre_attn_scalar`, attention and final logit soft-capping.
    pub query_pre_attn_scalar: Option<f64>,
    pub attn_softcap: Option<f64>,
    pub final_softcap: Option<f64>,
    /// GPT-2: whether scores are divided by sqrt(head_dim).
    pub scale_attn_weights: bool,
    /// `dtype` (v5) or `torch_dtype` (classic), when it names a float type.
    pub dtype: Option<Elem>,
}

impl ModelConfig {
    /// Checks support, then reads the sizes. `files` are the repo's file names, as `check_supported` takes them.
    pub fn parse(config: &Value, files: &[String]) -> Result<Self, LoadError> {
        let arch = check_supported(config, files)?;
        let unsupported = |reason: String| {
            let architecture = config["architectures"][0].as_str().map(str::to_owned);
            LoadError::Unsupported(supported::Unsupported { architecture, reason })
        };
        let act = supported::activation(config).map_err(unsupported)?;
        let int = |key: &str| config.get(key).and_then(Value::as_i64).ok_or_else(|| missing(key));
        let float = |key: &str, default: f64| config.get(key).and_then(Value::as_f64).unwrap_or(default);
        // A key that is absent takes the default; a key that is null turns the feature off.
        let optional = |key: &str, default: f64| match config.get(key) {
            None => Some(default),
            Some(v) => v.as_f64(),
        };
        let dtype = ["dtype", "torch_dtype"]
            .iter()
            .find_map(|k| config.get(*k).and_then(Value::as_str));
        let dtype = match dtype {
            Some("bfloat16") => Some(Elem::BF16),
            Some("float16") => Some(Elem::F16),
            Some("float32") => Some(Elem::F32),
            _ => None,
        };
        if arch == Architecture::Gpt2 {
            let hidden = int("n_embd")?;
            let heads = int("n_head")?;
            let layers = int("n_layer")? as usize;
            return Ok(Self {
                arch,
                vocab: int("vocab_size")?,
                hidden,
                intermediate: config.get("n_inner").and_then(Value::as_i64).unwrap_or(4 * hidden),
                layers,
                heads,
                kv_heads: heads,
                head_dim: hidden / heads,
                eps: float("layer_norm_epsilon", 1e-5),
                max_positions: int("n_positions")?,
                rope_theta: 0.0,
                rope: RopeScaling::None,
                act,
                tie_embeddings: config
                    .get("tie_word_embeddings")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                windows: vec![None; layers],
                query_pre_attn_scalar: None,
                attn_softcap: None,
                final_softcap: None,
                scale_attn_weights: config
                    .get("scale_attn_weights")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                dtype,
            });
        }
        let hidden = int("hidden_size")?;
        let heads = int("num_attention_heads")?;
        let layers = int("num_hidden_layers")? as usize;
        let gemma = arch == Architecture::Gemma2;
        let default_head_dim = if gemma { 256 } else { hidden / heads };
        Ok(Self {
            arch,
            vocab: int("vocab_size")?,
            hidden,
            intermediate: int("intermediate_size")?,
            layers,
            heads,
            kv_heads: config
                .get("num_key_value_heads")
                .and_then(Value::as_i64)
                .unwrap_or(heads),
            head_dim: config
                .get("head_dim")
                .and_then(Value::as_i64)
                .unwrap_or(default_head_dim),
            eps: float("rms_norm_eps", 1e-6),
            max_positions: config
                .get("max_position_embeddings")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX),
            rope_theta: supported::rope_theta(config),
            rope: supported::rope_scaling(config).map_err(unsupported)?,
            act,
            tie_embeddings: config
                .get("tie_word_embeddings")
                .and_then(Value::as_bool)
                .unwrap_or(gemma),
            windows: (0..layers)
                .map(|i| supported::layer_is_sliding(config, i).map(|w| w as i64))
                .collect(),
            query_pre_attn_scalar: gemma.then(|| float("query_pre_attn_scalar", 256.0)),
            attn_softcap: if gemma {
                optional("attn_logit_softcapping", 50.0)
            } else {
                None
            },
            final_softcap: if gemma {
                optional("final_logit_softcapping", 30.0)
            } else {
                None
            },
            scale_attn_weights: true,
            dtype,
        })
    }
}

fn missing(key: &str) -> LoadError {
    LoadError::BadConfig(format!("missing or non-integer {key}"))
}
