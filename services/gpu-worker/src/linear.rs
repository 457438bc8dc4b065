//! A linear layer whose weight is dense (16-bit or f32), Q8 codes or NF4 codes.
//!
//! Quantized weights are dequantized on the fly in `forward`: Q8 multiplies by the codes cast to the activation dtype
//! and applies the per-row scale to the output (exact, since the scale is per output row); NF4 looks codes up in the
//! code book, scales each block of 64 in f32, and casts to the activation dtype before the matmul.

use tch::{Device, Kind, Tensor};

use crate::quant::{NF4_BLOCK, NF4_CODE};

/// How a linear weight is held on the device.
#[derive(Debug)]
pub enum LinearWeight {
    /// `[out, in]` in the compute dtype.
    Dense(Tensor),
    /// int8 codes `[out, in]` and 16-bit absmax `[out]`.
    Q8 { codes: Tensor, absmax: Tensor },
    /// Packed NF4 codes `[ceil(n / 2)]` (u8) and 16-bit absmax `[ceil(n / 64)]` for a weight of shape `[out, in]`.
    Q4 {
        packed: Tensor,
        absmax: Tensor,
        out: i64,
        inp: i64,
    },
}

impl LinearWeight {
    /// Bytes of codes and scales (or of the dense weight).
    pub fn bytes(&self) -> u64 {
        match self {
            Self::Dense(w) => tensor_bytes(w),
            Self::Q8 { codes, absmax } => tensor_bytes(codes) + tensor_bytes(absmax),
            Self::Q4 { packed, absmax, .. } => tensor_bytes(packed) + tensor_bytes(absmax),
        }
    }
}

#[derive(Debug)]
pub struct Linear {
    pub weight: LinearWeight,
    pub bias: Option<Tensor>,
}

impl Linear {
    /// `x @ W^T + b` over the last dimension of `x`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, tch::TchError> {
        match &self.weight {
            LinearWeight::Dense(w) => x.f_linear(w, self.bias.as_ref()),
            LinearWeight::Q8 { codes, absmax } => {
                let y = x.f_linear::<Tensor>(&codes.f_to_kind(x.kind())?, None)?;
                let scale = absmax
                    .f_to_kind(Kind::Float)?
                    .f_div_scalar(127.0)?
                    .f_to_kind(x.kind())?;
                let y = y.f_mul(&scale)?;
                match &self.bias {
                    Some(b) => y.f_add(b),
                    None => Ok(y),
                }
            }
            LinearWeight::Q4 {
                packed,
                absmax,
                out,
                inp,
            } => {
                let w = dequantize_nf4(packed, absmax, *out * *inp)?.f_view([*out, *inp])?;
                x.f_linear(&w.f_to_kind(x.kind())?, self.bias.as_ref())
            }
        }
    }

    /// Bytes held on the device by the weight and bias.
    pub fn bytes(&self) -> u64 {
        self.weight.bytes() + self.bias.as_ref().map_or(0, tensor_bytes)
    }

    /// `[out, in]` of the weight.
    pub fn shape(&self) -> [i64; 2] {
        match &self.weight {
            LinearWeight::Dense(w) | LinearWeight::Q8 { codes: w, .. } => {
                let s = w.size();
                [s[0], s.get(1).copied().unwrap_or(1)]
            }
            LinearWeight::Q4 { out, inp, .. } => [*out, *inp],
        }
    }
}

/// NF4 codes to f32 weights on the codes' device: each byte looks up its (high, low) pair of code-book values in a
/// 256-entry table (one gather per byte rather than per nibble), then each block of 64 is multiplied by its absmax.
pub fn dequantize_nf4(packed: &Tensor, absmax: &Tensor, n: i64) -> Result<Tensor, tch::TchError> {
    let device: Device = packed.device();
    let pairs: Vec<f32> = (0..256usize)
        .flat_map(|b| [NF4_CODE[b >> 4], NF4_CODE[b & 0x0f]])
        .collect();
    let table = Tensor::f_from_slice(&pairs)?.f_view([256, 2])?.f_to_device(device)?;
    let idx = packed.f_to_kind(Kind::Int64)?;
    let mut vals = table.f_index_select(0, &idx)?.f_view([-1])?;
    let blocks = absmax.size()[0];
    let padded = blocks * NF4_BLOCK as i64;
    let len = vals.size()[0];
    if len < padded {
        vals = vals.f_constant_pad_nd([0, padded - len])?;
    }
    let scaled = vals.f_view([blocks, NF4_BLOCK as i64])?;
    let scaled = scaled.f_mul(&absmax.f_to_kind(Kind::Float)?.f_unsqueeze(1)?)?;
    scaled.f_view([-1])?.f_narrow(0, 0, n)
}

/// Bytes of a tensor's elements.
pub fn tensor_bytes(t: &Tensor) -> u64 {
    (t.numel() * t.kind().elt_size_in_bytes()) as u64
}
