//! A start-up self-test that doubles as the warm-up: a tiny random Llama is written to a temporary folder and loaded
//! at Q4, Q8 and FP16, check pass included, before the worker takes any job.
//!
//! Why: on the CPU a load is measured as the growth of the resident set, and the first load in a process would also
//! count everything libtorch, the quantizer and the tokenizer set up on first use (thread pools, kernel tables, code
//! pages of the shared libraries). Paying that here keeps it out of every `memory_used_mb`, and proves the device
//! runs a forward pass before the worker says it is ready.

use half::bf16;
use safetensors::tensor::{Dtype, TensorView};
use std::path::Path;
use tch::Device;

use super::device_load;
use crate::{LoadOptions, Quant, measure};

const HIDDEN: usize = 64;
const INTERMEDIATE: usize = 128;
const HEADS: usize = 4;
const KV_HEADS: usize = 2;
const VOCAB: usize = 64;

/// Writes and loads the tiny model; a failure is reported, since every later load would likely fail the same way.
pub fn run(device: Device) -> Result<(), String> {
    measure::release_large_frees();
    let dir = std::env::temp_dir().join(format!("millm-gpu-worker-warmup-{}", std::process::id()));
    let result = write_model(&dir).and_then(|()| {
        for quant in [Quant::Q4, Quant::Q8, Quant::Fp16] {
            let opts = LoadOptions {
                quant,
                device,
                limit_bytes: None,
                plain_kind: None,
            };
            device_load::run(&dir, opts, &|_, _| {}, &|| false).map_err(|e| format!("{}: {e}", quant.as_str()))?;
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    measure::trim_heap();
    result
}

/// Writes the tiny Llama (config.json, tokenizer.json, model.safetensors) into `dir`.
pub fn write_model(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let config = serde_json::json!({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE, "num_hidden_layers": 1, "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS, "vocab_size": VOCAB, "rms_norm_eps": 1e-6,
        "max_position_embeddings": 128, "rope_theta": 10000.0, "hidden_act": "silu",
        "torch_dtype": "bfloat16", "tie_word_embeddings": false
    });
    let words = ["[UNK]", "The", "capital", "of", "France", "is"];
    let vocab: serde_json::Map<String, serde_json::Value> = words
        .iter()
        .enumerate()
        .map(|(i, w)| ((*w).to_owned(), i.into()))
        .collect();
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
        // Byte-level with its regex, as real repos ship: that code is warmed up too.
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
    });
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).map_err(|e| e.to_string());
    write("config.json", config.to_string())?;
    write("tokenizer.json", tokenizer.to_string())?;

    let head_dim = HIDDEN / HEADS;
    let mut shapes: Vec<(String, Vec<usize>, bool)> = vec![
        ("model.embed_tokens.weight".into(), vec![VOCAB, HIDDEN], false),
        ("model.norm.weight".into(), vec![HIDDEN], true),
        ("lm_head.weight".into(), vec![VOCAB, HIDDEN], false),
    ];
    let layer = "model.layers.0";
    for (name, shape, ones) in [
        ("self_attn.q_proj", vec![HIDDEN, HIDDEN], false),
        ("self_attn.k_proj", vec![KV_HEADS * head_dim, HIDDEN], false),
        ("self_attn.v_proj", vec![KV_HEADS * head_dim, HIDDEN], false),
        ("self_attn.o_proj", vec![HIDDEN, HIDDEN], false),
        ("mlp.gate_proj", vec![INTERMEDIATE, HIDDEN], false),
        ("mlp.up_proj", vec![INTERMEDIATE, HIDDEN], false),
        ("mlp.down_proj", vec![HIDDEN, INTERMEDIATE], false),
        ("input_layernorm", vec![HIDDEN], true),
        ("post_attention_layernorm", vec![HIDDEN], true),
    ] {
        shapes.push((format!("{layer}.{name}.weight"), shape, ones));
    }
    // A small linear congruential sequence: deterministic filler in ±0.05, enough for finite logits.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = shapes
        .into_iter()
        .map(|(name, shape, ones)| {
            let n: usize = shape.iter().product();
            let bytes = (0..n)
                .flat_map(|_| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    let x = if ones {
                        1.0
                    } else {
                        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.1
                    };
                    bf16::from_f32(x).to_le_bytes()
                })
                .collect();
            (name, shape, bytes)
        })
        .collect();
    let views = data
        .iter()
        .map(|(name, shape, bytes)| TensorView::new(Dtype::BF16, shape.clone(), bytes).map(|view| (name.clone(), view)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    safetensors::tensor::serialize_to_file(views, None, &dir.join("model.safetensors")).map_err(|e| e.to_string())
}
