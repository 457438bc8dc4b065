//! `millm ls`: every record as a table. Downloads show their percent in the status column.

use millm_contract::model::{Model, ModelStatus};

use crate::Ctx;
use crate::api::typed;
use crate::error::CliError;
use crate::format;
use crate::output::status_word;

pub async fn run(ctx: &Ctx) -> Result<(), CliError> {
    let data = ctx.api.get("/api/models").await?;
    if ctx.out.json {
        ctx.out.data(&data);
        return Ok(());
    }
    let models: Vec<Model> = typed(data)?;
    if models.is_empty() {
        println!("No models yet: `millm pull owner/name` downloads one, `millm add PATH` registers a folder.");
        return Ok(());
    }
    let mut table = ctx.out.table(
        &["ID", "NAME", "QUANT", "STATUS", "DISK", "EST. MEMORY", "MEASURED"],
        &[0, 4, 5, 6],
    );
    for m in &models {
        table.add_row(vec![
            m.id.to_string(),
            m.name.clone(),
            m.quantization.to_string(),
            status(m),
            format::mib_or_dash(m.disk_size_mb),
            format::mib_or_dash(m.estimated_memory_mb),
            format::mib_or_dash(m.memory_used_mb),
        ]);
    }
    ctx.out.print_table(&table);
    Ok(())
}

/// `downloading 41.9%`, `error (download)`, or the bare status.
fn status(m: &Model) -> String {
    let word = status_word(m.status.as_str());
    match (m.status, m.download_progress, m.error_stage) {
        (ModelStatus::Downloading, Some(p), _) => format!("{word} {}", format::percent(p)),
        (ModelStatus::Error, _, Some(stage)) => format!("{word} ({stage})"),
        (ModelStatus::Ready, _, Some(stage)) if m.error_message.is_some() => {
            format!("{word} (last {stage} failed)")
        }
        _ => word,
    }
}
