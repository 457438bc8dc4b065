//! Our forward passes against transformers (float32 and bfloat16) and bitsandbytes (Q8, NF4) on the tiny fixtures.

use crate::common::{FIXTURES, cosine, ids_of, load, max_abs, reference};
use millm_gpu_worker::tokenize::{encode, load_tokenizer};
use millm_gpu_worker::{Kind, Quant};

const PROMPT: &str = "The quick brown fox jumps over the lazy dog while the model reads every weight.";

/// Max |ours - ref| over all positions, relative to max |ref|.
fn relative_error(name: &str, quant: Quant, key: &str) -> f64 {
    let refs = reference(name);
    let ids = ids_of(&refs["ids"]);
    let model = load(name, quant, None);
    let ours = model.forward(&ids).expect("forward");
    let theirs = &refs[key];
    assert_eq!(ours.size(), theirs.size(), "{name}");
    max_abs(&(&ours - theirs)) / max_abs(theirs)
}

#[test]
fn our_tokenizer_gives_the_same_ids_as_transformers() {
    for name in FIXTURES {
        let tokenizer = load_tokenizer(&crate::common::repo(name)).expect("tokenizer");
        assert_eq!(
            encode(&tokenizer, PROMPT).expect("encode"),
            ids_of(&reference(name)["ids"]),
            "{name}"
        );
    }
}

#[test]
fn every_architecture_at_float32_matches_transformers_at_every_position() {
    for name in FIXTURES {
        let err = relative_error(name, Quant::F32, "f32");
        eprintln!("{name}: F32 max relative error {err:.2e}");
        assert!(err <= 1e-3, "{name}: {err}");
    }
}

#[test]
fn fp16_matches_transformers_at_the_same_16_bit_dtype() {
    for name in FIXTURES {
        let err = relative_error(name, Quant::Fp16, "bf16");
        eprintln!("{name}: FP16 (bf16 on the CPU) max relative error {err:.2e}");
        assert!(err <= 2e-2, "{name}: {err}");
    }
}

/// Cosines on the last-token logits: ours vs bitsandbytes, and both vs the float32 reference.
fn bnb_cosines(quant: Quant, key: &str) {
    for name in FIXTURES {
        let refs = reference(name);
        let model = load(name, quant, Some(Kind::Float));
        let ours = model.forward(&ids_of(&refs["ids"])).expect("forward").get(-1);
        let bnb = &refs[&format!("{key}_last")];
        let fp32 = &refs["f32_last"];
        let (vs_bnb, ours_fp32, bnb_fp32) = (cosine(&ours, bnb), cosine(&ours, fp32), cosine(bnb, fp32));
        eprintln!(
            "{name} {key}: cos(ours, bnb) {vs_bnb:.5}  cos(ours, fp32) {ours_fp32:.5}  cos(bnb, fp32) {bnb_fp32:.5}"
        );
        assert!(vs_bnb >= 0.999, "{name}: cos(ours, bnb) {vs_bnb}");
        assert!(ours_fp32 >= bnb_fp32 - 0.002, "{name}: {ours_fp32} vs bnb {bnb_fp32}");
    }
}

#[test]
fn q8_matches_bitsandbytes_int8() {
    bnb_cosines(Quant::Q8, "q8");
}

#[test]
fn q4_matches_bitsandbytes_nf4() {
    bnb_cosines(Quant::Q4, "q4");
}

/// Real hub repos carry the classic keys (`rope_scaling` with `type`, top-level `rope_theta`, `torch_dtype`);
/// the fixtures are saved by transformers 5 with `rope_parameters` and `dtype`. Both spellings must give the same model.
#[test]
fn classic_config_keys_give_the_same_logits_as_v5_keys() {
    let dir = crate::common::copy_of("llama");
    let path = dir.path().join("config.json");
    let mut config: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let mut rope = config["rope_parameters"].take();
    let obj = rope.as_object_mut().expect("rope_parameters");
    config["rope_theta"] = obj.remove("rope_theta").expect("rope_theta");
    let kind = obj.remove("rope_type").expect("rope_type");
    obj.insert("type".into(), kind);
    config["rope_scaling"] = rope;
    config["torch_dtype"] = config["dtype"].take();
    let obj = config.as_object_mut().expect("object");
    obj.remove("rope_parameters");
    obj.remove("dtype");
    std::fs::write(&path, config.to_string()).expect("write");

    let refs = reference("llama");
    let opts = millm_gpu_worker::LoadOptions {
        quant: Quant::F32,
        device: millm_gpu_worker::Device::Cpu,
        limit_bytes: None,
        plain_kind: None,
    };
    let model = millm_gpu_worker::LoadedModel::load_with(dir.path(), opts, &|_, _| {}, &|| false).expect("load");
    let ours = model.forward(&ids_of(&refs["ids"])).expect("forward");
    let err = max_abs(&(&ours - &refs["f32"])) / max_abs(&refs["f32"]);
    assert!(err <= 1e-3, "{err}");
}
