//! The reference Python clients against our output: `huggingface_hub` downloading from the fake hub, and
//! `tokenizers`, `safetensors` and `transformers` loading built repos. These fail, never skip, without Python.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;

use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions};
use serde_json::Value;

use common::run_python;

const HUB_SCRIPT: &str = r#"
import json, sys
from huggingface_hub import HfApi, snapshot_download
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

repo, gated, missing = sys.argv[1:4]
out = {"path": snapshot_download(repo)}
info = HfApi().model_info(repo, files_metadata=True)
out["sha"] = info.sha
out["total"] = info.safetensors.total
out["parameters"] = info.safetensors.parameters
out["siblings"] = {s.rfilename: s.size for s in info.siblings}
for key, repo_id, expected in [("gated", gated, GatedRepoError), ("missing", missing, RepositoryNotFoundError)]:
    try:
        snapshot_download(repo_id)
        out[key] = "no error"
    except expected:
        out[key] = expected.__name__
    except Exception as error:
        out[key] = f"{type(error).__name__}: {error}"
print(json.dumps(out))
"#;

fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("prefix")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, std::fs::read(&path).expect("read file"));
            }
        }
    }
    files
}

#[test]
fn huggingface_hub_downloads_an_identical_snapshot_and_reads_the_parameter_count() {
    // Arrange
    let source = tempfile::tempdir().expect("tmp");
    let built = RepoBuilder::new(source.path())
        .llama(LlamaShape::tiny())
        .shards(2)
        .extra_file("README.md", "# tiny\n")
        .build()
        .expect("build");
    let hub = FakeHub::start_blocking();
    let commit = hub
        .add_repo("org/tiny", source.path(), RepoOptions::default())
        .expect("add")
        .commit;
    let gated = RepoOptions {
        gated: true,
        allowed_tokens: vec!["hf_ok".into()],
        ..Default::default()
    };
    hub.add_repo("org/gated", source.path(), gated).expect("add gated");
    let cache = tempfile::tempdir().expect("cache");
    let home = cache.path().join("home");
    let hub_cache = cache.path().join("hub");
    let env = [
        ("HF_ENDPOINT", hub.url()),
        ("HF_HOME", home.display().to_string()),
        ("HF_HUB_CACHE", hub_cache.display().to_string()),
        ("HF_HUB_DISABLE_XET", "1".into()),
        ("HF_HUB_DISABLE_TELEMETRY", "1".into()),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // Act
    let stdout = run_python(HUB_SCRIPT, &["org/tiny", "org/gated", "org/missing"], &env);

    // Assert
    let out: Value = serde_json::from_str(stdout.trim().lines().last().expect("output")).expect("json");
    let snapshot = Path::new(out["path"].as_str().expect("path"));
    assert!(
        snapshot.ends_with(format!("models--org--tiny/snapshots/{commit}")),
        "{snapshot:?}"
    );
    let downloaded = files_under(snapshot);
    let original = files_under(source.path());
    assert_eq!(
        downloaded.keys().collect::<Vec<_>>(),
        original.keys().collect::<Vec<_>>()
    );
    assert!(downloaded == original, "downloaded files differ from the source");
    assert!(original.contains_key("model-00002-of-00002.safetensors"));

    assert_eq!(out["sha"], commit.as_str());
    assert_eq!(out["total"], built.total_params);
    assert_eq!(out["parameters"]["BF16"], built.total_params);
    for (name, size) in &built.files {
        assert_eq!(out["siblings"][name], *size, "{name}");
    }
    assert_eq!(out["gated"], "GatedRepoError");
    assert_eq!(out["missing"], "RepositoryNotFoundError");
}

const BUILDER_SCRIPT: &str = r#"
import json, sys, torch
from safetensors import safe_open
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer

repo, files = sys.argv[1], sys.argv[2:]
out = {"shapes": {}, "finite": True, "max_abs": 0.0}
for name in files:
    with safe_open(f"{repo}/{name}", framework="pt") as f:
        for key in f.keys():
            t = f.get_tensor(key)
            out["shapes"][key] = list(t.shape)
            out["finite"] &= bool(torch.isfinite(t).all())
            out["max_abs"] = max(out["max_abs"], float(t.abs().max()))
            assert t.dtype == torch.bfloat16, (key, t.dtype)

tok = Tokenizer.from_file(f"{repo}/tokenizer.json")
enc = tok.encode("hello there, the world")
out["ids"] = enc.ids
out["decoded"] = tok.decode(enc.ids, skip_special_tokens=True)
out["tok_vocab"] = tok.get_vocab_size()

model, info = AutoModelForCausalLM.from_pretrained(repo, dtype=torch.bfloat16, output_loading_info=True)
out["missing_keys"] = sorted(info["missing_keys"])
out["unexpected_keys"] = sorted(info["unexpected_keys"])
hf_tok = AutoTokenizer.from_pretrained(repo)
ids = hf_tok("hello world", return_tensors="pt").input_ids
with torch.no_grad():
    logits = model(ids).logits
out["logits_finite"] = bool(torch.isfinite(logits).all())
out["logits_shape"] = list(logits.shape)
print(json.dumps(out))
"#;

#[test]
fn built_repos_load_in_tokenizers_safetensors_and_transformers() {
    // Arrange
    let dir = tempfile::tempdir().expect("tmp");
    let shape = LlamaShape::tiny();
    let built = RepoBuilder::new(dir.path())
        .llama(shape)
        .shards(3)
        .build()
        .expect("build");
    let shards: Vec<&str> = built
        .files
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|n| n.ends_with(".safetensors"))
        .collect();
    let mut args = vec![dir.path().to_str().expect("utf-8 path")];
    args.extend(&shards);

    // Act
    let stdout = run_python(
        BUILDER_SCRIPT,
        &args,
        &[("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_VERBOSITY", "error")],
    );

    // Assert
    let out: Value = serde_json::from_str(stdout.trim().lines().last().expect("output")).expect("json");
    assert_eq!(
        shards,
        [
            "model-00001-of-00003.safetensors",
            "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors"
        ]
    );
    let shapes = out["shapes"].as_object().expect("shapes");
    let kv = shape.kv_heads * shape.hidden / shape.heads;
    assert_eq!(
        shapes["model.embed_tokens.weight"],
        serde_json::json!([shape.vocab, shape.hidden])
    );
    assert_eq!(
        shapes["model.layers.1.self_attn.k_proj.weight"],
        serde_json::json!([kv, shape.hidden])
    );
    assert_eq!(
        shapes["model.layers.0.mlp.down_proj.weight"],
        serde_json::json!([shape.hidden, shape.intermediate])
    );
    assert_eq!(shapes["lm_head.weight"], serde_json::json!([shape.vocab, shape.hidden]));
    assert_eq!(shapes.len(), 3 + 9 * shape.layers);
    let params: u64 = shapes
        .values()
        .map(|s| {
            s.as_array()
                .expect("dims")
                .iter()
                .map(|d| d.as_u64().expect("dim"))
                .product::<u64>()
        })
        .sum();
    assert_eq!(params, built.total_params);
    assert_eq!(out["finite"], true);
    assert!(out["max_abs"].as_f64().expect("max") <= 1.0);

    assert_eq!(out["ids"][0], 1, "the template adds <s>");
    assert_eq!(out["decoded"], "hello there, the world");
    assert!(out["tok_vocab"].as_u64().expect("vocab") <= shape.vocab as u64);

    assert_eq!(out["missing_keys"], serde_json::json!([]));
    assert_eq!(out["unexpected_keys"], serde_json::json!([]));
    assert_eq!(out["logits_finite"], true);
    assert_eq!(out["logits_shape"][2], shape.vocab);
}
