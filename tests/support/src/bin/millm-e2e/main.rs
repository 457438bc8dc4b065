//! `millm-e2e`: everything the browser suite runs against, on free ports, isolated from any other run.
//!
//! It builds the test repos, starts the fake hub, creates a fresh database and namespace, and spawns the gateway
//! (serving the built UI), a downloader and a CPU GPU worker from the built binaries. Once the gateway reports live
//! workers it prints ONE line of JSON on stdout (addresses, repo ids, tokens, local paths) and serves a small
//! control API (see `control`). It stops its children on SIGTERM, SIGINT or when stdin closes, so a test runner
//! that dies without cleaning up still takes the services with it.
//!
//! ```text
//! millm-e2e [--profile debug|release] [--ui-dir DIR] [--no-stdin]
//! ```
//! `MILLM_E2E_PROFILE` and `MILLM_UI_DIR` are the defaults of the first two; `MILLM_E2E_LOG_LEVEL` (default
//! `info`) is the services' `LOG_LEVEL`. The binaries come from `target/<profile>/`.

mod control;
mod fixtures;
mod services;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use millm_test_support::env::{fresh_database, unique_namespace};
use millm_test_support::{FakeHub, workspace};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::sync::Mutex;

use crate::control::Supervisor;
use crate::services::Settings;

struct Args {
    profile: String,
    ui_dir: PathBuf,
    watch_stdin: bool,
}

const USAGE: &str = "usage: millm-e2e [--profile debug|release] [--ui-dir DIR] [--no-stdin]";

fn parse_args() -> Result<Args, String> {
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    let mut args = Args {
        profile: env("MILLM_E2E_PROFILE").unwrap_or_else(|| "debug".into()),
        ui_dir: env("MILLM_UI_DIR").map_or_else(|| workspace::root().join("frontend/dist"), PathBuf::from),
        watch_stdin: true,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--profile" => args.profile = given.next().ok_or(USAGE)?,
            "--ui-dir" => args.ui_dir = given.next().ok_or(USAGE)?.into(),
            "--no-stdin" => args.watch_stdin = false,
            _ => return Err(USAGE.into()),
        }
    }
    if !matches!(args.profile.as_str(), "debug" | "release") {
        return Err(format!("--profile must be debug or release, not {:?}", args.profile));
    }
    // The gateway runs in another working directory's sense of "relative"; give it an absolute path.
    if args.ui_dir.is_relative() {
        let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
        args.ui_dir = cwd.join(&args.ui_dir);
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let code = match run().await {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("millm-e2e: {error}");
            1
        }
    };
    // Exit at once: a pending read of stdin would otherwise keep the runtime from shutting down.
    std::process::exit(code);
}

async fn run() -> Result<(), String> {
    let args = parse_args()?;
    let target = workspace::target_dir();
    let bin_dir = services::bin_dir(&target, &args.profile)?;
    if !args.ui_dir.join("index.html").is_file() {
        eprintln!(
            "millm-e2e: warning: {} has no index.html (build it with `cd frontend && npm run build`)",
            args.ui_dir.display()
        );
    }
    let run_dir = tempfile::Builder::new()
        .prefix("millm-e2e-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let namespace = unique_namespace();
    // Logs outlive the run (the temp dir does not), so a failed suite can still be read afterwards.
    let logs_dir = target.join("tmp").join("millm-e2e").join(&namespace);
    let cache_dir = run_dir.path().join("cache");
    let local_root = run_dir.path().join("local");
    for dir in [&logs_dir, &cache_dir, &local_root] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }

    let hub = FakeHub::try_start().await.map_err(|e| e.to_string())?;
    let fixtures = fixtures::prepare(&hub, &local_root)?;
    let settings = Settings {
        bin_dir,
        database_url: fresh_database().await,
        namespace: namespace.clone(),
        cache_dir: cache_dir.clone(),
        hub_url: hub.url(),
        ui_dir: args.ui_dir,
        memory_limit_mb: fixtures.device_memory_limit_mb,
        logs_dir: logs_dir.clone(),
        log_level: std::env::var("MILLM_E2E_LOG_LEVEL").unwrap_or_else(|_| "info".into()),
    };
    let database_url = settings.database_url.clone();
    eprintln!("millm-e2e: services log to {}", logs_dir.display());
    // On an error, the children started so far are killed as they drop.
    let supervisor = Arc::new(Mutex::new(Supervisor::start(settings).await?));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("control port: {e}"))?;
    let control_url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let summary = json!({
        "gateway_url": supervisor.lock().await.gateway_url(),
        "hub_url": hub.url(),
        "control_url": control_url,
        "cache_dir": cache_dir,
        "logs_dir": logs_dir,
        "database_url": database_url,
        "namespace": namespace,
        "api_key": control::API_KEY,
        "repos": fixtures.repos,
        "tokens": fixtures.tokens,
        "local": fixtures.local,
        "device_memory_limit_mb": fixtures.device_memory_limit_mb,
        "big_estimate_mb": fixtures.big_estimate_mb,
    });
    let app = control::router(supervisor.clone(), summary.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("millm-e2e: control API stopped: {error}");
        }
    });
    println!("{summary}");

    let watcher = tokio::spawn(watch_children(supervisor.clone()));
    let ended = wait_for_end(args.watch_stdin).await;
    eprintln!("millm-e2e: {ended}; stopping the services");
    watcher.abort();
    supervisor.lock().await.stop_all().await;
    drop(hub);
    drop(run_dir);
    Ok(())
}

/// Returns why the run ends: a signal, or stdin closing.
async fn wait_for_end(watch_stdin: bool) -> &'static str {
    let stdin_closed = async {
        if !watch_stdin {
            return std::future::pending().await;
        }
        let mut stdin = tokio::io::stdin();
        let mut buffer = [0u8; 256];
        while matches!(stdin.read(&mut buffer).await, Ok(n) if n > 0) {}
    };
    tokio::select! {
        () = millm_platform::shutdown_signal() => "signalled",
        () = stdin_closed => "stdin closed",
    }
}

/// Reports a child that dies on its own, once. Not fatal: the suite fails in its own terms, and the log says why.
async fn watch_children(supervisor: Arc<Mutex<Supervisor>>) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(casualty) = supervisor.lock().await.casualty() {
            eprintln!("millm-e2e: {casualty}");
            return;
        }
    }
}
