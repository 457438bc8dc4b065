//! `make bench-load`: load time and measured memory of the 254 M-parameter Llama at FP16, Q8
//! and Q4 through the API (POST load → `loaded`, check pass included), beside transformers'
//! `from_pretrained(dtype=torch.bfloat16)` on the same files (imports excluded), page cache
//! warm, median of 3; then unload latency and the estimate against the measured memory.

use millm_bench::median;
use millm_bench::services::Services;
use millm_test_support::socket::Listener;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, cached_repo};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RUNS: usize = 3;

/// A folder of links to the repo's files: a distinct local path per quantization, one set of bytes.
fn linked_copy(repo: &Path, into: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(into);
    std::fs::create_dir_all(into).unwrap();
    for entry in std::fs::read_dir(repo).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), into.join(entry.file_name())).unwrap();
    }
    into.to_path_buf()
}

/// One `from_pretrained` per fresh process: a second call in the same process reuses what the
/// first set up and takes a few tens of milliseconds, which is not a load.
async fn transformers(repo: &Path) -> Duration {
    let code = format!(
        "import time, torch\nfrom transformers import AutoModelForCausalLM\nt=time.perf_counter()\n\
         m=AutoModelForCausalLM.from_pretrained('{}', dtype=torch.bfloat16)\nprint(time.perf_counter()-t)",
        repo.display()
    );
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let out = tokio::process::Command::new(millm_test_support::python::interpreter().expect("venv python"))
            .args(["-c", &code])
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        runs.push(Duration::from_secs_f64(
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap(),
        ));
    }
    median(runs)
}

async fn post(svc: &Services, path: &str, body: Value) -> Value {
    svc.http
        .post(format!("{}{path}", svc.base))
        .json(&body)
        .send()
        .await
        .expect("request answers")
        .json()
        .await
        .expect("enveloped answer")
}

/// Waits for the model's `model:load:complete`, the event the UI waits for too; polling the API every few
/// milliseconds instead would take CPU from the load it times.
async fn wait_loaded(events: &mut Listener, id: i64) {
    let names = ["model:load:complete", "model:load:error"];
    let (name, data) = events
        .next_of(&names, Some(id), Duration::from_secs(120))
        .await
        .expect("the load ends within two minutes");
    assert_eq!(name, names[0], "load failed: {data}");
}

struct LoadFigures {
    load: Duration,
    unload: Duration,
    memory_mb: i64,
    estimate_mb: i64,
}

async fn measure(svc: &Services, id: i64) -> LoadFigures {
    let mut events = svc.events().await;
    let (mut loads, mut unloads, mut memory, mut estimate) = (Vec::new(), Vec::new(), 0, 0);
    for _ in 0..RUNS {
        let started = Instant::now();
        let answer = post(svc, &format!("/api/models/{id}/load"), json!({"force": true})).await;
        assert_eq!(answer["success"], true, "{answer}");
        wait_loaded(&mut events, id).await;
        loads.push(started.elapsed());
        let loaded = &svc.model(id).await["data"];
        assert_eq!(loaded["status"], "loaded", "{loaded}");
        memory = loaded["memory_used_mb"].as_i64().unwrap_or(0);
        estimate = loaded["estimated_memory_mb"].as_i64().unwrap_or(0);
        let started = Instant::now();
        let answer = post(svc, &format!("/api/models/{id}/unload"), json!({})).await;
        assert_eq!(answer["data"]["status"], "ready", "{answer}");
        unloads.push(started.elapsed());
    }
    LoadFigures {
        load: median(loads),
        unload: median(unloads),
        memory_mb: memory,
        estimate_mb: estimate,
    }
}

#[tokio::main]
async fn main() {
    let repo = cached_repo("bench-small-2", |dir| {
        RepoBuilder::new(dir).llama(LlamaShape::bench_small()).shards(2)
    })
    .expect("bench repo");
    let work = millm_test_support::workspace::target_dir().join("bench-load-work");
    std::fs::create_dir_all(&work).unwrap();
    for entry in std::fs::read_dir(&repo).unwrap() {
        let _ = std::fs::read(entry.unwrap().path());
    }
    let reference = transformers(&repo).await;
    let hub = FakeHub::start().await;
    let svc = Services::start_with_gpu_worker(&hub.url(), &work.join("cache"), &[("DEVICE", "cpu".into())]).await;
    println!("# bench-load (CPU, 254 M-parameter Llama, bf16, 2 shards, page cache warm, median of {RUNS})");
    println!(
        "- transformers from_pretrained(dtype=bfloat16): {:.2} s",
        reference.as_secs_f64()
    );
    println!(
        "\n| level | load s | × transformers | target | memory MiB | estimate MiB | estimate/measured | unload s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (level, target) in [("FP16", "≤ 0.5"), ("Q8", "≤ 1"), ("Q4", "≤ 1")] {
        let dir = linked_copy(&repo, &work.join(format!("model-{level}")));
        let created = post(
            &svc,
            "/api/models",
            json!({"source": "local", "local_path": dir, "quantization": level}),
        )
        .await;
        let id = created["data"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("register failed: {created}"));
        let f = measure(&svc, id).await;
        println!(
            "| {level} | {:.2} | {:.2} | {target} | {} | {} | {:.2} | {:.2} |",
            f.load.as_secs_f64(),
            f.load.as_secs_f64() / reference.as_secs_f64(),
            f.memory_mb,
            f.estimate_mb,
            f.estimate_mb as f64 / f.memory_mb.max(1) as f64,
            f.unload.as_secs_f64()
        );
    }
    svc.stop().await;
    let _ = std::fs::remove_dir_all(&work);
}
