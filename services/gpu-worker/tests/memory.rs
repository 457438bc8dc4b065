//! Memory, measured in a process of its own (one test, so no other test allocates meanwhile): a load past
//! `DEVICE_MEMORY_LIMIT_MB` fails as OutOfMemory and gives its memory back; a successful load's resident-set growth
//! matches the bytes it reports.

use millm_gpu_worker::measure::resident_bytes;
use millm_gpu_worker::{Device, LoadError, LoadedModel, Quant};
use millm_test_support::{LlamaShape, RepoBuilder};

const MIB: f64 = 1024.0 * 1024.0;

#[test]
fn the_memory_limit_fails_cleanly_and_the_resident_set_tracks_the_weights() {
    let dir = tempfile::tempdir().expect("tempdir");
    // About 150 MiB of weights, so that the allocator's few MiB of slack stay small beside them.
    let shape = LlamaShape {
        hidden: 1024,
        intermediate: 2816,
        layers: 4,
        heads: 16,
        kv_heads: 8,
        vocab: 16000,
    };
    RepoBuilder::new(dir.path())
        .llama(shape)
        .shards(2)
        .build()
        .expect("write the synthetic model");
    let load = |quant, limit| LoadedModel::load(dir.path(), quant, Device::Cpu, limit, &|_, _| {}, &|| false);

    // Warm up libtorch (thread pools, kernel caches of the bf16 path) so that later readings only see the model.
    drop(load(Quant::Fp16, None).expect("warm-up load"));
    let before = resident_bytes().expect("VmRSS");
    let full = load(Quant::Fp16, None).expect("load");
    let weights = full.weight_bytes();
    let during = resident_bytes().expect("VmRSS");
    drop(full);
    let after_drop = resident_bytes().expect("VmRSS");
    let growth = during.saturating_sub(before) as f64;
    eprintln!(
        "FP16: weights {:.1} MiB, RSS growth {:.1} MiB, RSS after drop {:+.1} MiB",
        weights as f64 / MIB,
        growth / MIB,
        (after_drop as f64 - before as f64) / MIB
    );
    assert!(
        (growth - weights as f64).abs() <= 0.2 * weights as f64,
        "growth {growth} vs weights {weights}"
    );

    let limit = weights / 2;
    match load(Quant::Fp16, Some(limit)) {
        Err(LoadError::OutOfMemory { required_mb, limit_mb }) => {
            assert_eq!(limit_mb, limit >> 20);
            assert!(required_mb >= weights >> 20, "{required_mb} MiB");
        }
        other => panic!("expected OutOfMemory, got {:?}", other.err()),
    }
    // The failed load allocated about half the weights before it stopped; all of it must be back. Allocator state
    // moves the resident set by a few MiB between identical cycles, hence the tolerances.
    let after_oom = resident_bytes().expect("VmRSS");
    let kept = after_oom as f64 - after_drop as f64;
    let left = after_oom as f64 - before as f64;
    eprintln!(
        "after OutOfMemory: RSS {:+.1} MiB against after the drop, {:+.1} MiB against before",
        kept / MIB,
        left / MIB
    );
    assert!(kept < 0.1 * weights as f64, "the failed load kept {kept} bytes");
    assert!(
        left.abs() < 0.1 * weights as f64,
        "RSS left {left} bytes above the start"
    );
}
