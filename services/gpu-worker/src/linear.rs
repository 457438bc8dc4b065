//! A linear layer whose weight is dense (16-bit or f32), Q8 codes or NF4 codes.
//!
//! Quantized weights are dequantized on the fly in `forward`: Q8 multiplies by the codes cast to the activation dtype
//! and applies the per-row scale to the output (exact, since the scale is per output row); NF4 looks codes up in the
//! code book, scales each block of 64 in f32, and casts to the activation dtype before the matmul. On the CPU that
//! NF4 step is our own threaded decoder writing straight into the activation dtype ([`dequantize_nf4_into`]); a
//! libtorch gather would move about ten times the bytes and made a Q4 load's check pass slower than the load itself.

use tch::{Device, Kind, Tensor};

use half::{bf16, f16};

use crate::quant::{NF4_BLOCK, NF4_CODE, dequantize_nf4_into};

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
                let w = match packed.device() {
                    Device::Cpu => dequantize_nf4_cpu(packed, absmax, [*out, *inp], x.kind())?,
                    _ => dequantize_nf4_tensor(packed, absmax, *out * *inp)?
                        .f_view([*out, *inp])?
                        .f_to_kind(x.kind())?,
                };
                x.f_linear(&w, self.bias.as_ref())
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
pub fn dequantize_nf4_tensor(packed: &Tensor, absmax: &Tensor, n: i64) -> Result<Tensor, tch::TchError> {
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

/// NF4 codes on the CPU to a `[out, in]` weight of `kind` (f32, bf16 or f16), decoded by our own threaded loop.
#[allow(unsafe_code)]
pub fn dequantize_nf4_cpu(
    packed: &Tensor,
    absmax: &Tensor,
    shape: [i64; 2],
    kind: Kind,
) -> Result<Tensor, tch::TchError> {
    let n = usize::try_from(shape[0] * shape[1]).map_err(|e| tch::TchError::Convert(e.to_string()))?;
    let (packed, absmax) = (packed.f_contiguous()?, absmax.f_contiguous()?);
    let absmax_half = match absmax.kind() {
        Kind::Half => true,
        Kind::BFloat16 => false,
        other => return Err(tch::TchError::Kind(format!("NF4 absmax of kind {other:?}"))),
    };
    if packed.kind() != Kind::Uint8 || packed.numel() < n.div_ceil(2) || absmax.numel() < n.div_ceil(NF4_BLOCK) {
        return Err(tch::TchError::Shape(format!(
            "NF4 codes do not fit a weight of shape {shape:?}"
        )));
    }
    // SAFETY: both tensors are contiguous CPU tensors of the element types checked above, at least as long as the
    // slices, and they outlive the slices (they are owned by this function until it returns).
    let (codes, scales) = unsafe {
        (
            std::slice::from_raw_parts(packed.data_ptr() as *const u8, packed.numel()),
            std::slice::from_raw_parts(absmax.data_ptr() as *const u16, absmax.numel()),
        )
    };
    let scale = |b: usize| match absmax_half {
        true => f16::from_bits(scales[b]).to_f32(),
        false => bf16::from_bits(scales[b]).to_f32(),
    };
    let weight = Tensor::f_empty(shape, (kind, Device::Cpu))?;
    let data = weight.data_ptr();
    // SAFETY: `weight` is a fresh contiguous CPU tensor of `n` elements of `kind`, which the match pairs with the
    // Rust type of the same size; nothing else refers to it until this function returns it.
    unsafe {
        match kind {
            Kind::Float => {
                dequantize_nf4_into(codes, scale, std::slice::from_raw_parts_mut(data as *mut f32, n), |v| v)
            }
            Kind::BFloat16 => {
                let out = std::slice::from_raw_parts_mut(data as *mut u16, n);
                dequantize_nf4_into(codes, scale, out, |v| bf16::from_f32(v).to_bits());
            }
            Kind::Half => {
                let out = std::slice::from_raw_parts_mut(data as *mut u16, n);
                dequantize_nf4_into(codes, scale, out, |v| f16::from_f32(v).to_bits());
            }
            other => return Err(tch::TchError::Kind(format!("NF4 weights in {other:?}"))),
        }
    }
    Ok(weight)
}

/// Bytes of a tensor's elements.
pub fn tensor_bytes(t: &Tensor) -> u64 {
    (t.numel() * t.kind().elt_size_in_bytes()) as u64
}
