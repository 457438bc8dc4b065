//! NF4: bitsandbytes' normal-float 4-bit code book, blocks of 64 over the row-major flattened weight (a block may
//! cross a row end), one absmax per block, two codes per byte with the first element in the high nibble.
//!
//! The arithmetic follows bitsandbytes' `quantize_4bit` (f32 `x * (1 / absmax)` clamped to [-1, 1], then the code whose
//! bucket between code-book midpoints holds it, ties going to the lower code as `torch.bucketize` does), so our codes
//! equal theirs for the same weights; only the stored absmax is rounded to 16 bits.

use super::{Elem, Scales, absmax, decode, parallel};

/// Elements per NF4 block.
pub const NF4_BLOCK: usize = 64;

/// bitsandbytes `get_4bit_type("nf4")`, in code order.
#[allow(clippy::excessive_precision)] // bitsandbytes' exact f32 values, printed as f64
pub const NF4_CODE: [f32; 16] = [
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
];

/// Midpoints between neighbouring codes, computed in f32 as bitsandbytes does.
fn midpoints() -> [f32; 15] {
    std::array::from_fn(|i| (NF4_CODE[i] + NF4_CODE[i + 1]) / 2.0)
}

/// Codes of up to 64 scaled values: for each, the number of midpoints strictly below it (ties go to the lower
/// code, as `torch.bucketize` does). Fifteen passes of compare-and-add over the block vectorise well and have no
/// data-dependent branches, unlike a binary search per value.
#[inline]
fn codes_of(scaled: &[f32], m: &[f32; 15], codes: &mut [u8; NF4_BLOCK]) {
    codes.fill(0);
    for &mid in m {
        for (c, &x) in codes.iter_mut().zip(scaled) {
            *c += u8::from(x > mid);
        }
    }
}

/// Quantizes a weight of `n` elements given as raw bytes of `elem`. Returns `ceil(n / 2)` packed bytes and one absmax
/// per block (the last block may be partial).
pub fn quantize_nf4(src: &[u8], elem: Elem) -> (Vec<u8>, Scales) {
    let n = src.len() / elem.size();
    let blocks = n.div_ceil(NF4_BLOCK);
    let mut packed = vec![0u8; n.div_ceil(2)];
    let mut maxes = vec![0f32; blocks];
    let m = midpoints();
    parallel(blocks, &mut packed, NF4_BLOCK / 2, &mut maxes, |first, out, amax| {
        let mut scratch = [0f32; NF4_BLOCK];
        let mut codes = [0u8; NF4_BLOCK];
        for (b, (bytes, a)) in out.chunks_mut(NF4_BLOCK / 2).zip(amax.iter_mut()).enumerate() {
            let start = (first + b) * NF4_BLOCK;
            let len = NF4_BLOCK.min(n - start);
            // A partial last block is padded with 0.0, as bitsandbytes pads an odd tail.
            scratch.fill(0.0);
            decode(
                &src[start * elem.size()..(start + len) * elem.size()],
                elem,
                &mut scratch[..len],
            );
            *a = absmax(&scratch);
            let inv = 1.0 / a.max(1e-38);
            scratch.iter_mut().for_each(|v| *v = (*v * inv).clamp(-1.0, 1.0));
            codes_of(&scratch, &m, &mut codes);
            for (byte, pair) in bytes.iter_mut().zip(codes.chunks_exact(2)) {
                *byte = (pair[0] << 4) | pair[1];
            }
        }
    });
    (packed, Scales::from_f32(&maxes))
}

/// The `n` weights that packed codes stand for, as the forward pass sees them.
pub fn dequantize_nf4(packed: &[u8], scales: &Scales, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let byte = packed[i / 2];
            let code = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            NF4_CODE[usize::from(code)] * scales.get(i / NF4_BLOCK)
        })
        .collect()
}
