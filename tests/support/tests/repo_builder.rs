//! The repo builder on its own: layout, determinism, sharding, speed-relevant properties and the build cache.

use std::collections::BTreeMap;
use std::path::Path;

use millm_test_support::{BuildError, LlamaShape, RepoBuilder, cached_repo};
use serde_json::Value;

/// Removes a cached repo with its fingerprint and lock files.
fn remove_cached(dir: &Path) {
    std::fs::remove_dir_all(dir).expect("remove repo");
    for suffix in ["fingerprint", "lock"] {
        std::fs::remove_file(dir.with_extension(suffix)).expect("remove side file");
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

/// Tensor name → (dtype, shape) from a safetensors header, checking the data section is exactly covered.
fn header(path: &Path) -> BTreeMap<String, (String, Vec<u64>)> {
    let bytes = std::fs::read(path).expect("read");
    let len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    assert_eq!(len % 8, 0, "header is padded to 8 bytes");
    let header: serde_json::Map<String, Value> = serde_json::from_slice(&bytes[8..8 + len]).expect("header");
    let mut tensors = BTreeMap::new();
    let mut covered = 0;
    for (name, info) in header.iter().filter(|(n, _)| *n != "__metadata__") {
        let offsets: Vec<u64> = info["data_offsets"]
            .as_array()
            .expect("offsets")
            .iter()
            .map(|o| o.as_u64().expect("u64"))
            .collect();
        let shape: Vec<u64> = info["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|d| d.as_u64().expect("u64"))
            .collect();
        assert_eq!(offsets[1] - offsets[0], 2 * shape.iter().product::<u64>(), "{name}");
        covered += offsets[1] - offsets[0];
        tensors.insert(name.clone(), (info["dtype"].as_str().expect("dtype").to_owned(), shape));
    }
    assert_eq!(
        8 + len as u64 + covered,
        bytes.len() as u64,
        "data section is exactly the tensors"
    );
    tensors
}

#[test]
fn bench_shapes_have_the_advertised_parameter_counts() {
    assert_eq!(LlamaShape::tiny().parameters(), 156_480);
    assert_eq!(LlamaShape::bench_small().parameters(), 254_313_472);
    assert_eq!(LlamaShape::bench_large().parameters(), 1_263_634_432);
}

#[test]
fn a_single_shard_repo_has_config_tokenizer_and_model_safetensors() {
    // Arrange
    let dir = tempfile::tempdir().expect("tmp");

    // Act
    let built = RepoBuilder::new(dir.path())
        .llama(LlamaShape::tiny())
        .extra_file("docs/README.md", "hi")
        .build()
        .expect("build");

    // Assert
    let names: Vec<&str> = built.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "config.json",
            "docs/README.md",
            "generation_config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json",
        ]
    );
    for (name, size) in &built.files {
        assert_eq!(
            std::fs::metadata(dir.path().join(name)).expect("stat").len(),
            *size,
            "{name}"
        );
    }
    let config = read_json(&dir.path().join("config.json"));
    assert_eq!(config["architectures"][0], "LlamaForCausalLM");
    assert_eq!(config["model_type"], "llama");
    assert_eq!(config["torch_dtype"], "bfloat16");
    assert_eq!(config["tie_word_embeddings"], false);
    assert_eq!(config["num_key_value_heads"], 2);
    let tensors = header(&dir.path().join("model.safetensors"));
    assert!(tensors.values().all(|(dtype, _)| dtype == "BF16"));
    assert_eq!(tensors["model.layers.0.self_attn.q_proj.weight"].1, [64, 64]);
    assert_eq!(tensors["model.layers.1.mlp.gate_proj.weight"].1, [172, 64]);
    assert_eq!(tensors["model.norm.weight"].1, [64]);
    assert_eq!(built.total_params, LlamaShape::tiny().parameters());
}

#[test]
fn sharded_repos_have_an_index_covering_every_tensor_once() {
    // Arrange
    let dir = tempfile::tempdir().expect("tmp");

    // Act
    let built = RepoBuilder::new(dir.path())
        .llama(LlamaShape::tiny())
        .shards(4)
        .build()
        .expect("build");

    // Assert
    let index = read_json(&dir.path().join("model.safetensors.index.json"));
    let weight_map = index["weight_map"].as_object().expect("weight map");
    let mut seen = BTreeMap::new();
    for i in 1..=4 {
        let name = format!("model-{i:05}-of-00004.safetensors");
        let tensors = header(&dir.path().join(&name));
        assert!(!tensors.is_empty(), "{name} is empty");
        for tensor in tensors.keys() {
            assert_eq!(weight_map[tensor], name.as_str());
            assert!(seen.insert(tensor.clone(), ()).is_none(), "{tensor} twice");
        }
    }
    assert_eq!(seen.len(), weight_map.len());
    assert_eq!(index["metadata"]["total_size"], 2 * built.total_params);
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    // Arrange
    let (a, b, c) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
        tempfile::tempdir().expect("c"),
    );
    let build = |dir: &Path, seed| {
        RepoBuilder::new(dir)
            .llama(LlamaShape::tiny())
            .seed(seed)
            .build()
            .expect("build")
    };

    // Act
    build(a.path(), 7);
    build(b.path(), 7);
    build(c.path(), 8);

    // Assert
    let weights = |dir: &tempfile::TempDir| std::fs::read(dir.path().join("model.safetensors")).expect("read");
    assert_eq!(weights(&a), weights(&b));
    assert_ne!(weights(&a), weights(&c));
}

#[test]
fn more_shards_than_tensors_is_an_error() {
    let dir = tempfile::tempdir().expect("tmp");

    let result = RepoBuilder::new(dir.path())
        .llama(LlamaShape::tiny())
        .shards(100)
        .build();

    assert!(
        matches!(result, Err(BuildError::InvalidShards { shards: 100, .. })),
        "{result:?}"
    );
}

#[test]
fn cached_repo_builds_once_and_rebuilds_when_the_recipe_changes() {
    // Arrange
    let name = format!("cache-test-{}", std::process::id());
    let recipe = |text: &'static str| move |dir: &Path| RepoBuilder::new(dir).extra_file("a.txt", text);

    // Act
    let first = cached_repo(&name, recipe("one")).expect("first");
    let modified = std::fs::metadata(first.join("a.txt"))
        .expect("stat")
        .modified()
        .expect("mtime");
    let again = cached_repo(&name, recipe("one")).expect("again");
    let unchanged = std::fs::metadata(again.join("a.txt"))
        .expect("stat")
        .modified()
        .expect("mtime");
    let changed = cached_repo(&name, recipe("two")).expect("changed");

    // Assert
    assert_eq!(first, again);
    assert_eq!(modified, unchanged, "an up-to-date repo is not rebuilt");
    assert_eq!(std::fs::read_to_string(changed.join("a.txt")).expect("read"), "two");
    assert!(first.starts_with(millm_test_support::workspace::target_dir().join("test-repos")));
    remove_cached(&changed);
}

#[test]
fn cached_repo_refuses_a_builder_for_another_directory() {
    let result = cached_repo("foreign-dir-test", |_| RepoBuilder::new("/tmp/elsewhere"));

    assert!(matches!(result, Err(BuildError::ForeignDir { .. })), "{result:?}");
}

#[test]
fn parallel_cached_repo_calls_agree_on_one_build() {
    // Arrange
    let name = format!("parallel-test-{}", std::process::id());

    // Act
    let paths: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| cached_repo(&name, |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny()).shards(2)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("build"))
            .collect()
    });

    // Assert
    assert!(paths.windows(2).all(|w| w[0] == w[1]));
    assert!(paths[0].join("model-00002-of-00002.safetensors").is_file());
    remove_cached(&paths[0]);
}

/// Slow and disk-hungry (2.5 GB), so opt-in: `cargo test -p millm-test-support --test repo_builder -- --ignored`.
#[test]
#[ignore = "writes and hashes 2.5 GB"]
fn a_bench_large_repo_builds_and_indexes_in_seconds() {
    // Arrange
    let dir = tempfile::tempdir().expect("tmp");
    let started = std::time::Instant::now();

    // Act
    let built = RepoBuilder::new(dir.path())
        .llama(LlamaShape::bench_large())
        .shards(2)
        .build()
        .expect("build");
    let build_time = started.elapsed();
    let hub = millm_test_support::FakeHub::start_blocking();
    let indexed = std::time::Instant::now();
    hub.add_repo("org/large", dir.path(), Default::default()).expect("add");
    let index_time = indexed.elapsed();

    // Assert
    eprintln!(
        "built {} bytes in {build_time:?}, indexed in {index_time:?}",
        built.files.iter().map(|f| f.1).sum::<u64>()
    );
    assert_eq!(built.total_params, LlamaShape::bench_large().parameters());
    assert!(build_time.as_secs() < 20, "build took {build_time:?}");
}
