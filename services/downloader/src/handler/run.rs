//! The download itself: token, model info, plan, transfer (unless the snapshot is already
//! complete), snapshot links, and the facts read back from the files.

use std::sync::Arc;

use millm_contract::config::Secret;
use millm_contract::error::{ErrorCode, Failure};
use millm_contract::jobs::DownloadJob;
use millm_contract::model::Quantization;
use millm_contract::repo::RepoId;
use millm_platform::db::ModelFacts;
use millm_platform::hub::{CallSite, HubError, hub_failure};

use super::JobContext;
use super::facts::read_facts;
use super::fetch::{FetchError, Fetcher};
use super::plan::{PlanInput, PlannedFile, plan};
use super::progress::{FileProgress, JobProgress, Reporter, ReporterDeps};
use crate::registry::JobStop;
use crate::transfer::{Found, MaybeCancel, TransferError, found_on_disk};
use millm_platform::cache;

/// How the download part of a job ended.
#[derive(Debug)]
pub enum Ended {
    Done {
        facts: ModelFacts,
        /// Relative to `MODEL_CACHE_DIR`.
        cache_path: String,
    },
    Failed(Failure),
    /// The stop switch fired; its reason says why.
    Stopped,
}

pub async fn download(job: &DownloadJob, ctx: &JobContext, stop: &JobStop, quant: Quantization) -> Ended {
    match try_download(job, ctx, stop, quant).await {
        Ok(ended) => ended,
        Err(failure) => Ended::Failed(failure),
    }
}

async fn try_download(
    job: &DownloadJob,
    ctx: &JobContext,
    stop: &JobStop,
    quant: Quantization,
) -> Result<Ended, Failure> {
    let repo = RepoId::parse(&job.repo_id).map_err(|e| internal(&job.repo_id, &e))?;
    let token = token(job, ctx)?;
    let site = |file| CallSite::Download {
        repo_id: &job.repo_id,
        revision: Some(&job.revision),
        file,
    };
    let info = tokio::select! {
        () = stop.token().cancelled() => return Ok(Ended::Stopped),
        info = ctx.hub.model_info(&repo, Some(&job.revision), token.as_ref()) => info,
    }
    .map_err(|e| hub_failure(&e, token.is_some(), site(None)))?;
    let commit = job.revision.as_str();
    let input = PlanInput {
        hub: &ctx.hub,
        repo: &repo,
        commit,
        root: &ctx.root,
        token: token.as_ref(),
    };
    let files = plan(&info, &input)?;
    let cached: Vec<_> = files.iter().map(|f| f.cached.clone()).collect();
    let chunk = ctx.engine.config().chunk_bytes;
    let complete = cache::snapshot_complete(&ctx.root, &job.repo_id, commit, &cached);
    let progress = Arc::new(JobProgress {
        files: files
            .iter()
            .map(|f| {
                let found = if complete {
                    Found {
                        bytes: f.spec.size,
                        complete: true,
                    }
                } else {
                    found_on_disk(&f.spec, chunk)
                };
                FileProgress::new(f.spec.size, found)
            })
            .collect(),
    });
    tracing::Span::current().record("size_bytes", progress.total());
    let reporter = Reporter::spawn(
        ReporterDeps {
            model_id: job.model_id,
            bus: ctx.bus.clone(),
            pool: ctx.pool.clone(),
            registry: ctx.registry.clone(),
            stop: stop.clone(),
        },
        progress.clone(),
    );
    let fetcher = Fetcher {
        pool: &ctx.pool,
        engine: &ctx.engine,
        root: &ctx.root,
        repo_id: &job.repo_id,
        max_files: ctx.max_files,
    };
    let fetched = if complete {
        tracing::info!("snapshot already complete; nothing to fetch");
        Ok(())
    } else {
        fetcher.fetch_all(&files, &progress, stop.token()).await
    };
    let finished = match fetched {
        Ok(()) => link_and_read(job, ctx, &files, quant),
        Err(err) if err.is_cancel() || stop.token().is_cancelled() => Ok(Ended::Stopped),
        Err(err) => Err(fetch_failure(&err, token.is_some(), &job.repo_id, &job.revision)),
    };
    reporter.finish(matches!(finished, Ok(Ended::Done { .. }))).await;
    finished
}

/// The job's sealed token, else `HF_TOKEN`.
fn token(job: &DownloadJob, ctx: &JobContext) -> Result<Option<Secret>, Failure> {
    match &job.sealed_token {
        Some(sealed) => ctx.sealer.open(sealed).map(Some).map_err(|e| {
            Failure::new(
                ErrorCode::DownloadFailed,
                format!("The hub token stored with this download cannot be used: {e}"),
            )
        }),
        None => Ok(ctx.hf_token.clone()),
    }
}

fn link_and_read(
    job: &DownloadJob,
    ctx: &JobContext,
    files: &[PlannedFile],
    quant: Quantization,
) -> Result<Ended, Failure> {
    let (repo_id, commit) = (job.repo_id.as_str(), job.revision.as_str());
    let cache_err = |file: &str, e: cache::CacheError| {
        Failure::download_failed(repo_id, Some(file), format!("cannot write the cache ({e})"))
    };
    cache::write_ref(&ctx.root, repo_id, "main", commit).map_err(|e| cache_err("refs/main", e))?;
    for file in files {
        cache::link_snapshot(&ctx.root, repo_id, commit, &file.cached.path, &file.cached.etag)
            .map_err(|e| cache_err(&file.cached.path, e))?;
    }
    let snapshot = cache::snapshot_dir(&ctx.root, repo_id, commit).map_err(|e| cache_err("snapshot", e))?;
    let facts = read_facts(&snapshot, files, quant)
        .map_err(|(file, reason)| Failure::download_failed(repo_id, Some(&file), reason))?;
    let cache_path = cache::snapshot_rel_path(repo_id, commit).map_err(|e| cache_err("snapshot", e))?;
    Ok(Ended::Done { facts, cache_path })
}

/// Refusals map through the contract's hub function; everything else is `DOWNLOAD_FAILED`.
fn fetch_failure(err: &FetchError, token_sent: bool, repo_id: &str, revision: &str) -> Failure {
    let file = match err {
        FetchError::Transfer(t) => t.file(),
        _ => None,
    };
    if let FetchError::Transfer(TransferError::Refused {
        file,
        status,
        error_code,
        message,
    }) = err
    {
        let hub = HubError::Refused {
            status: *status,
            code: error_code.clone(),
            message: message.clone(),
        };
        let site = CallSite::Download {
            repo_id,
            revision: Some(revision),
            file: Some(file),
        };
        return hub_failure(&hub, token_sent, site);
    }
    Failure::download_failed(repo_id, file, err)
}

fn internal(repo_id: &str, reason: &str) -> Failure {
    Failure::download_failed(repo_id, None, reason)
}
