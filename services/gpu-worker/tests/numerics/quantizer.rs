//! Our Q8 and NF4 quantizers: code-for-code against bitsandbytes, round-trip error within each format's bound, and
//! packed sizes exactly as the contract's table says, per tensor and for a whole loaded model.

use millm_gpu_worker::linear::{dequantize_nf4_cpu, dequantize_nf4_tensor as dequantize_nf4_gather};
use millm_gpu_worker::quant::{Elem, NF4_BLOCK, NF4_CODE, dequantize_nf4, dequantize_q8, quantize_nf4, quantize_q8};
use millm_gpu_worker::{Device, Kind, LoadOptions, LoadedModel, Quant, Tensor};
use millm_test_support::XorShift;

fn f32_bytes(t: &Tensor) -> Vec<u8> {
    Vec::<f32>::try_from(&t.flatten(0, -1))
        .expect("f32 data")
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

fn quant_refs() -> std::collections::HashMap<String, Tensor> {
    let path = crate::common::fixtures().join("quant_ref.safetensors");
    Tensor::read_safetensors(path)
        .expect("quant_ref.safetensors")
        .into_iter()
        .collect()
}

/// Pseudo-random bf16 weights of varied magnitude per row, as raw bytes, and their f32 values.
fn weights(rows: usize, cols: usize) -> (Vec<u8>, Vec<f32>) {
    let mut rng = XorShift::new(7);
    let vals: Vec<f32> = (0..rows * cols)
        .map(|i| {
            let u = rng.uniform();
            half::bf16::from_f32(u * u * u * (1.0 + (i / cols) as f32)).to_f32()
        })
        .collect();
    let bytes = vals
        .iter()
        .flat_map(|v| half::bf16::from_f32(*v).to_bits().to_le_bytes())
        .collect();
    (bytes, vals)
}

#[test]
fn our_nf4_codes_equal_bitsandbytes_codes_nibble_for_nibble() {
    let refs = quant_refs();
    for name in ["w", "odd"] {
        let (packed, scales) = quantize_nf4(&f32_bytes(&refs[name]), Elem::F32);
        let theirs = Vec::<u8>::try_from(&refs[&format!("{name}.nf4")]).expect("u8 codes");
        assert_eq!(packed, theirs, "{name}");
        let absmax = Vec::<f32>::try_from(&refs[&format!("{name}.nf4_absmax")]).expect("absmax");
        for (i, a) in absmax.iter().enumerate() {
            assert!(
                (scales.get(i) - a).abs() <= a * 1e-3,
                "{name} block {i}: {} vs {a}",
                scales.get(i)
            );
        }
    }
}

#[test]
fn our_q8_codes_equal_bitsandbytes_codes() {
    let refs = quant_refs();
    for name in ["w", "odd"] {
        let w = &refs[name];
        let (rows, cols) = (w.size()[0] as usize, w.size()[1] as usize);
        let (codes, _) = quantize_q8(&f32_bytes(w), Elem::F32, rows, cols);
        let theirs = Vec::<i8>::try_from(&refs[&format!("{name}.q8")].flatten(0, -1)).expect("i8 codes");
        let differ = codes.iter().zip(&theirs).filter(|(a, b)| a != b).count();
        assert_eq!(codes.len(), theirs.len(), "{name}");
        assert_eq!(differ, 0, "{name}: {differ} codes differ");
    }
}

#[test]
fn q8_round_trip_error_is_within_half_a_step_per_row() {
    let (rows, cols) = (300, 256);
    let (bytes, vals) = weights(rows, cols);
    let (codes, scales) = quantize_q8(&bytes, Elem::BF16, rows, cols);
    let back = dequantize_q8(&codes, &scales, cols);
    for r in 0..rows {
        let row = &vals[r * cols..(r + 1) * cols];
        let absmax = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        // Half a step of 127 levels, plus the 16-bit rounding of the scale.
        let bound = absmax / 254.0 + absmax * 1e-3;
        for (c, w) in row.iter().enumerate() {
            assert!((w - back[r * cols + c]).abs() <= bound, "row {r} col {c}");
        }
    }
    assert_eq!(
        codes.len() + 2 * scales.bits.len(),
        rows * cols + 2 * rows,
        "1 + 2/in bytes per parameter"
    );
}

#[test]
fn nf4_round_trip_error_is_within_half_the_widest_code_gap_per_block() {
    let (rows, cols) = (64, 320);
    let (bytes, vals) = weights(rows, cols);
    let (packed, scales) = quantize_nf4(&bytes, Elem::BF16);
    let back = dequantize_nf4(&packed, &scales, vals.len());
    let half_gap = NF4_CODE.windows(2).map(|p| p[1] - p[0]).fold(0f32, f32::max) / 2.0;
    for (b, block) in vals.chunks(NF4_BLOCK).enumerate() {
        let absmax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        for (j, w) in block.iter().enumerate() {
            let err = (w - back[b * NF4_BLOCK + j]).abs();
            assert!(err <= absmax * (half_gap + 1e-3), "block {b} elem {j}: {err}");
        }
    }
    let n = rows * cols;
    assert_eq!(
        packed.len() + 2 * scales.bits.len(),
        n / 2 + 2 * n / 64,
        "0.5 + 2/64 bytes per parameter"
    );
}

/// Bytes the table predicts for a fixture: quantizable linears per level, everything else at 2 bytes.
fn table_bytes(name: &str, quant: Quant) -> u64 {
    let mut total = 0u64;
    for path in millm_gpu_worker::shards::shard_files(&crate::common::repo(name)).expect("shards") {
        for (tensor, t) in Tensor::read_safetensors(&path).expect("read shard") {
            let n = t.numel() as u64;
            let linear = t.dim() == 2 && !tensor.contains("embed") && !tensor.starts_with("lm_head");
            total += match (linear, quant) {
                (true, Quant::Q8) => n + 2 * t.size()[0] as u64,
                (true, Quant::Q4) => n / 2 + 2 * n / 64,
                _ => 2 * n,
            };
        }
    }
    total
}

#[test]
fn a_loaded_model_holds_exactly_the_packed_bytes_of_the_table() {
    for quant in [Quant::Q4, Quant::Q8, Quant::Fp16] {
        let opts = LoadOptions {
            quant,
            device: Device::Cpu,
            limit_bytes: None,
            plain_kind: None,
        };
        let model = LoadedModel::load_with(&crate::common::repo("llama"), opts, &|_, _| {}, &|| false).expect("load");
        assert_eq!(model.kind, Kind::BFloat16);
        assert_eq!(model.weight_bytes(), table_bytes("llama", quant), "{quant:?}");
    }
}

#[test]
fn the_threaded_cpu_nf4_decoder_equals_libtorch_gather_and_multiply_in_every_activation_kind() {
    // Arrange: enough elements to split over threads, and an odd count so the last block is partial and the last
    // byte holds a single weight.
    let (rows, cols) = (257, 1031);
    let (bytes, _) = weights(rows, cols);
    let (packed, scales) = quantize_nf4(&bytes, Elem::BF16);
    let packed = Tensor::from_slice(&packed);
    let absmax = Tensor::from_data_size(&scales.to_bytes(), &[scales.bits.len() as i64], scales.kind);
    let shape = [rows as i64, cols as i64];
    let gathered = dequantize_nf4_gather(&packed, &absmax, shape[0] * shape[1]).expect("gather");
    for kind in [Kind::Float, Kind::BFloat16, Kind::Half] {
        // Act
        let ours = dequantize_nf4_cpu(&packed, &absmax, shape, kind).expect("decode");
        // Assert: bit for bit what the gather path gives after its cast to the activation kind.
        let reference = gathered.view(shape).to_kind(kind);
        assert_eq!(ours.kind(), kind);
        assert_eq!(ours.size(), reference.size());
        assert!(ours.equal(&reference), "{kind:?} differs");
    }
}
