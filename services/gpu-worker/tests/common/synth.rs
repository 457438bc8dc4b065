//! Writes a synthetic Llama repo (random bf16 weights, config.json, a minimal tokenizer.json, optional shards with
//! an index) straight from Rust, for tests and benchmarks that need a model bigger than the tiny fixtures.
//! The safetensors files are written by hand: an 8-byte header length, the JSON header, then the raw data.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The shape of the synthetic model.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub hidden: usize,
    pub intermediate: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub vocab: usize,
    pub shards: usize,
}

impl Shape {
    /// The 254 M-parameter Llama of the benchmark.
    pub const BENCH: Self = Self {
        hidden: 1024,
        intermediate: 2816,
        layers: 16,
        heads: 16,
        kv_heads: 8,
        vocab: 32000,
        shards: 2,
    };

    fn tensors(&self) -> Vec<(String, Vec<usize>)> {
        let (h, i, d) = (self.hidden, self.intermediate, self.hidden / self.heads);
        let mut out = vec![("model.embed_tokens.weight".to_string(), vec![self.vocab, h])];
        for l in 0..self.layers {
            let p = format!("model.layers.{l}");
            out.push((format!("{p}.input_layernorm.weight"), vec![h]));
            out.push((format!("{p}.post_attention_layernorm.weight"), vec![h]));
            out.push((format!("{p}.self_attn.q_proj.weight"), vec![self.heads * d, h]));
            out.push((format!("{p}.self_attn.k_proj.weight"), vec![self.kv_heads * d, h]));
            out.push((format!("{p}.self_attn.v_proj.weight"), vec![self.kv_heads * d, h]));
            out.push((format!("{p}.self_attn.o_proj.weight"), vec![h, self.heads * d]));
            out.push((format!("{p}.mlp.gate_proj.weight"), vec![i, h]));
            out.push((format!("{p}.mlp.up_proj.weight"), vec![i, h]));
            out.push((format!("{p}.mlp.down_proj.weight"), vec![h, i]));
        }
        out.push(("model.norm.weight".to_string(), vec![h]));
        out.push(("lm_head.weight".to_string(), vec![self.vocab, h]));
        out
    }

    pub fn params(&self) -> usize {
        self.tensors().iter().map(|(_, s)| s.iter().product::<usize>()).sum()
    }
}

/// `n` pseudo-random values uniform in [-1, 1), from a xorshift generator seeded with `seed`.
pub fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        })
        .collect()
}

/// Appends random bf16 bits, within ±0.06 (norm weights around 1).
fn fill(n: usize, seed: u64, norm: bool, out: &mut Vec<u8>) {
    out.reserve(n * 2);
    for u in uniform(n, seed) {
        let v = if norm { 1.0 + 0.1 * u } else { 0.06 * u };
        out.extend_from_slice(&half::bf16::from_f32(v).to_bits().to_le_bytes());
    }
}

/// Writes the repo into `dir` (created if needed).
pub fn write_llama(dir: &Path, shape: Shape) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let config = format!(
        r#"{{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": {}, "intermediate_size": {},
"num_hidden_layers": {}, "num_attention_heads": {}, "num_key_value_heads": {}, "vocab_size": {},
"rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 2048, "hidden_act": "silu",
"tie_word_embeddings": false, "torch_dtype": "bfloat16"}}"#,
        shape.hidden, shape.intermediate, shape.layers, shape.heads, shape.kv_heads, shape.vocab
    );
    std::fs::write(dir.join("config.json"), config)?;
    let tokenizer = r#"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
"pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
"model": {"type": "WordLevel", "vocab": {"<unk>": 0, "The": 1, "capital": 2, "of": 3, "France": 4, "is": 5},
"unk_token": "<unk>"}}"#;
    std::fs::write(dir.join("tokenizer.json"), tokenizer)?;
    let tensors = shape.tensors();
    let per_shard = tensors.len().div_ceil(shape.shards);
    let mut weight_map = BTreeMap::new();
    for (k, chunk) in tensors.chunks(per_shard).enumerate() {
        let file = if shape.shards == 1 {
            "model.safetensors".to_string()
        } else {
            format!("model-{:05}-of-{:05}.safetensors", k + 1, shape.shards)
        };
        let mut header = BTreeMap::new();
        let mut data = Vec::new();
        for (j, (name, dims)) in chunk.iter().enumerate() {
            let start = data.len();
            fill(dims.iter().product(), (k * 1000 + j) as u64, dims.len() == 1, &mut data);
            header.insert(
                name.clone(),
                format!(
                    r#"{{"dtype":"BF16","shape":{dims:?},"data_offsets":[{start},{}]}}"#,
                    data.len()
                ),
            );
            weight_map.insert(name.clone(), file.clone());
        }
        let body: Vec<String> = header.iter().map(|(n, v)| format!("\"{n}\":{v}")).collect();
        let mut json = format!("{{{}}}", body.join(","));
        while json.len() % 8 != 0 {
            json.push(' ');
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(&file))?);
        f.write_all(&(json.len() as u64).to_le_bytes())?;
        f.write_all(json.as_bytes())?;
        f.write_all(&data)?;
        f.flush()?;
    }
    if shape.shards > 1 {
        let body: Vec<String> = weight_map.iter().map(|(n, f)| format!("\"{n}\":\"{f}\"")).collect();
        let index = format!("{{\"metadata\":{{}},\"weight_map\":{{{}}}}}", body.join(","));
        std::fs::write(dir.join("model.safetensors.index.json"), index)?;
    }
    Ok(())
}
