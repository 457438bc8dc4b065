//! Q8: int8 codes with one absmax per output row, symmetric: `q = round(w / absmax * 127)`, `w ≈ q * absmax / 127`.
//!
//! The arithmetic follows bitsandbytes' `int8_vectorwise_quant` (f32 `127 * (1 / absmax)`, round half to even) so our codes
//! equal theirs for the same weights; only the stored absmax is rounded to 16 bits.

use super::{Elem, Scales, absmax, decode, parallel};

/// 1.5 * 2^23: adding then subtracting it rounds an f32 below 2^22 to the nearest integer, ties to even (the FPU's
/// default mode), which is `torch.round`. Unlike `round_ties_even`, it vectorises without SSE4.1.
const ROUND: f32 = 12_582_912.0;

/// Quantizes a row-major `[rows, cols]` weight given as raw bytes of `elem`. Returns the codes and per-row absmax.
pub fn quantize_q8(src: &[u8], elem: Elem, rows: usize, cols: usize) -> (Vec<i8>, Scales) {
    if cols == 0 {
        return (Vec::new(), Scales::from_f32(&vec![0.0; rows]));
    }
    let mut codes = vec![0i8; rows * cols];
    let mut maxes = vec![0f32; rows];
    let row_bytes = cols * elem.size();
    parallel(rows, &mut codes, cols, &mut maxes, |first, out, amax| {
        let mut scratch = vec![0f32; cols];
        for (r, (q_row, a)) in out.chunks_exact_mut(cols).zip(amax.iter_mut()).enumerate() {
            let start = (first + r) * row_bytes;
            decode(&src[start..start + row_bytes], elem, &mut scratch);
            *a = absmax(&scratch);
            // `127.0 / absmax` in torch is `127 * reciprocal(absmax)`: the same rounding gives the same codes.
            // A zero row stays zero (bitsandbytes would produce NaN from 0 * inf).
            let inv = if *a > 0.0 { 127.0 * (1.0 / *a) } else { 0.0 };
            for (q, w) in q_row.iter_mut().zip(&scratch) {
                *q = (((w * inv).clamp(-127.0, 127.0) + ROUND) - ROUND) as i8;
            }
        }
    });
    (codes, Scales::from_f32(&maxes))
}

/// The weights that the codes stand for, row-major, as the forward pass sees them.
pub fn dequantize_q8(codes: &[i8], scales: &Scales, cols: usize) -> Vec<f32> {
    codes
        .chunks_exact(cols)
        .enumerate()
        .flat_map(|(r, row)| {
            let s = scales.get(r) / 127.0;
            row.iter().map(move |&q| f32::from(q) * s)
        })
        .collect()
}
