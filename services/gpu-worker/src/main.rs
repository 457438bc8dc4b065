//! `millm-gpu-worker`: owns one accelerator and loads models from its queue until SIGTERM or Ctrl-C.

use millm_gpu_worker::openmp;
use millm_gpu_worker::service::{Application, GpuWorkerConfig};
use millm_platform::{service, shutdown_signal};

fn main() -> std::process::ExitCode {
    // Before any thread starts: it may re-execute the process (see `openmp`).
    openmp::ensure_passive_wait();
    run()
}

#[tokio::main]
async fn run() -> std::process::ExitCode {
    service::run(
        "millm-gpu-worker",
        GpuWorkerConfig::from_env,
        |c| &c.common,
        |config| async move {
            Application::build(config)
                .await?
                .run_until_stopped(shutdown_signal())
                .await
        },
    )
    .await
}
