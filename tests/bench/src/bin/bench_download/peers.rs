//! The two peers a user would pick instead of miLLM, each verifying what it fetched:
//! - **hf_transfer**, driven as huggingface_hub 0.x drove it (`tests/bench/py/hf_transfer_peer.py`:
//!   8 files at a time, a HEAD per file that keeps the CDN redirect's URL, `hf_transfer.download`
//!   on it, then a sha256 pass), timed inside Python, imports excluded;
//! - **aria2c**, on the CDN URLs this module resolves (one HEAD per file, the redirect not
//!   followed), `-x 8 -s 8` and `checksum=sha-256=<hex>` per LFS file, then the small files
//!   checked against their git blob ids (`git hash-object`); timed from the hub listing to the last check.
//!
//! Neither is sent a token: the bench repos are public, and the CDN refuses one.

use millm_test_support::FakeHub;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::process::Command;

const HF_TRANSFER_PEER: &str = include_str!("../../../py/hf_transfer_peer.py");

/// One file of the repo as the hub's listing (`?blobs=true`) describes it.
struct HubFile {
    name: String,
    /// The LFS sha256; `None` for a small file, which the hub knows by its git blob id only.
    sha256: Option<String>,
    blob_id: String,
}

/// One HTTP client for every peer's hub calls, built before anything is timed; it does not follow
/// redirects, so the CDN's URL can be read from the 302.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

async fn listing(http: &reqwest::Client, hub: &FakeHub, repo_id: &str) -> Vec<HubFile> {
    let url = format!("{}/api/models/{repo_id}/revision/main?blobs=true", hub.url());
    let info: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
    let siblings = info["siblings"].as_array().expect("siblings");
    siblings
        .iter()
        .map(|s| HubFile {
            name: s["rfilename"].as_str().unwrap().to_owned(),
            sha256: s["lfs"]["sha256"].as_str().map(str::to_owned),
            blob_id: s["blobId"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// The URL to fetch `name` from: the CDN's when the hub redirects, the hub's own otherwise.
async fn resolve(http: &reqwest::Client, hub: &FakeHub, repo_id: &str, name: &str) -> String {
    let url = format!("{}/{repo_id}/resolve/main/{name}", hub.url());
    let answer = http.head(&url).send().await.unwrap();
    if answer.status().is_redirection() {
        let location = answer.headers()["location"].to_str().unwrap();
        return location.to_owned();
    }
    assert!(answer.status().is_success(), "HEAD {url}: {}", answer.status());
    url
}

/// aria2c's input file: each URL with its output name and, for an LFS file, its sha256.
fn aria2_input(files: &[HubFile], urls: &[String]) -> String {
    let mut input = String::new();
    for (file, url) in files.iter().zip(urls) {
        input.push_str(&format!("{url}\n  out={}\n", file.name));
        if let Some(sha256) = &file.sha256 {
            input.push_str(&format!("  checksum=sha-256={sha256}\n"));
        }
    }
    input
}

/// Checks the small files against their git blob ids, as a user would: one `git hash-object`.
async fn check_blob_ids(out: &Path, files: &[&HubFile]) {
    let run = Command::new("git")
        .arg("hash-object")
        .args(files.iter().map(|f| out.join(&f.name)))
        .output()
        .await
        .expect("git runs");
    assert!(run.status.success(), "git hash-object failed");
    let ids: Vec<String> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let expected: Vec<&str> = files.iter().map(|f| f.blob_id.as_str()).collect();
    assert_eq!(ids, expected, "aria2c wrote the wrong bytes for a small file");
}

pub async fn aria2c(http: &reqwest::Client, hub: &FakeHub, repo_id: &str, out: &Path) -> Duration {
    let started = Instant::now();
    let files = listing(http, hub, repo_id).await;
    let urls = futures::future::join_all(files.iter().map(|f| resolve(http, hub, repo_id, &f.name))).await;
    let input = out.join(".aria2-input");
    std::fs::write(&input, aria2_input(&files, &urls)).unwrap();
    let run = Command::new("aria2c")
        .args(["-x", "8", "-s", "8", "-j", &files.len().to_string()])
        // falloc, as miLLM reserves a file's blocks; aria2c's default (prealloc) writes zeros first.
        .args([
            "--file-allocation=falloc",
            "--allow-overwrite=true",
            "--auto-file-renaming=false",
        ])
        .args([
            "--console-log-level=error",
            "--summary-interval=0",
            "--download-result=hide",
        ])
        .arg("-d")
        .arg(out)
        .arg("-i")
        .arg(&input)
        .output()
        .await
        .expect("aria2c runs (make aria2 installs it)");
    assert!(
        run.status.success(),
        "aria2c failed: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let small: Vec<&HubFile> = files.iter().filter(|f| f.sha256.is_none()).collect();
    if !small.is_empty() {
        check_blob_ids(out, &small).await;
    }
    let elapsed = started.elapsed();
    std::fs::remove_file(input).unwrap();
    elapsed
}

pub async fn hf_transfer(hub: &FakeHub, repo_id: &str, out: &Path) -> Duration {
    let run = Command::new(millm_test_support::python::interpreter().expect("venv python"))
        .args(["-c", HF_TRANSFER_PEER, &hub.url(), repo_id])
        .arg(out)
        .output()
        .await
        .unwrap();
    assert!(
        run.status.success(),
        "hf_transfer: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    Duration::from_secs_f64(String::from_utf8_lossy(&run.stdout).trim().parse().unwrap())
}
