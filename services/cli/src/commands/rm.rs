//! `millm rm MODEL [-y]`: delete a record, saying first what goes from disk and what stays.
//!
//! The server shares one download per repo revision between the Q4, Q8 and FP16 records
//! (contract: "one download per repo revision"), so a hub model's files stay while another record
//! has the same repo and revision. A local folder is never touched: only the record goes.

use millm_contract::model::{Model, ModelSource, ModelStatus};

use crate::Ctx;
use crate::cli::RmArgs;
use crate::error::CliError;
use crate::{format, resolve};

pub async fn run(ctx: &Ctx, args: RmArgs) -> Result<(), CliError> {
    let all = resolve::list(&ctx.api).await?;
    let model = match args
        .model
        .parse::<i64>()
        .ok()
        .and_then(|id| all.iter().find(|m| m.id == id))
    {
        Some(m) => m.clone(),
        None => resolve::pick(&args.model, all.clone())?,
    };
    let effect = effect(&model, &all);
    if !args.yes {
        ctx.out.require_interactive("rm")?;
        eprintln!("{effect}");
        let question = format!("Delete #{} {} ({})?", model.id, model.name, model.quantization);
        if !ctx.out.confirm(&question).await {
            eprintln!("Nothing deleted.");
            return Ok(());
        }
    }
    let data = ctx.api.delete(&format!("/api/models/{}", model.id)).await?;
    if ctx.out.json {
        ctx.out.data(&data);
    } else {
        println!("Deleted #{} {}. {effect}", model.id, model.name);
    }
    Ok(())
}

/// What the delete does to the disk, in one or two sentences.
pub fn effect(model: &Model, all: &[Model]) -> String {
    if model.source == ModelSource::Local {
        let path = model.local_path.as_deref().unwrap_or("its folder");
        return format!("Only the record goes; the folder {path} is kept (miLLM never touches a local folder).");
    }
    let repo = model.repo_id.as_deref().unwrap_or("?");
    let revision = model.revision.as_deref().map(|r| &r[..r.len().min(12)]).unwrap_or("?");
    let sharing: Vec<String> = all
        .iter()
        .filter(|o| o.id != model.id && o.repo_id == model.repo_id && o.revision == model.revision)
        .map(|o| format!("#{} ({})", o.id, o.quantization))
        .collect();
    let size = format::mib_or_dash(model.disk_size_mb);
    if !sharing.is_empty() {
        return format!(
            "The files of {repo}@{revision} ({size}) are kept: {} use them.",
            sharing.join(", ")
        );
    }
    if model.status == ModelStatus::Downloading {
        return format!("The download stops and its partial files of {repo}@{revision} are removed.");
    }
    format!("The files of {repo}@{revision} ({size}) are removed from the cache.")
}
