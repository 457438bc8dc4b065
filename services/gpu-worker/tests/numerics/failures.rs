//! Bad files and refused loads end in the right typed error, never a panic: a corrupt header, a truncated shard, a
//! missing shard, an unsupported config, and a cancelled load; progress runs through the stages in order.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use millm_gpu_worker::{Device, LoadError, LoadedModel, Quant, Stage};

fn load(dir: &Path) -> Result<LoadedModel, LoadError> {
    LoadedModel::load(dir, Quant::Q4, Device::Cpu, None, &|_, _| {}, &|| false)
}

#[test]
fn a_corrupt_header_is_a_corrupt_file_error() {
    let dir = crate::common::copy_of("qwen2");
    let file = dir.path().join("model.safetensors");
    let mut f = OpenOptions::new().write(true).open(&file).expect("open");
    f.seek(SeekFrom::Start(8)).expect("seek");
    f.write_all(b"{\"x\": [not json").expect("write");
    drop(f);
    match load(dir.path()) {
        Err(LoadError::CorruptFile { file: bad, .. }) => assert_eq!(bad, file),
        other => panic!("expected CorruptFile, got {:?}", other.err()),
    }
}

#[test]
fn a_huge_header_length_is_a_corrupt_file_error() {
    let dir = crate::common::copy_of("qwen2");
    let mut f = OpenOptions::new()
        .write(true)
        .open(dir.path().join("model.safetensors"))
        .expect("open");
    f.write_all(&u64::MAX.to_le_bytes()).expect("write");
    drop(f);
    assert!(matches!(load(dir.path()), Err(LoadError::CorruptFile { .. })));
}

#[test]
fn a_truncated_shard_is_a_corrupt_file_error() {
    let dir = crate::common::copy_of("llama");
    let file = dir.path().join("model-00002-of-00002.safetensors");
    let len = std::fs::metadata(&file).expect("metadata").len();
    OpenOptions::new()
        .write(true)
        .open(&file)
        .expect("open")
        .set_len(len / 2)
        .expect("truncate");
    match load(dir.path()) {
        Err(LoadError::CorruptFile { file: bad, reason }) => {
            assert_eq!(bad, file);
            eprintln!("truncated: {reason}");
        }
        other => panic!("expected CorruptFile, got {:?}", other.err()),
    }
}

#[test]
fn a_missing_shard_is_named() {
    let dir = crate::common::copy_of("llama");
    let file = dir.path().join("model-00002-of-00002.safetensors");
    std::fs::remove_file(&file).expect("remove");
    match load(dir.path()) {
        Err(LoadError::MissingShard { file: missing }) => assert_eq!(missing, file),
        other => panic!("expected MissingShard, got {:?}", other.err()),
    }
}

#[test]
fn an_unsupported_config_is_refused_with_the_key_named() {
    let dir = crate::common::copy_of("llama");
    let path = dir.path().join("config.json");
    let mut config: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    config["mlp_bias"] = serde_json::Value::Bool(true);
    std::fs::write(&path, config.to_string()).expect("write");
    match load(dir.path()) {
        Err(LoadError::Unsupported(u)) => assert!(u.reason.contains("mlp_bias"), "{}", u.reason),
        other => panic!("expected Unsupported, got {:?}", other.err()),
    }
}

#[test]
fn a_cancelled_load_stops_at_a_stage_boundary() {
    let seen = std::cell::Cell::new(false);
    let progress = |stage: Stage, _| seen.set(seen.get() || stage == Stage::Quantizing);
    let cancel = || seen.get();
    let result = LoadedModel::load(
        &crate::common::repo("llama"),
        Quant::Q8,
        Device::Cpu,
        None,
        &progress,
        &cancel,
    );
    assert!(matches!(result, Err(LoadError::Cancelled)), "{:?}", result.err());
}

#[test]
fn progress_runs_through_the_three_stages_in_order() {
    let seen = std::cell::RefCell::new(Vec::new());
    let progress = |stage: Stage, p: f32| seen.borrow_mut().push((stage, p));
    LoadedModel::load(
        &crate::common::repo("llama"),
        Quant::Q4,
        Device::Cpu,
        None,
        &progress,
        &|| false,
    )
    .expect("load");
    let seen = seen.into_inner();
    let stages: Vec<Stage> = seen.iter().map(|(s, _)| *s).collect();
    assert!(stages.windows(2).all(|w| w[0] as u8 <= w[1] as u8), "{stages:?}");
    for stage in [Stage::Reading, Stage::Quantizing, Stage::Verifying] {
        let ps: Vec<f32> = seen.iter().filter(|(s, _)| *s == stage).map(|(_, p)| *p).collect();
        assert!(
            ps.windows(2).all(|w| w[0] <= w[1]) && ps.last() == Some(&1.0),
            "{stage:?}: {ps:?}"
        );
    }
}
