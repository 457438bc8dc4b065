//! Shared by the integration tests: the tiny fixture models (generated once per script version by
//! tests/fixtures/gen_tiny_models.py under the target dir, behind a file lock), their reference logits, and small
//! numeric helpers.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use millm_gpu_worker::{Device, Kind, LoadOptions, LoadedModel, Quant, Tensor};
use sha2::{Digest, Sha256};

/// The fixture architectures, as the script names them.
pub const FIXTURES: [&str; 6] = ["llama", "llama_tied", "mistral", "qwen2", "gemma2", "gpt2"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder holding every fixture repo, generated on first use. Keyed by a hash of the script, so an edited
/// script regenerates; the lock keeps parallel test binaries from generating it twice.
pub fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = repo_root().join("tests/fixtures/gen_tiny_models.py");
        let text = std::fs::read(&script).expect("read tests/fixtures/gen_tiny_models.py");
        let hash: String = Sha256::digest(&text)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(base).expect("create the target tmp dir");
        let dir = base.join(format!("tiny-models-{hash}"));
        let lock = File::create(base.join(format!("tiny-models-{hash}.lock"))).expect("create the lock file");
        lock.lock().expect("lock the fixture folder");
        if !dir.join(".complete").exists() {
            let python = repo_root().join(".venv/bin/python");
            assert!(
                python.exists(),
                "{} is missing: create the venv (torch 2.13, transformers, bitsandbytes) to generate the fixtures",
                python.display()
            );
            let out = Command::new(&python)
                .arg(&script)
                .arg(&dir)
                .env("TRANSFORMERS_VERBOSITY", "error")
                .env("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                .output()
                .expect("run gen_tiny_models.py");
            let log = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "gen_tiny_models.py failed ({}):\n{log}",
                out.status
            );
        }
        dir
    })
}

pub fn repo(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// A writable copy of a fixture repo.
pub fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(repo(name)).expect("fixture") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

/// The reference tensors of a fixture: `ids`, and `f32`, `bf16`, `q8`, `q4` logits (`[seq, vocab]`, and `_last`).
pub fn reference(name: &str) -> std::collections::HashMap<String, Tensor> {
    let path = fixtures().join(format!("{name}.ref/ref.safetensors"));
    Tensor::read_safetensors(&path)
        .expect("read the reference logits")
        .into_iter()
        .collect()
}

pub fn load(name: &str, quant: Quant, plain_kind: Option<Kind>) -> LoadedModel {
    let opts = LoadOptions {
        quant,
        device: Device::Cpu,
        limit_bytes: None,
        plain_kind,
    };
    LoadedModel::load_with(&repo(name), opts, &|_, _| {}, &|| false).unwrap_or_else(|e| panic!("load {name}: {e}"))
}

pub fn ids_of(t: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(t).expect("token ids")
}

pub fn max_abs(t: &Tensor) -> f64 {
    t.abs().max().double_value(&[])
}

pub fn cosine(a: &Tensor, b: &Tensor) -> f64 {
    let (a, b) = (a.to_kind(Kind::Double), b.to_kind(Kind::Double));
    (a.dot(&b) / (a.norm() * b.norm())).double_value(&[])
}
