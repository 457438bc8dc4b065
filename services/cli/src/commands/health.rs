//! `millm health`: Postgres, Redis and NATS, the hub's circuit breaker, and the live workers.
//!
//! The body's types live in the gateway (not the contract), so it is read as JSON here.

use serde_json::Value;

use crate::Ctx;
use crate::error::CliError;
use crate::output::status_word;

fn word(value: &Value) -> String {
    status_word(value.as_str().unwrap_or("?"))
}

pub async fn run(ctx: &Ctx) -> Result<(), CliError> {
    let data = ctx.api.get("/api/health").await?;
    if ctx.out.json {
        ctx.out.data(&data);
        return Ok(());
    }
    println!(
        "status    {}  (miLLM {} at {})",
        word(&data["status"]),
        data["version"].as_str().unwrap_or("?"),
        ctx.api.base()
    );
    let deps = &data["dependencies"];
    println!(
        "services  postgres {}, redis {}, nats {}",
        word(&deps["postgres"]),
        word(&deps["redis"]),
        word(&deps["nats"])
    );
    let breaker = &data["hub"]["circuit_breaker"];
    println!(
        "hub       {}  breaker {} ({} failures)",
        data["hub"]["endpoint"].as_str().unwrap_or("?"),
        word(&breaker["state"]),
        breaker["failures"].as_u64().unwrap_or(0)
    );
    let workers = &data["workers"];
    let downloaders = workers["downloader"].as_array().cloned().unwrap_or_default();
    let gpus = workers["gpu_worker"].as_array().cloned().unwrap_or_default();
    if downloaders.is_empty() && gpus.is_empty() {
        println!("workers   none live");
        return Ok(());
    }
    let mut table = ctx.out.table(&["WORKER", "ID", "STATE", "LAST SEEN"], &[]);
    for d in &downloaders {
        let jobs = d["running_jobs"].as_u64().unwrap_or(0);
        table.add_row(vec![
            "downloader".to_owned(),
            d["id"].as_str().unwrap_or("?").to_owned(),
            format!("{jobs} running"),
            d["last_seen"].as_str().unwrap_or("?").to_owned(),
        ]);
    }
    for g in &gpus {
        let state = match (g["active"].as_bool(), g["loaded_model_id"].as_i64()) {
            (Some(true), Some(id)) => format!("active, #{id} loaded"),
            (Some(true), None) => "active".to_owned(),
            _ => "standby".to_owned(),
        };
        table.add_row(vec![
            format!("gpu ({})", g["device"].as_str().unwrap_or("?")),
            g["id"].as_str().unwrap_or("?").to_owned(),
            state,
            g["last_seen"].as_str().unwrap_or("?").to_owned(),
        ]);
    }
    println!();
    ctx.out.print_table(&table);
    Ok(())
}
