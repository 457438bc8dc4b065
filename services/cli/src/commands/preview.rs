//! `millm preview REPO`: what a download would cost, before it starts. The body's type lives
//! in the gateway (not the contract), so it is read as JSON here.

use serde_json::{Value, json};

use crate::Ctx;
use crate::cli::PreviewArgs;
use crate::error::CliError;
use crate::{format, token};

/// ✓, ✗, or ? when the server cannot tell (no live GPU worker).
fn mark(value: &Value) -> &'static str {
    match value.as_bool() {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "?",
    }
}

fn mb(value: &Value) -> String {
    format::mib_or_dash(value.as_i64())
}

pub async fn run(ctx: &Ctx, args: PreviewArgs) -> Result<(), CliError> {
    let mut body = json!({"repo_id": args.repo});
    if let Some(token) = token::read(args.token.token_file.as_deref())? {
        body["hf_token"] = Value::String(token);
    }
    let p = ctx.api.post("/api/models/preview", Some(body)).await?;
    if ctx.out.json {
        ctx.out.data(&p);
        return Ok(());
    }
    let text = |key: &str| p[key].as_str().unwrap_or("—").to_owned();
    let loadable = match (p["loadable"].as_bool(), p["unsupported_reason"].as_str()) {
        (Some(true), _) => "yes".to_owned(),
        (Some(false), Some(reason)) => format!("no: {reason}"),
        (Some(false), None) => "no".to_owned(),
        (None, _) => "unknown (the config cannot be read; a token may show it)".to_owned(),
    };
    println!("{:<14} {}", "name", text("name"));
    println!("{:<14} {}", "repo", args.repo);
    println!("{:<14} {}", "revision", text("revision"));
    println!("{:<14} {}", "params", text("params"));
    println!("{:<14} {}", "architecture", text("architecture"));
    println!("{:<14} {}", "gated", p["is_gated"].as_bool().unwrap_or(false));
    println!(
        "{:<14} {}",
        "remote code",
        p["requires_trust_remote_code"].as_bool().unwrap_or(false)
    );
    println!("{:<14} {loadable}", "loadable");
    let basis = match p["estimate_basis"].as_str() {
        Some("parameter_count") => "parameter count (a lower bound: the tensor shapes could not be read)",
        Some("tensor_shapes") => "tensor shapes",
        _ => "—",
    };
    println!("{:<14} {basis}", "estimate");
    println!();
    let mut table = ctx
        .out
        .table(&["QUANT", "DISK", "MEMORY", "FITS MEMORY", "FITS DISK"], &[1, 2]);
    for quant in ["Q4", "Q8", "FP16"] {
        let size = &p["estimated_sizes"][quant];
        table.add_row(vec![
            quant.to_owned(),
            mb(&size["disk_mb"]),
            mb(&size["memory_mb"]),
            mark(&size["fits_memory"]).to_owned(),
            mark(&size["fits_disk"]).to_owned(),
        ]);
    }
    ctx.out.print_table(&table);
    println!();
    println!(
        "free: {} of disk, {} of device memory",
        mb(&p["available_disk_mb"]),
        match p["available_memory_mb"].as_i64() {
            Some(m) => format::mib(m),
            None => "unknown (no live GPU worker)".to_owned(),
        }
    );
    Ok(())
}
