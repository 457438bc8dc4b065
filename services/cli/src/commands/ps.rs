//! `millm ps`: the loaded model (from the records) and each device's memory (from the GPU
//! worker's heartbeats, through `GET /api/system/gpu`). `--json` prints that endpoint's data.

use millm_contract::events::GpuStatus;
use millm_contract::model::{Model, ModelStatus};

use crate::Ctx;
use crate::api::typed;
use crate::error::CliError;
use crate::output::status_word;
use crate::{format, resolve};

pub async fn run(ctx: &Ctx) -> Result<(), CliError> {
    let data = ctx.api.get("/api/system/gpu").await?;
    if ctx.out.json {
        ctx.out.data(&data);
        return Ok(());
    }
    let gpu: GpuStatus = typed(data)?;
    let models = resolve::list(&ctx.api).await?;
    let busy: Vec<&Model> = models
        .iter()
        .filter(|m| matches!(m.status, ModelStatus::Loaded | ModelStatus::Loading))
        .collect();
    if busy.is_empty() {
        println!("No model is loaded.");
    } else {
        let mut table = ctx.out.table(
            &["ID", "NAME", "QUANT", "STATUS", "MEMORY", "EST. MEMORY", "SINCE"],
            &[0, 4, 5],
        );
        for m in busy {
            table.add_row(vec![
                m.id.to_string(),
                m.name.clone(),
                m.quantization.to_string(),
                status_word(m.status.as_str()),
                format::mib_or_dash(m.memory_used_mb),
                format::mib_or_dash(m.estimated_memory_mb),
                m.loaded_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_else(|| "—".into()),
            ]);
        }
        ctx.out.print_table(&table);
    }
    println!();
    let worker = match (&gpu.worker.id, gpu.worker.alive) {
        (Some(id), true) => format!("{id} ({})", status_word("ok")),
        (Some(id), false) => format!("{id} ({})", status_word("down")),
        (None, _) => "none".to_owned(),
    };
    println!("GPU worker: {worker}, device {}", gpu.device.as_deref().unwrap_or("—"));
    if gpu.devices.is_empty() {
        println!("No devices reported (no live GPU worker).");
        return Ok(());
    }
    let mut table = ctx
        .out
        .table(&["DEVICE", "NAME", "TOTAL", "USED", "FREE"], &[0, 2, 3, 4]);
    for d in &gpu.devices {
        table.add_row(vec![
            d.index.to_string(),
            d.name.clone(),
            format::mib(d.total_mb),
            format::mib(d.used_mb),
            format::mib(d.free_mb),
        ]);
    }
    ctx.out.print_table(&table);
    Ok(())
}
