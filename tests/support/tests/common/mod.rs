//! Fixtures shared by the integration tests.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::{Path, PathBuf};
use std::process::Command;

use millm_test_support::python;

/// 4 MiB: large enough for rate limits to be measurable and for several body chunks.
pub const DATA_LEN: usize = 4 * 1024 * 1024;

/// Deterministic bytes whose value at each offset differs from its neighbours, so shifts and flips show.
pub fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + i / 251) as u8).wrapping_add(salt))
        .collect()
}

/// A hand-made repo: an LFS weight file, an LFS-by-size text file, small git files and a nested directory.
pub struct SampleRepo {
    pub dir: tempfile::TempDir,
}

impl SampleRepo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write fixture");
        };
        write("model.safetensors", &pattern(DATA_LEN, 0));
        write("big.txt", &pattern(1024 * 1024 + 1, 7));
        write(
            "config.json",
            br#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8}"#,
        );
        write("README.md", b"# sample\n");
        write("nested/deeper/notes.txt", b"hello\n");
        SampleRepo { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path().join(name)).expect("read fixture")
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn git_blob_sha1(bytes: &[u8]) -> String {
    use sha1::Digest;
    let mut hasher = sha1::Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    hex::encode(hasher.finalize())
}

/// The project's Python; panics with the reason when it is missing, so Python-backed tests never pass vacuously.
pub fn python() -> PathBuf {
    match python::interpreter() {
        Ok(path) => path,
        Err(error) => panic!("{error}"),
    }
}

/// Runs a Python script with arguments and environment, returning stdout; panics with stderr on failure.
pub fn run_python(script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(python());
    command.arg("-c").arg(script).args(args);
    for key in ["HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT", "HUGGING_FACE_HUB_TOKEN"] {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("spawn python");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "python failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
