//! `millm load MODEL [--force]`: start a load and follow its stages to `loaded`.
//!
//! A 507 (the estimate exceeds the device's free memory) says how to proceed anyway: the
//! contract lets `{"force": true}` pass the check, since the estimate may be pessimistic.

use millm_contract::error::ErrorCode;
use millm_contract::model::Model;
use serde_json::json;

use crate::Ctx;
use crate::api::typed;
use crate::cli::LoadArgs;
use crate::error::CliError;
use crate::follow::{Followed, load};
use crate::{format, resolve, socket};

pub async fn run(ctx: &Ctx, args: LoadArgs) -> Result<(), CliError> {
    let model = resolve::model(&ctx.api, &args.model).await?;
    let socket = socket::subscribe(ctx.api.base(), ctx.api.key());
    let body = args.force.then(|| json!({"force": true}));
    let started: Model = match ctx.api.post(&format!("/api/models/{}/load", model.id), body).await {
        Ok(data) => typed(data)?,
        Err(e) => return Err(hint(e, &args.model)),
    };
    match load::follow(ctx, started, socket).await? {
        Followed::Done(loaded) => {
            if ctx.out.json {
                ctx.out.data(&ctx.api.get(&format!("/api/models/{}", loaded.id)).await?);
            } else {
                println!(
                    "#{} {} is loaded: {} measured (estimated {}).",
                    loaded.id,
                    loaded.name,
                    format::mib_or_dash(loaded.memory_used_mb),
                    format::mib_or_dash(loaded.estimated_memory_mb)
                );
            }
            Ok(())
        }
        Followed::LeftRunning => Ok(()),
    }
}

fn hint(error: CliError, arg: &str) -> CliError {
    let hint = match &error {
        CliError::Api { error: body, .. } => match body.code {
            ErrorCode::InsufficientMemory => {
                let required = body.details["required_mb"].as_i64();
                let available = body.details["available_mb"].as_i64();
                format!(
                    "the estimate ({}) exceeds the free memory ({}); `millm load {arg} --force` tries anyway",
                    format::mib_or_dash(required),
                    format::mib_or_dash(available)
                )
            }
            ErrorCode::ModelBusy => "`millm ps` shows what is loading; wait for it or `millm unload` it".into(),
            ErrorCode::ModelNotReady => format!("the download failed; `millm retry {arg}` downloads it again"),
            ErrorCode::GpuWorkerUnavailable => "start a GPU worker; `millm health` lists the live ones".into(),
            _ => return error,
        },
        _ => return error,
    };
    error.with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use millm_contract::error::ErrorBody;

    #[test]
    fn a_507_for_memory_offers_force_with_both_figures() {
        let refusal = CliError::Api {
            status: 507,
            error: ErrorBody::new(ErrorCode::InsufficientMemory, "Not enough memory")
                .with_details(json!({"required_mb": 5245, "available_mb": 2048})),
            hint: None,
        };
        let report = hint(refusal, "tiny").report();
        assert!(report.contains("INSUFFICIENT_MEMORY"), "{report}");
        assert!(report.contains("`millm load tiny --force`"), "{report}");
        assert!(report.contains("5.1 GiB") && report.contains("2.0 GiB"), "{report}");
    }
}
