//! Bad files in a registered folder, edited after registration: a corrupt shard and a missing shard put the record
//! in `error` (stage load); a config feature the worker does not implement is `UNSUPPORTED_MODEL` from the worker,
//! and remote code is refused by the load route itself. The worker keeps serving afterwards.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use crate::common::{Gateway, collect_until, gateway, is_event, tiny_repo};

const LOAD: Duration = Duration::from_secs(60);

async fn load_fails(gw: &Gateway, id: i64, code: &str) -> serde_json::Value {
    let mut events = gw.events().await;
    let (status, body) = gw.load(id, false).await;
    assert_eq!(status, 202, "{body}");
    let seen = collect_until(&mut events, LOAD, |e| is_event(e, "model:load:error", id)).await;
    let error = seen.last().expect("error")["data"]["error"].clone();
    assert_eq!(error["code"], code, "{error}");
    let record = gw.wait_status(id, "error", LOAD).await;
    assert_eq!(record["error_stage"], "load", "{record}");
    record
}

fn shard(dir: &Path, n: u32) -> std::path::PathBuf {
    dir.join(format!("model-0000{n}-of-00002.safetensors"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_end_in_error_with_stage_load_and_the_worker_keeps_serving() {
    let gw = gateway().await;
    let (_worker, _) = gw.start_worker(&[]).await;

    let corrupt_dir = gw.copy_repo(&tiny_repo(), "corrupt");
    let corrupt = gw.register(&corrupt_dir, "Q4").await;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(shard(&corrupt_dir, 1))
        .expect("open");
    file.seek(SeekFrom::Start(8)).expect("seek");
    file.write_all(b"{\"x\": [not json").expect("write");
    drop(file);
    let record = load_fails(&gw, corrupt, "MODEL_LOAD_FAILED").await;
    let message = record["error_message"].as_str().expect("message");
    assert!(
        message.contains("corrupt") && message.contains("load again"),
        "{message}"
    );

    let missing_dir = gw.copy_repo(&tiny_repo(), "missing");
    let missing = gw.register(&missing_dir, "Q4").await;
    std::fs::remove_file(shard(&missing_dir, 2)).expect("remove shard");
    let record = load_fails(&gw, missing, "MODEL_LOAD_FAILED").await;
    let message = record["error_message"].as_str().expect("message");
    assert!(message.contains("missing"), "{message}");

    let feature_dir = gw.copy_repo(&tiny_repo(), "feature");
    let feature = gw.register(&feature_dir, "Q4").await;
    let config_path = feature_dir.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_path).expect("read")).expect("json");
    config["mlp_bias"] = serde_json::Value::Bool(true);
    std::fs::write(&config_path, config.to_string()).expect("write");
    let record = load_fails(&gw, feature, "UNSUPPORTED_MODEL").await;
    let message = record["error_message"].as_str().expect("message");
    assert!(message.contains("mlp_bias"), "{message}");

    let code_dir = gw.copy_repo(&tiny_repo(), "remote-code");
    let remote = gw.register(&code_dir, "Q4").await;
    std::fs::write(code_dir.join("modeling_custom.py"), "print('hi')\n").expect("write");
    let (status, body) = gw.load(remote, false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "UNSUPPORTED_MODEL");
    assert_eq!(gw.model(remote).await["status"], "ready");

    let good = gw.register(&gw.copy_repo(&tiny_repo(), "good"), "FP16").await;
    let (status, body) = gw.load(good, false).await;
    assert_eq!(status, 202, "{body}");
    gw.wait_status(good, "loaded", LOAD).await;
}
