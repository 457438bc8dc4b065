//! `millm retry MODEL`: queue a failed download again, under the same id.

use crate::Ctx;
use crate::commands::show::summary;
use crate::error::CliError;
use crate::resolve;

pub async fn run(ctx: &Ctx, arg: &str) -> Result<(), CliError> {
    let model = resolve::model(&ctx.api, arg).await?;
    let data = ctx.api.post(&format!("/api/models/{}/retry", model.id), None).await?;
    if ctx.out.json {
        ctx.out.data(&data);
    } else {
        println!(
            "Re-queued {}; `millm ls` shows its progress ({}).",
            summary(&data),
            model.repo_id.as_deref().unwrap_or(&model.name)
        );
    }
    Ok(())
}
