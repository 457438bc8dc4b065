//! Load-time benchmark on the 254 M-parameter Llama shape (hidden 1024, intermediate 2816, 16 layers, 16 heads,
//! 8 KV heads, vocab 32000, bf16, 2 shards; written by the test support's repo builder on first use).
//!
//! Usage: `cargo run --release -p millm-gpu-worker --example quant_bench [MODEL_DIR]`
//! Prints the load time of FP16, Q8 and Q4 (best of three), the time of the check pass after it, the bytes held
//! and the resident-set growth. Targets on 2 cores: Q8 and Q4 within transformers' `from_pretrained(dtype=bf16)` time
//! (about 2.3 s here), FP16 within half of it.

use std::path::PathBuf;

use millm_gpu_worker::measure::resident_bytes;
use millm_gpu_worker::tokenize::load_tokenizer;
use millm_gpu_worker::{Device, LoadedModel, Quant};
use millm_test_support::{LlamaShape, RepoBuilder, cached_repo};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As the worker does, so these figures are the worker's.
    millm_gpu_worker::openmp::ensure_passive_wait();
    let dir = match std::env::args().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => cached_repo("bench-254m", |dir| {
            RepoBuilder::new(dir).llama(LlamaShape::bench_small()).shards(2)
        })?,
    };
    println!(
        "model: {} ({} params)",
        dir.display(),
        LlamaShape::bench_small().parameters()
    );
    let tokenizer = load_tokenizer(&dir)?;
    println!(
        "threads: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    for quant in [Quant::Fp16, Quant::Q8, Quant::Q4] {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let before = resident_bytes().unwrap_or(0);
            let t = Instant::now();
            let model = LoadedModel::load(&dir, quant, Device::Cpu, None, &|_, _| {}, &|| false)?;
            let secs = t.elapsed().as_secs_f64();
            let t = Instant::now();
            model.check_pass(&tokenizer)?;
            let check = t.elapsed().as_secs_f64();
            best = best.min(secs);
            let growth = resident_bytes().unwrap_or(0).saturating_sub(before);
            println!(
                "{:>4}: load {secs:.2} s (then check pass {check:.2} s), weights {:.1} MiB, RSS growth {:.1} MiB",
                quant.as_str(),
                mib(model.weight_bytes()),
                mib(growth)
            );
        }
        println!("{:>4}: best {best:.2} s", quant.as_str());
    }
    Ok(())
}
