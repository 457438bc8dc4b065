//! `millm-gpu-worker`: owns one accelerator and loads models from its queue until SIGTERM or Ctrl-C.

use millm_gpu_worker::service::{Application, GpuWorkerConfig};
use millm_platform::{service, shutdown_signal};

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
