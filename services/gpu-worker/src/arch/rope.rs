//! Rotary position embeddings: the inverse frequencies (with `linear` or `llama3` scaling) and their application to
//! queries and keys, in the order and precision transformers uses (angles and cos/sin in f32, then cast to the
//! activation dtype; `x * cos + rotate_half(x) * sin`).

use millm_contract::supported::RopeScaling;
use tch::{Device, Kind, Tensor};

use crate::model_config::ModelConfig;

/// The inverse frequencies of a `head_dim`-wide rotation, scaled as the config asks.
pub fn inv_freq(cfg: &ModelConfig) -> Vec<f32> {
    let dim = cfg.head_dim as f64;
    let base: Vec<f64> = (0..cfg.head_dim / 2)
        .map(|i| 1.0 / cfg.rope_theta.powf(2.0 * i as f64 / dim))
        .collect();
    let scaled = base.iter().map(|&f| match cfg.rope {
        RopeScaling::None => f,
        RopeScaling::Linear { factor } => f / factor,
        RopeScaling::Llama3 {
            factor,
            low_freq_factor,
            high_freq_factor,
            original_max_position_embeddings: old,
        } => {
            let wavelen = 2.0 * std::f64::consts::PI / f;
            if wavelen < old / high_freq_factor {
                f
            } else if wavelen > old / low_freq_factor {
                f / factor
            } else {
                let smooth = (old / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
                (1.0 - smooth) * f / factor + smooth * f
            }
        }
    });
    scaled.map(|f| f as f32).collect()
}

/// cos and sin for positions `0..seq`, `[seq, head_dim]` in the activation dtype.
pub struct Rope {
    cos: Tensor,
    sin: Tensor,
}

impl Rope {
    pub fn new(cfg: &ModelConfig, seq: i64, kind: Kind, device: Device) -> Result<Self, tch::TchError> {
        let inv = Tensor::f_from_slice(&inv_freq(cfg))?.f_to_device(device)?;
        let pos = Tensor::f_arange(seq, (Kind::Float, device))?;
        let freqs = pos.f_outer(&inv)?;
        let emb = Tensor::f_cat(&[&freqs, &freqs], -1)?;
        Ok(Self {
            cos: emb.f_cos()?.f_to_kind(kind)?,
            sin: emb.f_sin()?.f_to_kind(kind)?,
        })
    }

    /// Rotates `x` of shape `[heads, seq, head_dim]`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor, tch::TchError> {
        let half = x.size()[2] / 2;
        let (x1, x2) = (x.f_narrow(-1, 0, half)?, x.f_narrow(-1, half, half)?);
        let rotated = Tensor::f_cat(&[&x2.f_neg()?, &x1], -1)?;
        x.f_mul(&self.cos)?.f_add(&rotated.f_mul(&self.sin)?)
    }
}
