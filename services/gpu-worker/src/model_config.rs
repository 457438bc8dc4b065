//! The typed model config the forward passes read, parsed from `config.json` after [`check_supported`] accepted it.
//!
//! Everything that decides whether a feature is implemented (RoPE type, activation, sliding layers) comes from the
//! contract crate's helpers, so the worker and `check_supported` agree by construction; this module only reads sizes
//! and numbers, into one typed struct per key layout (GPT-2's, and the Llama family's), with transformers' defaults.

use millm_contract::supported::{self, Activation, Architecture, RopeScaling, check_supported};
use serde::{Deserialize, Deserializer};
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
        let dtype = Dtype::deserialize(config).map_err(bad)?.elem();
        if arch == Architecture::Gpt2 {
            let c = Gpt2Json::deserialize(config).map_err(bad)?;
            return Ok(Self {
                arch,
                vocab: c.vocab_size,
                hidden: c.n_embd,
                intermediate: c.n_inner.unwrap_or(4 * c.n_embd),
                layers: c.n_layer,
                heads: c.n_head,
                kv_heads: c.n_head,
                head_dim: c.n_embd / c.n_head,
                eps: c.layer_norm_epsilon,
                max_positions: c.n_positions,
                rope_theta: 0.0,
                rope: RopeScaling::None,
                act,
                tie_embeddings: c.tie_word_embeddings,
                windows: vec![None; c.n_layer],
                query_pre_attn_scalar: None,
                attn_softcap: None,
                final_softcap: None,
                scale_attn_weights: c.scale_attn_weights,
                dtype,
            });
        }
        let c = DecoderJson::deserialize(config).map_err(bad)?;
        let gemma = arch == Architecture::Gemma2;
        Ok(Self {
            arch,
            vocab: c.vocab_size,
            hidden: c.hidden_size,
            intermediate: c.intermediate_size,
            layers: c.num_hidden_layers,
            heads: c.num_attention_heads,
            kv_heads: c.num_key_value_heads.unwrap_or(c.num_attention_heads),
            head_dim: c.head_dim.unwrap_or(if gemma {
                256
            } else {
                c.hidden_size / c.num_attention_heads
            }),
            eps: c.rms_norm_eps,
            max_positions: c.max_position_embeddings.unwrap_or(i64::MAX),
            rope_theta: supported::rope_theta(config),
            rope: supported::rope_scaling(config).map_err(unsupported)?,
            act,
            tie_embeddings: c.tie_word_embeddings.unwrap_or(gemma),
            windows: (0..c.num_hidden_layers)
                .map(|i| supported::layer_is_sliding(config, i).map(|w| w as i64))
                .collect(),
            query_pre_attn_scalar: gemma.then(|| c.query_pre_attn_scalar.unwrap_or(256.0)),
            attn_softcap: c.attn_logit_softcapping.filter(|_| gemma),
            final_softcap: c.final_logit_softcapping.filter(|_| gemma),
            scale_attn_weights: true,
            dtype,
        })
    }
}

/// GPT-2's keys, with transformers' `GPT2Config` defaults.
#[derive(Deserialize)]
struct Gpt2Json {
    vocab_size: i64,
    n_embd: i64,
    n_head: i64,
    n_layer: usize,
    n_positions: i64,
    n_inner: Option<i64>,
    #[serde(default = "gpt2_eps")]
    layer_norm_epsilon: f64,
    #[serde(default = "yes")]
    tie_word_embeddings: bool,
    #[serde(default = "yes")]
    scale_attn_weights: bool,
}

/// The Llama family's keys (Llama, Mistral, Qwen2, Gemma 2 …); defaults that depend on the
/// architecture or on other keys are applied in [`ModelConfig::parse`].
#[derive(Deserialize)]
struct DecoderJson {
    vocab_size: i64,
    hidden_size: i64,
    intermediate_size: i64,
    num_hidden_layers: usize,
    num_attention_heads: i64,
    num_key_value_heads: Option<i64>,
    head_dim: Option<i64>,
    #[serde(default = "rms_eps")]
    rms_norm_eps: f64,
    max_position_embeddings: Option<i64>,
    tie_word_embeddings: Option<bool>,
    query_pre_attn_scalar: Option<f64>,
    /// Gemma 2: absent takes the default, `null` turns the capping off.
    #[serde(default = "attn_cap", deserialize_with = "nullable")]
    attn_logit_softcapping: Option<f64>,
    #[serde(default = "final_cap", deserialize_with = "nullable")]
    final_logit_softcapping: Option<f64>,
}

/// `dtype` (transformers v5) or `torch_dtype` (classic).
#[derive(Deserialize)]
struct Dtype {
    dtype: Option<Value>,
    torch_dtype: Option<Value>,
}

impl Dtype {
    /// The first of the two that names a float type we store.
    fn elem(&self) -> Option<Elem> {
        let named = [&self.dtype, &self.torch_dtype]
            .into_iter()
            .find_map(|v| v.as_ref().and_then(Value::as_str));
        match named {
            Some("bfloat16") => Some(Elem::BF16),
            Some("float16") => Some(Elem::F16),
            Some("float32") => Some(Elem::F32),
            _ => None,
        }
    }
}

fn gpt2_eps() -> f64 {
    1e-5
}
fn rms_eps() -> f64 {
    1e-6
}
fn yes() -> bool {
    true
}
fn attn_cap() -> Option<f64> {
    Some(50.0)
}
fn final_cap() -> Option<f64> {
    Some(30.0)
}

fn nullable<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(deserializer)
}

fn bad(e: serde_json::Error) -> LoadError {
    LoadError::BadConfig(format!("config.json: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(json: Value) -> Result<ModelConfig, LoadError> {
        let files = ["model.safetensors", "tokenizer.json"].map(String::from);
        ModelConfig::parse(&json, &files)
    }

    fn gemma(extra: Value) -> Value {
        let mut config = json!({"architectures": ["Gemma2ForCausalLM"], "vocab_size": 10, "hidden_size": 8,
            "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2});
        config
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        config
    }

    #[test]
    fn gemma_softcaps_take_their_defaults_when_absent_and_turn_off_when_null() {
        let absent = parse(gemma(json!({}))).expect("config");
        let null = parse(gemma(
            json!({"attn_logit_softcapping": null, "final_logit_softcapping": null}),
        ))
        .expect("config");

        assert_eq!((absent.attn_softcap, absent.final_softcap), (Some(50.0), Some(30.0)));
        assert_eq!((null.attn_softcap, null.final_softcap), (None, None));
        assert_eq!(
            (absent.head_dim, absent.kv_heads, absent.query_pre_attn_scalar),
            (256, 2, Some(256.0))
        );
        assert!(absent.tie_embeddings, "Gemma ties its embeddings by default");
    }

    #[test]
    fn a_missing_size_is_a_bad_config_that_names_the_key_and_dtype_comes_from_either_key() {
        let llama = json!({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8,
            "num_hidden_layers": 1, "num_attention_heads": 2, "torch_dtype": "bfloat16"});

        let missing = parse(llama.clone());
        let mut complete = llama;
        complete["intermediate_size"] = json!(16);
        let parsed = parse(complete).expect("config");

        assert!(
            matches!(&missing, Err(LoadError::BadConfig(m)) if m.contains("intermediate_size")),
            "{missing:?}"
        );
        assert_eq!(parsed.dtype, Some(Elem::BF16));
        assert_eq!(
            (parsed.head_dim, parsed.kv_heads, parsed.max_positions),
            (4, 2, i64::MAX)
        );
        assert!(!parsed.tie_embeddings && parsed.attn_softcap.is_none());
    }
}
