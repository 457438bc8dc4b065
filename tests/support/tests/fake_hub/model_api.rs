//! The JSON API: model info, safetensors parameter counts and the paginated tree.

use millm_test_support::{FakeHub, RepoOptions};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{DATA_LEN, SampleRepo, git_blob_sha1, sha256_hex};
use crate::support::{REPO, get, header, hub_with_sample};

#[tokio::test]
async fn the_commit_is_forty_hex_digits_and_stable_for_the_same_files() {
    // Arrange
    let sample = SampleRepo::new();
    let hub = FakeHub::start().await;

    // Act
    let first = hub.add_repo(REPO, sample.path(), RepoOptions::default()).expect("add");
    let second = hub
        .add_repo(REPO, sample.path(), RepoOptions::default())
        .expect("re-add");

    // Assert
    assert_eq!(first.commit.len(), 40);
    assert!(
        first
            .commit
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(first, second);
}

#[tokio::test]
async fn model_info_describes_files_lfs_config_and_parameters() {
    // Arrange
    let (hub, sample, commit) = hub_with_sample(RepoOptions::default()).await;
    let weights = sample.bytes("model.safetensors");

    // Act
    let plain: Value = get(format!("{}/api/models/{REPO}", hub.url()))
        .await
        .json()
        .await
        .expect("json");
    let blobs: Value = get(format!("{}/api/models/{REPO}/revision/main?blobs=true", hub.url()))
        .await
        .json()
        .await
        .expect("json");

    // Assert
    assert_eq!(plain["id"], REPO);
    assert_eq!(plain["sha"], commit.as_str());
    assert_eq!(plain["gated"], false);
    assert_eq!(plain["private"], false);
    assert_eq!(plain["config"]["model_type"], "llama");
    assert_eq!(plain["config"]["architectures"][0], "LlamaForCausalLM");
    assert!(
        plain["config"].get("hidden_size").is_none(),
        "config is a summary, as on the hub"
    );
    let names: Vec<&str> = plain["siblings"]
        .as_array()
        .expect("siblings")
        .iter()
        .map(|s| s["rfilename"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "README.md",
            "big.txt",
            "config.json",
            "model.safetensors",
            "nested/deeper/notes.txt"
        ]
    );
    assert!(plain["siblings"][0].get("size").is_none(), "sizes only with blobs=true");

    let lfs = blobs["siblings"]
        .as_array()
        .expect("siblings")
        .iter()
        .find(|s| s["rfilename"] == "model.safetensors")
        .expect("weights");
    assert_eq!(lfs["size"], DATA_LEN);
    assert_eq!(lfs["lfs"]["sha256"], sha256_hex(&weights));
    assert_eq!(lfs["lfs"]["size"], DATA_LEN);
    let readme = blobs["siblings"]
        .as_array()
        .expect("siblings")
        .iter()
        .find(|s| s["rfilename"] == "README.md")
        .expect("readme");
    assert_eq!(readme["blobId"], git_blob_sha1(&sample.bytes("README.md")));
    assert!(readme.get("lfs").is_none());
}

#[tokio::test]
async fn safetensors_parameters_are_counted_per_dtype_from_headers() {
    // Arrange
    let dir = tempfile::tempdir().expect("tmp");
    let built = millm_test_support::RepoBuilder::new(dir.path())
        .llama(millm_test_support::LlamaShape::tiny())
        .shards(2)
        .build()
        .expect("build");
    let hub = FakeHub::start().await;
    hub.add_repo("org/tiny", dir.path(), RepoOptions::default())
        .expect("add");

    // Act
    let info: Value = get(format!("{}/api/models/org/tiny", hub.url()))
        .await
        .json()
        .await
        .expect("json");

    // Assert
    assert_eq!(info["safetensors"]["total"], built.total_params);
    assert_eq!(info["safetensors"]["parameters"]["BF16"], built.total_params);
}

#[tokio::test]
async fn a_repo_without_safetensors_has_no_safetensors_field() {
    // Arrange
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("README.md"), "x").expect("write");
    let hub = FakeHub::start().await;
    hub.add_repo("org/plain", dir.path(), RepoOptions::default())
        .expect("add");

    // Act
    let info: Value = get(format!("{}/api/models/org/plain", hub.url()))
        .await
        .json()
        .await
        .expect("json");

    // Assert
    assert!(info.get("safetensors").is_none());
    assert!(info.get("config").is_none());
}

#[tokio::test]
async fn the_recursive_tree_lists_files_with_lfs_oids_and_directories() {
    // Arrange
    let (hub, sample, _) = hub_with_sample(RepoOptions::default()).await;

    // Act
    let tree: Value = get(format!("{}/api/models/{REPO}/tree/main?recursive=true", hub.url()))
        .await
        .json()
        .await
        .expect("json");

    // Assert
    let entries = tree.as_array().expect("array");
    let paths: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["type"].as_str().expect("type"), e["path"].as_str().expect("path")))
        .collect();
    assert_eq!(
        paths,
        [
            ("file", "README.md"),
            ("file", "big.txt"),
            ("file", "config.json"),
            ("file", "model.safetensors"),
            ("directory", "nested"),
            ("directory", "nested/deeper"),
            ("file", "nested/deeper/notes.txt"),
        ]
    );
    let big = &entries[1];
    assert_eq!(
        big["lfs"]["oid"],
        sha256_hex(&sample.bytes("big.txt")),
        "files over 1 MiB are LFS"
    );
    assert_eq!(big["size"], 1024 * 1024 + 1);
    assert!(big["lfs"]["pointerSize"].as_u64().is_some_and(|n| n > 100));
    assert_eq!(entries[0]["oid"], git_blob_sha1(&sample.bytes("README.md")));
}

#[tokio::test]
async fn a_non_recursive_tree_lists_only_the_top_level() {
    // Arrange
    let (hub, _sample, _) = hub_with_sample(RepoOptions::default()).await;

    // Act
    let tree: Value = get(format!("{}/api/models/{REPO}/tree/main", hub.url()))
        .await
        .json()
        .await
        .expect("json");

    // Assert
    let paths: Vec<&str> = tree
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        paths,
        ["README.md", "big.txt", "config.json", "model.safetensors", "nested"]
    );
}

#[tokio::test]
async fn the_tree_is_paginated_with_a_next_link() {
    // Arrange
    let (hub, _sample, commit) = hub_with_sample(RepoOptions::default()).await;
    hub.set_tree_page_size(3);
    let mut url = format!("{}/api/models/{REPO}/tree/{commit}?recursive=1", hub.url());
    let mut pages = Vec::new();

    // Act
    loop {
        let response = get(url.clone()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let next = header(&response, "link").map(str::to_owned);
        let page: Vec<Value> = response.json().await.expect("json");
        pages.push(page.len());
        match next {
            Some(link) => {
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                url = link[1..link.find('>').expect("bracket")].to_owned();
            }
            None => break,
        }
    }

    // Assert
    assert_eq!(pages, [3, 3, 1]);
}
