//! Pieces shared by the decoder architectures: RMSNorm (plain and Gemma's `1 + w`), causal attention with GQA,
//! optional RoPE, sliding window and soft-capping, and the gated MLP.
//!
//! Activations flow as `[seq, hidden]` (one sequence, no batch dimension); attention works on `[heads, seq, head_dim]`.
//! Precision follows transformers' eager path: norms and softmax in f32, everything else in the activation dtype.

use millm_contract::supported::Activation;
use tch::{Kind, Tensor};

use super::rope::Rope;
use crate::error::LoadError;
use crate::linear::Linear;
use crate::model_config::ModelConfig;
use crate::weights::Store;

type TchResult = Result<Tensor, tch::TchError>;

/// RMSNorm computed in f32. Llama casts back before multiplying by `w`; Gemma multiplies by `1 + w` in f32.
pub fn rms_norm(x: &Tensor, w: &Tensor, eps: f64, gemma: bool) -> TchResult {
    let xf = x.f_to_kind(Kind::Float)?;
    let var = xf.f_square()?.f_mean_dim(-1, true, Kind::Float)?;
    let normed = xf.f_mul(&var.f_add_scalar(eps)?.f_rsqrt()?)?;
    if gemma {
        normed
            .f_mul(&w.f_to_kind(Kind::Float)?.f_add_scalar(1.0)?)?
            .f_to_kind(x.kind())
    } else {
        w.f_mul(&normed.f_to_kind(x.kind())?)
    }
}

pub fn activate(x: &Tensor, act: Activation) -> TchResult {
    match act {
        Activation::Silu => x.f_silu(),
        Activation::GeluTanh => x.f_gelu("tanh"),
        Activation::Gelu => x.f_gelu("none"),
    }
}

/// `tanh(x / cap) * cap`.
pub fn softcap(x: &Tensor, cap: f64) -> TchResult {
    x.f_div_scalar(cap)?.f_tanh()?.f_mul_scalar(cap)
}

/// Causal attention over `[heads, seq, head_dim]` queries and `[kv_heads, seq, head_dim]` keys/values; returns
/// `[seq, heads * head_dim]`. A query at position i sees keys j with `i - window < j <= i`.
pub fn attend(q: &Tensor, k: &Tensor, v: &Tensor, scale: f64, cap: Option<f64>, window: Option<i64>) -> TchResult {
    let (heads, seq, dim) = (q.size()[0], q.size()[1], q.size()[2]);
    let rep = heads / k.size()[0];
    let (k, v) = if rep > 1 {
        (
            k.f_repeat_interleave_self_int(rep, 0, None)?,
            v.f_repeat_interleave_self_int(rep, 0, None)?,
        )
    } else {
        (k.shallow_clone(), v.shallow_clone())
    };
    let mut scores = q.f_matmul(&k.f_transpose(1, 2)?)?.f_mul_scalar(scale)?;
    if let Some(cap) = cap {
        scores = softcap(&scores, cap)?;
    }
    let pos = Tensor::f_arange(seq, (Kind::Int64, q.device()))?;
    let ahead = pos.f_unsqueeze(1)?.f_sub(&pos.f_unsqueeze(0)?)?;
    let mut masked = ahead.f_lt(0)?;
    if let Some(w) = window {
        masked = masked.f_logical_or(&ahead.f_ge(w)?)?;
    }
    let probs = scores
        .f_masked_fill(&masked, f64::NEG_INFINITY)?
        .f_softmax(-1, Kind::Float)?
        .f_to_kind(q.kind())?;
    probs.f_matmul(&v)?.f_transpose(0, 1)?.f_reshape([seq, heads * dim])
}

/// Splits `[seq, heads * dim]` into `[heads, seq, dim]`.
pub fn split_heads(x: &Tensor, heads: i64, dim: i64) -> TchResult {
    x.f_view([-1, heads, dim])?.f_transpose(0, 1)
}

/// `model.embed_tokens`, the final `model.norm` and the output projection (the embedding itself when tied).
pub fn embedding_norm_head(store: &mut Store, cfg: &ModelConfig) -> Result<(Tensor, Tensor, Tensor), LoadError> {
    let embed = store.tensor("model.embed_tokens.weight", &[cfg.vocab, cfg.hidden])?;
    let norm = store.tensor("model.norm.weight", &[cfg.hidden])?;
    let head = match cfg.tie_embeddings {
        true => embed.shallow_clone(),
        false => store.tensor("lm_head.weight", &[cfg.vocab, cfg.hidden])?,
    };
    Ok((embed, norm, head))
}

/// Self-attention of a Llama-family or Gemma2 layer.
pub struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    heads: i64,
    kv_heads: i64,
    head_dim: i64,
    scale: f64,
    cap: Option<f64>,
    window: Option<i64>,
}

impl Attention {
    /// Loads `{prefix}.{q,k,v,o}_proj`; `bias` for Qwen2's q/k/v biases.
    pub fn load(
        store: &mut Store,
        prefix: &str,
        cfg: &ModelConfig,
        layer: usize,
        bias: bool,
    ) -> Result<Self, LoadError> {
        let (h, kv, d) = (cfg.heads, cfg.kv_heads, cfg.head_dim);
        Ok(Self {
            q: store.linear(&format!("{prefix}.q_proj"), h * d, cfg.hidden, bias)?,
            k: store.linear(&format!("{prefix}.k_proj"), kv * d, cfg.hidden, bias)?,
            v: store.linear(&format!("{prefix}.v_proj"), kv * d, cfg.hidden, bias)?,
            o: store.linear(&format!("{prefix}.o_proj"), cfg.hidden, h * d, false)?,
            heads: h,
            kv_heads: kv,
            head_dim: d,
            scale: cfg.query_pre_attn_scalar.unwrap_or(d as f64).powf(-0.5),
            cap: cfg.attn_softcap,
            window: cfg.windows[layer],
        })
    }

    pub fn forward(&self, x: &Tensor, rope: &Rope) -> TchResult {
        let q = rope.apply(&split_heads(&self.q.forward(x)?, self.heads, self.head_dim)?)?;
        let k = rope.apply(&split_heads(&self.k.forward(x)?, self.kv_heads, self.head_dim)?)?;
        let v = split_heads(&self.v.forward(x)?, self.kv_heads, self.head_dim)?;
        self.o.forward(&attend(&q, &k, &v, self.scale, self.cap, self.window)?)
    }
}

/// `down(act(gate(x)) * up(x))`.
pub struct GatedMlp {
    gate: Linear,
    up: Linear,
    down: Linear,
    act: Activation,
}

impl GatedMlp {
    pub fn load(store: &mut Store, prefix: &str, cfg: &ModelConfig) -> Result<Self, LoadError> {
        let (h, i) = (cfg.hidden, cfg.intermediate);
        Ok(Self {
            gate: store.linear(&format!("{prefix}.gate_proj"), i, h, false)?,
            up: store.linear(&format!("{prefix}.up_proj"), i, h, false)?,
            down: store.linear(&format!("{prefix}.down_proj"), h, i, false)?,
            act: cfg.act,
        })
    }

    pub fn forward(&self, x: &Tensor) -> TchResult {
        let gated = activate(&self.gate.forward(x)?, self.act)?.f_mul(&self.up.forward(x)?)?;
        self.down.forward(&gated)
    }
}
