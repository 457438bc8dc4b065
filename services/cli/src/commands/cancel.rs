//! `millm cancel MODEL`: stop a download; the server deletes its record and partial files.

use crate::Ctx;
use crate::error::CliError;
use crate::resolve;

pub async fn run(ctx: &Ctx, arg: &str) -> Result<(), CliError> {
    let model = resolve::model(&ctx.api, arg).await?;
    let data = ctx.api.post(&format!("/api/models/{}/cancel", model.id), None).await?;
    if ctx.out.json {
        ctx.out.data(&data);
    } else {
        println!(
            "Cancelled #{} {}; its record and partial files are removed.",
            model.id, model.name
        );
    }
    Ok(())
}
