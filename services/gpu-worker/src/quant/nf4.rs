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

/// The `n` weights that packed codes stand for, in f32.
pub fn dequantize_nf4(packed: &[u8], scales: &Scales, n: usize) -> Vec<f32> {
    let mut out = vec![0f32; n];
    dequantize_nf4_into(packed, |b| scales.get(b), &mut out, |v| v);
    out
}

/// Decodes NF4 codes into `out` (one element per weight, `out.len()` of them), in the forward pass's element type.
///
/// Each block's 16 code-book values are scaled by its absmax in f32 once and converted by `convert`; every byte then
/// yields its two weights by table lookup. The values equal `convert(code * absmax)` computed per element, as a
/// gather-and-multiply in libtorch would give, at a fraction of the memory traffic (no index or f32 tensors).
/// Large weights are split over the cores by whole blocks.
pub fn dequantize_nf4_into<T: Copy + Default + Send>(
    packed: &[u8],
    scale: impl Fn(usize) -> f32 + Sync,
    out: &mut [T],
    convert: impl Fn(f32) -> T + Sync,
) {
    const INLINE: usize = 1 << 16;
    let blocks = out.len().div_ceil(NF4_BLOCK);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads == 1 || out.len() < INLINE {
        decode_blocks(0, packed, &scale, out, &convert);
        return;
    }
    let per = blocks.div_ceil(threads);
    std::thread::scope(|s| {
        for (t, chunk) in out.chunks_mut(per * NF4_BLOCK).enumerate() {
            let (scale, convert) = (&scale, &convert);
            s.spawn(move || decode_blocks(t * per, packed, scale, chunk, convert));
        }
    });
}

fn decode_blocks<T: Copy + Default>(
    first: usize,
    packed: &[u8],
    scale: &impl Fn(usize) -> f32,
    out: &mut [T],
    convert: &impl Fn(f32) -> T,
) {
    let mut table = [T::default(); 16];
    for (b, dst) in out.chunks_mut(NF4_BLOCK).enumerate() {
        let block = first + b;
        let a = scale(block);
        for (t, code) in table.iter_mut().zip(NF4_CODE) {
            *t = convert(code * a);
        }
        let from = block * NF4_BLOCK / 2;
        let bytes = &packed[from..(from + dst.len().div_ceil(2)).min(packed.len())];
        let mut pairs = dst.chunks_exact_mut(2);
        for (pair, &byte) in (&mut pairs).zip(bytes) {
            pair[0] = table[usize::from(byte >> 4)];
            pair[1] = table[usize::from(byte & 0x0f)];
        }
        // An odd element count leaves one weight, in the high nibble of the last byte.
        if let (Some(last), Some(&byte)) = (pairs.into_remainder().first_mut(), bytes.last()) {
            *last = table[usize::from(byte >> 4)];
        }
    }
}
