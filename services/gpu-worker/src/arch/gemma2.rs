//! `Gemma2ForCausalLM`: embeddings scaled by sqrt(hidden) (rounded to the activation dtype first, as transformers
//! does), `1 + w` RMSNorms around both attention and MLP (pre and post), `query_pre_attn_scalar` attention scaling,
//! attention and final logit soft-capping, sliding-window attention on alternate layers, gelu-tanh gated MLP, and
//! tied embeddings.

use tch::Tensor;

use super::decoder::{Attention, GatedMlp, embedding_norm_head, rms_norm, softcap};
use super::rope::Rope;
use crate::error::LoadError;
use crate::model_config::ModelConfig;
use crate::weights::Store;

struct Layer {
    input_norm: Tensor,
    post_attention_norm: Tensor,
    pre_feedforward_norm: Tensor,
    post_feedforward_norm: Tensor,
    attn: Attention,
    mlp: GatedMlp,
}

pub struct Gemma2 {
    cfg: ModelConfig,
    embed: Tensor,
    layers: Vec<Layer>,
    norm: Tensor,
    lm_head: Tensor,
}

impl Gemma2 {
    pub fn load(store: &mut Store, cfg: &ModelConfig) -> Result<Self, LoadError> {
        let h = cfg.hidden;
        let (embed, norm, lm_head) = embedding_norm_head(store, cfg)?;
        let layers = (0..cfg.layers)
            .map(|i| {
                let p = format!("model.layers.{i}");
                let mut norm = |name: &str| store.tensor(&format!("{p}.{name}.weight"), &[h]);
                Ok(Layer {
                    input_norm: norm("input_layernorm")?,
                    post_attention_norm: norm("post_attention_layernorm")?,
                    pre_feedforward_norm: norm("pre_feedforward_layernorm")?,
                    post_feedforward_norm: norm("post_feedforward_layernorm")?,
                    attn: Attention::load(store, &format!("{p}.self_attn"), cfg, i, false)?,
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
        let h = Tensor::f_embedding(&self.embed, ids, -1, false, false)?;
        let normalizer = Tensor::f_from_slice(&[(self.cfg.hidden as f64).sqrt() as f32])?
            .f_to_kind(h.kind())?
            .f_to_device(h.device())?;
        let mut h = h.f_mul(&normalizer)?;
        let rope = Rope::new(&self.cfg, ids.size()[0], h.kind(), h.device())?;
        for layer in &self.layers {
            let attn = layer
                .attn
                .forward(&rms_norm(&h, &layer.input_norm, eps, true)?, &rope)?;
            h = h.f_add(&rms_norm(&attn, &layer.post_attention_norm, eps, true)?)?;
            let mlp = layer
                .mlp
                .forward(&rms_norm(&h, &layer.pre_feedforward_norm, eps, true)?)?;
            h = h.f_add(&rms_norm(&mlp, &layer.post_feedforward_norm, eps, true)?)?;
        }
        let logits = rms_norm(&h, &self.norm, eps, true)?.f_linear::<Tensor>(&self.lm_head, None)?;
        match self.cfg.final_softcap {
            Some(cap) => softcap(&logits, cap),
            None => Ok(logits),
        }
    }
}
