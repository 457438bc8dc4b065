//! `LlamaForCausalLM`, `MistralForCausalLM` and `Qwen2ForCausalLM`: pre-norm decoder layers with RMSNorm, RoPE
//! self-attention and a SiLU-gated MLP. The three differ only in config: Mistral's sliding window (per layer, in
//! `cfg.windows`), Qwen2's q/k/v biases, and tied embeddings.

use tch::Tensor;

use super::decoder::{Attention, GatedMlp, embedding_norm_head, rms_norm};
use super::rope::Rope;
use crate::error::LoadError;
use crate::model_config::ModelConfig;
use crate::weights::Store;
use millm_contract::supported::Architecture;

struct Layer {
    input_norm: Tensor,
    post_attention_norm: Tensor,
    attn: Attention,
    mlp: GatedMlp,
}

pub struct Llama {
    cfg: ModelConfig,
    embed: Tensor,
    layers: Vec<Layer>,
    norm: Tensor,
    lm_head: Tensor,
}

impl Llama {
    pub fn load(store: &mut Store, cfg: &ModelConfig) -> Result<Self, LoadError> {
        let h = cfg.hidden;
        let (embed, norm, lm_head) = embedding_norm_head(store, cfg)?;
        let layers = (0..cfg.layers)
            .map(|i| {
                let p = format!("model.layers.{i}");
                Ok(Layer {
                    input_norm: store.tensor(&format!("{p}.input_layernorm.weight"), &[h])?,
                    post_attention_norm: store.tensor(&format!("{p}.post_attention_layernorm.weight"), &[h])?,
                    attn: Attention::load(
                        store,
                        &format!("{p}.self_attn"),
                        cfg,
                        i,
                        cfg.arch == Architecture::Qwen2,
                    )?,
                    mlp: GatedMlp::load(store, &format!("{p}.mlp"), cfg)?,
                })
            })
            .collect::<Result<_, LoadError>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            embed,
            layers,
            norm,
            lm_head,
        })
    }

    /// Logits `[seq, vocab]` for token ids `[seq]`.
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor, tch::TchError> {
        let eps = self.cfg.eps;
        let mut h = Tensor::f_embedding(&self.embed, ids, -1, false, false)?;
        let rope = Rope::new(&self.cfg, ids.size()[0], h.kind(), h.device())?;
        for layer in &self.layers {
            let attn = layer
                .attn
                .forward(&rms_norm(&h, &layer.input_norm, eps, false)?, &rope)?;
            h = h.f_add(&attn)?;
            let mlp = layer
                .mlp
                .forward(&rms_norm(&h, &layer.post_attention_norm, eps, false)?)?;
            h = h.f_add(&mlp)?;
        }
        rms_norm(&h, &self.norm, eps, false)?.f_linear::<Tensor>(&self.lm_head, None)
    }
}
