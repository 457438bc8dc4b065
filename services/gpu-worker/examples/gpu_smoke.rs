//! `make gpu-smoke`: on `cuda:0`, load a tiny Llama at Q4, Q8 and FP16 (check pass included) and
//! print the NVML figures before, after each load and after each unload. Exits non-zero when no
//! CUDA device is usable, so a passing run proves the CUDA build end to end.

use millm_gpu_worker::service::warmup::write_model;
use millm_gpu_worker::{Device, LoadedModel, Quant, cuda_available, measure, tokenize};
use std::process::ExitCode;

fn used_mib() -> f64 {
    measure::cuda_devices()
        .first()
        .map_or(f64::NAN, |d| d.used as f64 / (1u64 << 20) as f64)
}

fn main() -> ExitCode {
    if !cuda_available() {
        eprintln!("gpu-smoke: no CUDA device is usable (tch::Cuda::is_available() is false)");
        return ExitCode::FAILURE;
    }
    let Some(gpu) = measure::cuda_devices().into_iter().next() else {
        eprintln!("gpu-smoke: NVML sees no device");
        return ExitCode::FAILURE;
    };
    println!(
        "gpu-smoke: {} total {} MiB, used {:.0} MiB before",
        gpu.name,
        gpu.total >> 20,
        used_mib()
    );
    let dir = std::env::temp_dir().join(format!("millm-gpu-smoke-{}", std::process::id()));
    if let Err(e) = write_model(&dir) {
        eprintln!("gpu-smoke: cannot write the tiny model: {e}");
        return ExitCode::FAILURE;
    }
    let tokenizer = match tokenize::load_tokenizer(&dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gpu-smoke: tokenizer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for quant in [Quant::Q4, Quant::Q8, Quant::Fp16] {
        let before = used_mib();
        match LoadedModel::load(&dir, quant, Device::Cuda(0), None, &|_, _| {}, &|| false)
            .and_then(|model| model.check_pass(&tokenizer).map(|()| model))
        {
            Ok(model) => {
                let loaded = used_mib();
                let weights = model.weight_bytes();
                drop(model);
                println!(
                    "gpu-smoke: {:<4} loaded on cuda:0, check pass finite; weights {weights} B; NVML used {before:.0} → {loaded:.0} MiB, after unload {:.0} MiB",
                    quant.as_str(),
                    used_mib()
                );
            }
            Err(e) => {
                eprintln!("gpu-smoke: {} failed: {e}", quant.as_str());
                ok = false;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
