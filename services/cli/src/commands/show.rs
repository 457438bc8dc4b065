//! `millm show MODEL`: one record, every field, sizes in the UI's units.

use millm_contract::model::Model;
use serde_json::Value;

use crate::Ctx;
use crate::error::CliError;
use crate::output::status_word;
use crate::{format, resolve};

pub async fn run(ctx: &Ctx, arg: &str) -> Result<(), CliError> {
    let model = resolve::model(&ctx.api, arg).await?;
    if ctx.out.json {
        // The API's own answer for that id, not our re-serialisation of it.
        ctx.out.data(&ctx.api.get(&format!("/api/models/{}", model.id)).await?);
        return Ok(());
    }
    print(&model);
    Ok(())
}

fn text(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "—".to_owned())
}

/// Every field of the contract's Model, one per line.
pub fn print(m: &Model) {
    let status = match m.download_progress {
        Some(p) => format!("{} {}", status_word(m.status.as_str()), format::percent(p)),
        None => status_word(m.status.as_str()),
    };
    let rows: Vec<(&str, String)> = vec![
        ("id", m.id.to_string()),
        ("name", m.name.clone()),
        ("source", m.source.to_string()),
        ("repo_id", text(m.repo_id.as_ref())),
        ("local_path", text(m.local_path.as_ref())),
        ("revision", text(m.revision.as_ref())),
        ("params", text(m.params.as_ref())),
        ("architecture", text(m.architecture.as_ref())),
        ("quantization", m.quantization.to_string()),
        ("status", status),
        ("disk", format::mib_or_dash(m.disk_size_mb)),
        ("estimated memory", format::mib_or_dash(m.estimated_memory_mb)),
        ("measured memory", format::mib_or_dash(m.memory_used_mb)),
        ("error", text(m.error_message.as_ref())),
        ("error stage", text(m.error_stage)),
        ("trust_remote_code", m.trust_remote_code.to_string()),
        ("created", m.created_at.to_rfc3339()),
        ("updated", m.updated_at.to_rfc3339()),
        ("loaded", text(m.loaded_at.map(|t| t.to_rfc3339()))),
    ];
    for (key, value) in rows {
        println!("{key:<18} {value}");
    }
}

/// A short line for commands that change a record: `#7 tiny-llama Q4 ready`.
pub fn summary(value: &Value) -> String {
    match serde_json::from_value::<Model>(value.clone()) {
        Ok(m) => format!(
            "#{} {} {} {}",
            m.id,
            m.name,
            m.quantization,
            status_word(m.status.as_str())
        ),
        Err(_) => value.to_string(),
    }
}
