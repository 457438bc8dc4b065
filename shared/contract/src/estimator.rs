//! The memory estimator: one function for preview, records and the load check.
//!
//! It counts weight bytes from tensor shapes as the worker will hold them (docs/estimator.md)
//! and adds 10 % for activations and workspace. When shapes are not
//! readable (a gated repo), [`Estimate::from_parameter_count`] gives a stated lower bound.

use serde::Serialize;
use utoipa::ToSchema;

use crate::model::{Quantization, mib};

/// Bytes held per quantization level.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeightBytes {
    pub q4: f64,
    pub q8: f64,
    pub fp16: f64,
}

/// Where an estimate comes from, as the preview reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EstimateBasis {
    TensorShapes,
    ParameterCount,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub basis: EstimateBasis,
    pub weights: WeightBytes,
    pub params: u64,
}

/// Activation and workspace allowance for a short prompt.
pub const OVERHEAD: f64 = 1.10;
/// NF4 block length; one 16-bit absmax per block.
pub const NF4_BLOCK: u64 = 64;

/// Whether a tensor is a linear weight that Q4/Q8 quantize.
pub fn is_quantized_linear(name: &str, shape: &[u64]) -> bool {
    shape.len() == 2
        && name.ends_with(".weight")
        && !name.contains("lm_head")
        && !name.contains("embed")
        && !name.contains(".wte.")
        && !name.contains(".wpe.")
}

impl Estimate {
    /// Counts bytes tensor by tensor. `conv1d_layout` is GPT-2's `[in, out]` weight layout.
    pub fn from_tensors<'a>(tensors: impl IntoIterator<Item = (&'a str, &'a [u64])>, conv1d_layout: bool) -> Self {
        let mut weights = WeightBytes::default();
        let mut params = 0u64;
        for (name, shape) in tensors {
            let n: u64 = shape.iter().product();
            params += n;
            let fp16 = 2.0 * n as f64;
            weights.fp16 += fp16;
            if is_quantized_linear(name, shape) {
                let rows = if conv1d_layout { shape[1] } else { shape[0] };
                weights.q8 += n as f64 + 2.0 * rows as f64;
                weights.q4 += n.div_ceil(2) as f64 + 2.0 * n.div_ceil(NF4_BLOCK) as f64;
            } else {
                weights.q8 += fp16;
                weights.q4 += fp16;
            }
        }
        Self {
            basis: EstimateBasis::TensorShapes,
            weights,
            params,
        }
    }

    /// A lower bound from a bare parameter count: every parameter as a quantizable linear.
    pub fn from_parameter_count(params: u64) -> Self {
        let n = params as f64;
        Self {
            basis: EstimateBasis::ParameterCount,
            weights: WeightBytes {
                q4: n * (0.5 + 2.0 / NF4_BLOCK as f64),
                q8: n,
                fp16: 2.0 * n,
            },
            params,
        }
    }

    pub fn weight_bytes(&self, quant: Quantization) -> f64 {
        match quant {
            Quantization::Q4 => self.weights.q4,
            Quantization::Q8 => self.weights.q8,
            Quantization::Fp16 => self.weights.fp16,
        }
    }

    /// `estimated_memory_mb`: weight bytes × 1.10, in MiB.
    pub fn memory_mb(&self, quant: Quantization) -> i64 {
        mib((self.weight_bytes(quant) * OVERHEAD).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linears_are_quantized_and_the_rest_stays_16_bit() {
        let tensors: Vec<(&str, &[u64])> = vec![
            ("model.embed_tokens.weight", &[1000, 64]),
            ("model.layers.0.self_attn.q_proj.weight", &[64, 64]),
            ("model.layers.0.input_layernorm.weight", &[64]),
            ("lm_head.weight", &[1000, 64]),
        ];
        let e = Estimate::from_tensors(tensors, false);
        let rest = 2.0 * (64_000.0 * 2.0 + 64.0);
        assert_eq!(e.params, 64_000 * 2 + 4096 + 64);
        assert_eq!(e.weights.fp16, 2.0 * e.params as f64);
        assert_eq!(e.weights.q8, rest + 4096.0 + 2.0 * 64.0);
        assert_eq!(e.weights.q4, rest + 2048.0 + 2.0 * 64.0);
    }

    #[test]
    fn gpt2_conv1d_scales_count_output_columns() {
        let e = Estimate::from_tensors(vec![("h.0.mlp.c_fc.weight", &[64u64, 256][..])], true);
        assert_eq!(e.weights.q8, 64.0 * 256.0 + 2.0 * 256.0);
    }

    #[test]
    fn memory_adds_ten_percent_in_mebibytes() {
        let e = Estimate::from_parameter_count(1 << 30);
        assert_eq!(e.memory_mb(Quantization::Fp16), 2253);
        assert_eq!(e.basis, EstimateBasis::ParameterCount);
        assert!(e.memory_mb(Quantization::Q4) < e.memory_mb(Quantization::Q8));
    }
}
