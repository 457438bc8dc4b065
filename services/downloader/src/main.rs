//! `millm-downloader`: runs the download workers until SIGTERM or Ctrl-C.

use millm_downloader::{Application, DownloaderConfig};
use millm_platform::{service, shutdown_signal};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::run(
        "millm-downloader",
        DownloaderConfig::from_env,
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
