//! The five architectures behind one [`Model`] enum, and the naming rule that tells the loader which tensors are
//! quantizable linears ([`role`]).

mod decoder;
mod gemma2;
mod gpt2;
mod llama;
pub mod rope;

use tch::Tensor;

use crate::error::LoadError;
use crate::model_config::ModelConfig;
use crate::weights::{Role, Store};
use millm_contract::supported::Architecture;

/// A built model, ready for forward passes.
pub enum Model {
    Llama(llama::Llama),
    Gemma2(gemma2::Gemma2),
    Gpt2(gpt2::Gpt2),
}

impl Model {
    /// Takes every tensor the architecture needs out of the store, checking names and shapes.
    pub fn build(store: &mut Store, cfg: &ModelConfig) -> Result<Self, LoadError> {
        Ok(match cfg.arch {
            Architecture::Llama | Architecture::Mistral | Architecture::Qwen2 => {
                Self::Llama(llama::Llama::load(store, cfg)?)
            }
            Architecture::Gemma2 => Self::Gemma2(gemma2::Gemma2::load(store, cfg)?),
            Architecture::Gpt2 => Self::Gpt2(gpt2::Gpt2::load(store, cfg)?),
        })
    }

    /// Logits `[seq, vocab]` in the activation dtype for token ids `[seq]` (int64, on the model's device).
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor, tch::TchError> {
        match self {
            Self::Llama(m) => m.forward(ids),
            Self::Gemma2(m) => m.forward(ids),
            Self::Gpt2(m) => m.forward(ids),
        }
    }
}

/// What the loader does with the tensor `name`: 2-D `.weight`s other than embeddings and lm_head are linears
/// (GPT-2's in Conv1D layout); a tied lm_head and recomputed buffers are skipped; the rest stays plain.
pub fn role(cfg: &ModelConfig, name: &str, dims: usize) -> Role {
    let name = name.strip_prefix("transformer.").unwrap_or(name);
    let buffer = [".attn.bias", ".attn.masked_bias", "rotary_emb.inv_freq"]
        .iter()
        .any(|b| name.ends_with(b));
    if buffer || (cfg.tie_embeddings && name == "lm_head.weight") {
        return Role::Skip;
    }
    let embedding = ["embed_tokens.", "wte.", "wpe.", "lm_head."]
        .iter()
        .any(|e| name.contains(e));
    if dims == 2 && name.ends_with(".weight") && !embedding {
        return Role::Linear {
            conv1d: cfg.arch == Architecture::Gpt2,
        };
    }
    Role::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: serde_json::Value) -> ModelConfig {
        let files = ["model.safetensors", "tokenizer.json"].map(String::from);
        ModelConfig::parse(&json, &files).expect("config")
    }

    #[test]
    fn gpt2_checkpoints_with_either_prefix_and_old_buffers_are_understood() {
        let cfg = config(
            serde_json::json!({"architectures": ["GPT2LMHeadModel"], "n_embd": 64, "n_head": 2,
                                            "n_layer": 1, "vocab_size": 10, "n_positions": 8}),
        );
        assert_eq!(
            role(&cfg, "transformer.h.0.attn.c_attn.weight", 2),
            Role::Linear { conv1d: true }
        );
        assert_eq!(role(&cfg, "h.0.mlp.c_proj.weight", 2), Role::Linear { conv1d: true });
        assert_eq!(role(&cfg, "h.0.attn.c_attn.bias", 1), Role::Plain);
        assert_eq!(role(&cfg, "h.0.attn.bias", 4), Role::Skip);
        assert_eq!(role(&cfg, "h.0.attn.masked_bias", 0), Role::Skip);
        assert_eq!(role(&cfg, "lm_head.weight", 2), Role::Skip);
        assert_eq!(role(&cfg, "transformer.wte.weight", 2), Role::Plain);
        assert_eq!(role(&cfg, "wpe.weight", 2), Role::Plain);
    }

    #[test]
    fn llama_linears_are_quantized_and_embeddings_and_norms_are_not() {
        let cfg = config(
            serde_json::json!({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
            "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 10}),
        );
        assert_eq!(
            role(&cfg, "model.layers.0.self_attn.q_proj.weight", 2),
            Role::Linear { conv1d: false }
        );
        assert_eq!(
            role(&cfg, "model.layers.0.mlp.down_proj.weight", 2),
            Role::Linear { conv1d: false }
        );
        assert_eq!(role(&cfg, "model.layers.0.input_layernorm.weight", 1), Role::Plain);
        assert_eq!(role(&cfg, "model.embed_tokens.weight", 2), Role::Plain);
        assert_eq!(role(&cfg, "lm_head.weight", 2), Role::Plain);
        assert_eq!(
            role(&cfg, "model.layers.0.self_attn.rotary_emb.inv_freq", 1),
            Role::Skip
        );
    }
}
