//! `millm unload [MODEL]`: unload the named model, or the one loaded (or loading) now.
//!
//! Without a name, the records say which one is loaded: they are written when the load ends,
//! while `/api/system/gpu` only learns it from the next heartbeat.

use millm_contract::error::ErrorCode;
use millm_contract::model::{Model, ModelStatus};

use crate::Ctx;
use crate::commands::show::summary;
use crate::error::CliError;
use crate::resolve;

pub async fn run(ctx: &Ctx, arg: Option<&str>) -> Result<(), CliError> {
    let model = match arg {
        Some(arg) => resolve::model(&ctx.api, arg).await?,
        None => current(resolve::list(&ctx.api).await?)?,
    };
    let data = ctx.api.post(&format!("/api/models/{}/unload", model.id), None).await?;
    if ctx.out.json {
        ctx.out.data(&data);
    } else {
        println!("Unloaded; now {}", summary(&data));
    }
    Ok(())
}

/// The loaded model, else the loading one.
fn current(models: Vec<Model>) -> Result<Model, CliError> {
    let find = |status| models.iter().find(|m| m.status == status).cloned();
    find(ModelStatus::Loaded)
        .or_else(|| find(ModelStatus::Loading))
        .ok_or_else(|| CliError::refused(ErrorCode::ModelNotLoaded, "No model is loaded"))
}
