//! Our own weight quantization, done on the CPU at load time in one pass over the memory-mapped file bytes.
//!
//! Data flow: a linear weight's raw bytes (f32, f16 or bf16, straight from the mmapped safetensors shard) are cut into
//! contiguous ranges of output rows (Q8) or of 64-element blocks (NF4), one range per thread; each thread decodes its
//! range into a small f32 scratch buffer and writes packed codes plus one f32 absmax per row or block. The absmaxes
//! are then stored as 16-bit numbers ([`Scales`]), and the loader copies codes and scales onto the device.

mod nf4;
mod q8;

pub use nf4::{NF4_BLOCK, NF4_CODE, dequantize_nf4, dequantize_nf4_into, quantize_nf4};
pub use q8::{dequantize_q8, quantize_q8};

use half::{bf16, f16};
use tch::Kind;

/// The quantization level of a load. `F32` keeps every weight at float32; it exists for the architecture check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quant {
    Q4,
    Q8,
    Fp16,
    F32,
}

impl Quant {
    /// The contract's spelling (`Q4`, `Q8`, `FP16`); `F32` is test-only.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Q4 => "Q4",
            Self::Q8 => "Q8",
            Self::Fp16 => "FP16",
            Self::F32 => "F32",
        }
    }

    /// Whether linear weights are stored as codes plus scales.
    pub fn is_quantized(self) -> bool {
        matches!(self, Self::Q4 | Self::Q8)
    }
}

/// The element types a weight may have on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    F32,
    F16,
    BF16,
}

impl Elem {
    pub fn size(self) -> usize {
        match self {
            Self::F32 => 4,
            Self::F16 | Self::BF16 => 2,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Self::F32 => Kind::Float,
            Self::F16 => Kind::Half,
            Self::BF16 => Kind::BFloat16,
        }
    }
}

/// Decodes `out.len()` little-endian elements from `src` into f32. The match is outside the loops so each loop is a
/// tight, vectorisable conversion.
pub fn decode(src: &[u8], elem: Elem, out: &mut [f32]) {
    let pairs = src.chunks_exact(elem.size()).zip(out.iter_mut());
    match elem {
        Elem::F32 => pairs.for_each(|(b, o)| *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        Elem::F16 => pairs.for_each(|(b, o)| *o = f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()),
        Elem::BF16 => pairs.for_each(|(b, o)| *o = bf16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()),
    }
}

/// The largest |v| (0 for an empty slice; NaNs are ignored). Eight independent lanes so the loop vectorises
/// (`f32::max` has NaN rules that keep the compiler from using packed max instructions).
pub fn absmax(v: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            let a = x.abs();
            *l = if a > *l { a } else { *l };
        }
    }
    lanes
        .iter()
        .chain(rest)
        .fold(0f32, |m, x| if x.abs() > m { x.abs() } else { m })
}

/// One 16-bit absmax per row (Q8) or block (NF4). Stored as float16 when every value fits its normal range (more
/// mantissa), else as bfloat16 (more range), decided per tensor.
#[derive(Debug, Clone)]
pub struct Scales {
    pub bits: Vec<u16>,
    pub kind: Kind,
}

impl Scales {
    pub fn from_f32(absmax: &[f32]) -> Self {
        let fits_f16 = absmax
            .iter()
            .all(|&a| a == 0.0 || (f16::MIN_POSITIVE.to_f32()..=f16::MAX.to_f32()).contains(&a));
        if fits_f16 {
            Self {
                bits: absmax.iter().map(|&a| f16::from_f32(a).to_bits()).collect(),
                kind: Kind::Half,
            }
        } else {
            Self {
                bits: absmax.iter().map(|&a| bf16::from_f32(a).to_bits()).collect(),
                kind: Kind::BFloat16,
            }
        }
    }

    pub fn get(&self, i: usize) -> f32 {
        match self.kind {
            Kind::Half => f16::from_bits(self.bits[i]).to_f32(),
            _ => bf16::from_bits(self.bits[i]).to_f32(),
        }
    }

    /// The little-endian bytes, ready for `Tensor::from_data_size`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bits.iter().flat_map(|b| b.to_le_bytes()).collect()
    }
}

/// Splits `units` work units (rows or blocks) over the available cores and runs `work(first_unit, unit_count,
/// out_chunk, absmax_chunk)` on each, where `out_chunk` holds `out_per_unit` bytes per unit. Small tensors run inline:
/// spawning threads costs more than quantizing them.
fn parallel<T: Send>(
    units: usize,
    out: &mut [T],
    out_per_unit: usize,
    absmax: &mut [f32],
    work: impl Fn(usize, &mut [T], &mut [f32]) + Sync,
) {
    const INLINE_BYTES: usize = 1 << 16;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads == 1 || units * out_per_unit < INLINE_BYTES {
        work(0, out, absmax);
        return;
    }
    let per = units.div_ceil(threads);
    std::thread::scope(|s| {
        let chunks = out.chunks_mut(per * out_per_unit).zip(absmax.chunks_mut(per));
        for (t, (o, a)) in chunks.enumerate() {
            let work = &work;
            s.spawn(move || work(t * per, o, a));
        }
    });
}
