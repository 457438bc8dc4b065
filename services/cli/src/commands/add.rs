//! `millm add PATH`: register a local folder. The server reads it where it is (it must see the
//! same path), so the answer is `ready` at once and nothing is copied.

use serde_json::{Value, json};

use crate::Ctx;
use crate::cli::AddArgs;
use crate::commands::show::summary;
use crate::error::CliError;

pub async fn run(ctx: &Ctx, args: AddArgs) -> Result<(), CliError> {
    // The API wants an absolute path; people type relative ones.
    let path = std::path::absolute(&args.path)
        .map_err(|e| CliError::Usage(format!("cannot resolve {}: {e}", args.path.display())))?;
    let mut body = json!({"source": "local", "local_path": path.to_string_lossy()});
    if let Some(quant) = args.quant {
        body["quantization"] = Value::String(quant.as_str().to_owned());
    }
    if let Some(name) = &args.name {
        body["custom_name"] = Value::String(name.clone());
    }
    let data = ctx.api.post("/api/models", Some(body)).await?;
    if ctx.out.json {
        ctx.out.data(&data);
    } else {
        println!("Registered {} from {}", summary(&data), path.display());
    }
    Ok(())
}
