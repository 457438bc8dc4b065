//! `millm pull REPO`: queue a hub download and follow it to `ready`.
//!
//! The socket is subscribed before the POST, so that no event between the 202 and the
//! subscription is lost. A repo already being downloaded at this quantization is followed from
//! its current percent instead of refused; one already downloaded is simply reported.

use millm_contract::error::ErrorCode;
use millm_contract::model::{Model, ModelStatus, Quantization};
use serde_json::{Value, json};

use crate::Ctx;
use crate::api::typed;
use crate::cli::PullArgs;
use crate::error::CliError;
use crate::follow::{Followed, download};
use crate::socket;
use crate::{format, token};

pub async fn run(ctx: &Ctx, args: PullArgs) -> Result<(), CliError> {
    let token = token::read(args.token.token_file.as_deref())?;
    let quant = args.quant.unwrap_or(Quantization::Q4);
    let mut body = json!({"source": "huggingface", "repo_id": args.repo, "quantization": quant.as_str()});
    if let Some(name) = &args.name {
        body["custom_name"] = Value::String(name.clone());
    }
    if let Some(token) = token {
        body["hf_token"] = Value::String(token);
    }
    let socket = (!args.detach).then(|| socket::subscribe(ctx.api.base(), ctx.api.key()));
    let model: Model = match ctx.api.post("/api/models", Some(body)).await {
        Ok(data) => {
            if args.detach {
                return detached(ctx, data);
            }
            typed(data)?
        }
        Err(e) => match existing(ctx, &e).await? {
            Some(model) if model.status == ModelStatus::Downloading => {
                eprintln!("{} ({quant}) is already downloading as #{}.", args.repo, model.id);
                if args.detach {
                    return detached(ctx, serde_json::to_value(&model).unwrap_or(Value::Null));
                }
                let from = format::percent(model.download_progress.unwrap_or(0.0));
                eprintln!("Following it from {from}.");
                model
            }
            Some(model) if model.status != ModelStatus::Error && model.status != ModelStatus::Downloading => {
                eprintln!("{} ({quant}) is already downloaded as #{}.", args.repo, model.id);
                return finished(ctx, &model).await;
            }
            _ => return Err(hint(e, &args.repo)),
        },
    };
    let socket = socket.unwrap_or_else(|| socket::subscribe(ctx.api.base(), ctx.api.key()));
    match download::follow(ctx, model, socket).await? {
        Followed::Done(model) => finished(ctx, &model).await,
        Followed::LeftRunning => Ok(()),
    }
}

/// The record a `MODEL_ALREADY_EXISTS` refusal points at, if any.
async fn existing(ctx: &Ctx, error: &CliError) -> Result<Option<Model>, CliError> {
    let CliError::Api { error: body, .. } = error else {
        return Ok(None);
    };
    if body.code != ErrorCode::ModelAlreadyExists {
        return Ok(None);
    }
    let Some(id) = body.details["existing_model_id"].as_i64() else {
        return Ok(None);
    };
    typed(ctx.api.get(&format!("/api/models/{id}")).await?).map(Some)
}

fn hint(error: CliError, repo: &str) -> CliError {
    match error.code() {
        Some(ErrorCode::GatedModelNoToken | ErrorCode::InvalidHfToken) => {
            error.with_hint("accept the repo's terms on the hub, then pass a token: --token-file FILE or HF_TOKEN")
        }
        Some(ErrorCode::ModelAlreadyExists) => error.with_hint(format!(
            "`millm ls` shows it; `millm retry` re-downloads a failed {repo}"
        )),
        _ => error,
    }
}

fn detached(ctx: &Ctx, data: Value) -> Result<(), CliError> {
    if ctx.out.json {
        ctx.out.data(&data);
        return Ok(());
    }
    let model: Model = typed(data)?;
    println!(
        "Queued #{} {} ({}, {}); `millm show {}` follows it.",
        model.id,
        model.name,
        model.quantization,
        format::mib_or_dash(model.disk_size_mb),
        model.id
    );
    Ok(())
}

/// The end: with `--json`, the record as `GET /api/models/{id}` gives it now.
async fn finished(ctx: &Ctx, model: &Model) -> Result<(), CliError> {
    if ctx.out.json {
        ctx.out.data(&ctx.api.get(&format!("/api/models/{}", model.id)).await?);
    } else {
        println!(
            "#{} {} is ready: {} on disk, about {} in memory at {} (`millm load {}`).",
            model.id,
            model.name,
            format::mib_or_dash(model.disk_size_mb),
            format::mib_or_dash(model.estimated_memory_mb),
            model.quantization,
            model.id
        );
    }
    Ok(())
}
