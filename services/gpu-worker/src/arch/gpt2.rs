//! `GPT2LMHeadModel`: learned absolute positions, pre-LayerNorm blocks with fused q/k/v (`c_attn`), gelu_new MLP,
//! final LayerNorm, lm_head tied to `wte`. The checkpoint's Conv1D weights (`[in, out]`) were transposed to linear
//! layout by the loader, so they are ordinary [`Linear`]s here.

use tch::Tensor;

use super::decoder::{activate, attend, split_heads};
use crate::error::LoadError;
use crate::linear::Linear;
use crate::model_config::ModelConfig;
use crate::weights::Store;

struct LayerNorm {
    w: Tensor,
    b: Tensor,
}

impl LayerNorm {
    fn load(store: &mut Store, prefix: &str, h: i64) -> Result<Self, LoadError> {
        Ok(Self {
            w: store.tensor(&format!("{prefix}.weight"), &[h])?,
            b: store.tensor(&format!("{prefix}.bias"), &[h])?,
        })
    }

    fn forward(&self, x: &Tensor, eps: f64) -> Result<Tensor, tch::TchError> {
        x.f_layer_norm([self.w.size()[0]], Some(&self.w), Some(&self.b), eps, false)
    }
}

struct Block {
    ln_1: LayerNorm,
    c_attn: Linear,
    attn_proj: Linear,
    ln_2: LayerNorm,
    c_fc: Linear,
    mlp_proj: Linear,
}

pub struct Gpt2 {
    cfg: ModelConfig,
    wte: Tensor,
    wpe: Tensor,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
}

impl Gpt2 {
    pub fn load(store: &mut Store, cfg: &ModelConfig) -> Result<Self, LoadError> {
        let (h, i) = (cfg.hidden, cfg.intermediate);
        let blocks = (0..cfg.layers)
            .map(|l| {
                let p = format!("h.{l}");
                Ok(Block {
                    ln_1: LayerNorm::load(store, &format!("{p}.ln_1"), h)?,
                    c_attn: store.linear(&format!("{p}.attn.c_attn"), 3 * h, h, true)?,
                    attn_proj: store.linear(&format!("{p}.attn.c_proj"), h, h, true)?,
                    ln_2: LayerNorm::load(store, &format!("{p}.ln_2"), h)?,
                    c_fc: store.linear(&format!("{p}.mlp.c_fc"), i, h, true)?,
                    mlp_proj: store.linear(&format!("{p}.mlp.c_proj"), h, i, true)?,
                })
            })
            .collect::<Result<_, LoadError>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            wte: store.tensor("wte.weight", &[cfg.vocab, h])?,
            wpe: store.tensor("wpe.weight", &[cfg.max_positions, h])?,
            blocks,
            ln_f: LayerNorm::load(store, "ln_f", h)?,
        })
    }

    /// Logits `[seq, vocab]` for token ids `[seq]` (at most `n_positions` of them).
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor, tch::TchError> {
        let (eps, heads, dim) = (self.cfg.eps, self.cfg.heads, self.cfg.head_dim);
        let seq = ids.size()[0];
        let pos = Tensor::f_arange(seq, (tch::Kind::Int64, ids.device()))?;
        let mut h = Tensor::f_embedding(&self.wte, ids, -1, false, false)?
            .f_add(&Tensor::f_embedding(&self.wpe, &pos, -1, false, false)?)?;
        let scale = if self.cfg.scale_attn_weights {
            (dim as f64).powf(-0.5)
        } else {
            1.0
        };
        for b in &self.blocks {
            let qkv = b
                .c_attn
                .forward(&b.ln_1.forward(&h, eps)?)?
                .f_split(self.cfg.hidden, -1)?;
            let [q, k, v] = [&qkv[0], &qkv[1], &qkv[2]].map(|t| split_heads(t, heads, dim));
            let attn = attend(&q?, &k?, &v?, scale, None, None)?;
            h = h.f_add(&b.attn_proj.forward(&attn)?)?;
            let mlp = activate(&b.c_fc.forward(&b.ln_2.forward(&h, eps)?)?, self.cfg.act)?;
            h = h.f_add(&b.mlp_proj.forward(&mlp)?)?;
        }
        self.ln_f.forward(&h, eps)?.f_linear::<Tensor>(&self.wte, None)
    }
}
