//! Llama weights as BF16 safetensors: tensor names and shapes, sharding, and fast deterministic data.
//!
//! Data comes from a seeded pool of valid small BF16 values, copied out in short windows at pseudo-random pool
//! offsets. Copying keeps multi-gigabyte builds at disk speed even in unoptimised test builds, and because windows
//! start at random offsets the stream never repeats with a period a downloader's chunking could line up with, so
//! misplaced chunks still change the file's hash.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{BuildError, LlamaShape, io_err};

const POOL_BYTES: usize = 4 * 1024 * 1024;
const WINDOW_BYTES: usize = 64 * 1024;
const WRITE_CHUNK: usize = 8 * 1024 * 1024;
/// BF16 1.0: RMSNorm weights start at one in real checkpoints.
const BF16_ONE: [u8; 2] = 0x3F80u16.to_le_bytes();

#[derive(Debug, Clone)]
pub(crate) struct TensorSpec {
    pub name: String,
    pub shape: Vec<usize>,
    /// Norm weights are ones; everything else is random.
    pub ones: bool,
}

impl TensorSpec {
    fn new(name: String, shape: Vec<usize>, ones: bool) -> Self {
        Self { name, shape, ones }
    }

    pub fn numel(&self) -> u64 {
        self.shape.iter().map(|d| *d as u64).product()
    }

    pub fn bytes(&self) -> u64 {
        self.numel() * 2
    }
}

/// The tensors of a Llama checkpoint, in the order transformers saves them.
pub(crate) fn llama_tensors(shape: &LlamaShape) -> Vec<TensorSpec> {
    let (h, i, v) = (shape.hidden, shape.intermediate, shape.vocab);
    let kv = shape.kv_heads * (shape.hidden / shape.heads);
    let mut tensors = vec![TensorSpec::new("model.embed_tokens.weight".into(), vec![v, h], false)];
    for layer in 0..shape.layers {
        let p = format!("model.layers.{layer}");
        tensors.extend([
            TensorSpec::new(format!("{p}.input_layernorm.weight"), vec![h], true),
            TensorSpec::new(format!("{p}.self_attn.q_proj.weight"), vec![h, h], false),
            TensorSpec::new(format!("{p}.self_attn.k_proj.weight"), vec![kv, h], false),
            TensorSpec::new(format!("{p}.self_attn.v_proj.weight"), vec![kv, h], false),
            TensorSpec::new(format!("{p}.self_attn.o_proj.weight"), vec![h, h], false),
            TensorSpec::new(format!("{p}.post_attention_layernorm.weight"), vec![h], true),
            TensorSpec::new(format!("{p}.mlp.gate_proj.weight"), vec![i, h], false),
            TensorSpec::new(format!("{p}.mlp.up_proj.weight"), vec![i, h], false),
            TensorSpec::new(format!("{p}.mlp.down_proj.weight"), vec![h, i], false),
        ]);
    }
    tensors.push(TensorSpec::new("model.norm.weight".into(), vec![h], true));
    tensors.push(TensorSpec::new("lm_head.weight".into(), vec![v, h], false));
    tensors
}

/// Splits tensors, in order, into `n` non-empty shards of roughly equal byte size.
pub(crate) fn split_shards(tensors: Vec<TensorSpec>, n: usize) -> Result<Vec<Vec<TensorSpec>>, BuildError> {
    if n == 0 || n > tensors.len() {
        return Err(BuildError::InvalidShards {
            shards: n,
            tensors: tensors.len(),
        });
    }
    let total: u64 = tensors.iter().map(TensorSpec::bytes).sum();
    let count = tensors.len();
    let mut shards: Vec<Vec<TensorSpec>> = vec![Vec::new(); n];
    let (mut current, mut written) = (0usize, 0u64);
    for (index, tensor) in tensors.into_iter().enumerate() {
        let shard_full = written * n as u64 >= total * (current as u64 + 1);
        // Leave at least one tensor for every shard still empty.
        let must_advance = count - index < n - current;
        if current + 1 < n && !shards[current].is_empty() && (shard_full || must_advance) {
            current += 1;
        }
        written += tensor.bytes();
        shards[current].push(tensor);
    }
    Ok(shards)
}

/// A xorshift64* generator: fast, seedable and good enough for filler data and test values.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        // A zero state would stay zero forever.
        Self(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value uniform in [-1, 1), from the top 24 bits.
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

/// FNV-1a, to derive per-tensor seeds from names so data does not depend on how tensors are sharded.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

pub(crate) struct Filler {
    pool: Vec<u8>,
    seed: u64,
}

impl Filler {
    pub fn new(seed: u64) -> Self {
        let mut rng = XorShift::new(seed);
        let mut pool = Vec::with_capacity(POOL_BYTES);
        while pool.len() < POOL_BYTES {
            // Four BF16 lanes: keep sign, mantissa and the low two exponent bits, force the rest of the exponent
            // so every value is finite with magnitude in [2^-7, 2^-3).
            let lanes = (rng.next_u64() & 0x81FF_81FF_81FF_81FF) | 0x3C00_3C00_3C00_3C00;
            pool.extend_from_slice(&lanes.to_le_bytes());
        }
        Self { pool, seed }
    }

    /// Writes the tensor's bytes to `out`.
    fn write_tensor(&self, tensor: &TensorSpec, out: &mut impl Write, scratch: &mut Vec<u8>) -> std::io::Result<()> {
        let mut rng = XorShift::new(self.seed ^ fnv1a(&tensor.name));
        let mut remaining = tensor.bytes();
        while remaining > 0 {
            let len = remaining.min(WRITE_CHUNK as u64) as usize;
            scratch.clear();
            if tensor.ones {
                while scratch.len() < len {
                    scratch.extend_from_slice(&BF16_ONE);
                }
            } else {
                while scratch.len() < len {
                    let window = WINDOW_BYTES.min(len - scratch.len());
                    let slots = (POOL_BYTES - window) / 2;
                    let start = (rng.next_u64() % slots as u64) as usize * 2;
                    scratch.extend_from_slice(&self.pool[start..start + window]);
                }
            }
            out.write_all(scratch)?;
            remaining -= len as u64;
        }
        Ok(())
    }
}

/// Writes one safetensors file holding `tensors`, returning its size.
pub(crate) fn write_safetensors(path: &Path, tensors: &[TensorSpec], filler: &Filler) -> Result<u64, BuildError> {
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), json!({ "format": "pt" }));
    let mut offset = 0u64;
    for tensor in tensors {
        let end = offset + tensor.bytes();
        header.insert(
            tensor.name.clone(),
            json!({ "dtype": "BF16", "shape": tensor.shape, "data_offsets": [offset, end] }),
        );
        offset = end;
    }
    let mut header = serde_json::to_vec(&Value::Object(header))?;
    // Pad with spaces to 8 bytes, as the reference writer does, so the data section stays aligned.
    header.resize(header.len().next_multiple_of(8), b' ');

    let file = File::create(path).map_err(io_err(path))?;
    let mut out = BufWriter::with_capacity(WRITE_CHUNK, file);
    let mut scratch = Vec::with_capacity(WRITE_CHUNK);
    let write = |out: &mut BufWriter<File>, scratch: &mut Vec<u8>| -> std::io::Result<()> {
        out.write_all(&(header.len() as u64).to_le_bytes())?;
        out.write_all(&header)?;
        for tensor in tensors {
            filler.write_tensor(tensor, out, scratch)?;
        }
        out.flush()
    };
    write(&mut out, &mut scratch).map_err(io_err(path))?;
    Ok(8 + header.len() as u64 + offset)
}

/// The `model.safetensors.index.json` of a sharded checkpoint.
pub(crate) fn index_json(shards: &[(String, Vec<TensorSpec>)]) -> Value {
    let mut weight_map = BTreeMap::new();
    let mut total_size = 0u64;
    for (file, tensors) in shards {
        for tensor in tensors {
            total_size += tensor.bytes();
            weight_map.insert(tensor.name.clone(), file.clone());
        }
    }
    json!({ "metadata": { "total_size": total_size }, "weight_map": weight_map })
}
