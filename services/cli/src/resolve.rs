//! `MODEL` arguments: an id, or a name that exactly one record has.
//!
//! Names are not unique (the Q4 and Q8 records of a repo share one), so a name that matches
//! several records is refused with the list, and the user picks an id.

use millm_contract::error::ErrorCode;
use millm_contract::model::Model;

use crate::api::{Api, typed};
use crate::error::CliError;

/// The record `arg` names. A number is taken as an id first: names rarely are numbers, and an
/// id always identifies one record.
pub async fn model(api: &Api, arg: &str) -> Result<Model, CliError> {
    if let Ok(id) = arg.parse::<i64>() {
        match api.get(&format!("/api/models/{id}")).await {
            Err(e) if e.code() == Some(ErrorCode::ModelNotFound) => {}
            other => return typed(other?),
        }
    }
    let all = list(api).await?;
    pick(arg, all)
}

pub async fn list(api: &Api) -> Result<Vec<Model>, CliError> {
    typed(api.get("/api/models").await?)
}

/// The one record called `name` among `all`.
pub fn pick(name: &str, all: Vec<Model>) -> Result<Model, CliError> {
    let mut matches: Vec<Model> = all.into_iter().filter(|m| m.name == name).collect();
    match matches.len() {
        0 => Err(CliError::refused(
            ErrorCode::ModelNotFound,
            format!("No model with the id or name '{name}'; `millm ls` lists them"),
        )),
        1 => Ok(matches.remove(0)),
        _ => Err(CliError::Ambiguous {
            name: name.to_owned(),
            matches: matches.iter().map(one_line).collect(),
        }),
    }
}

/// `#7 tiny-llama Q4 ready org/tiny-llama`: enough to choose between records of one name.
pub fn one_line(m: &Model) -> String {
    let origin = m.repo_id.as_deref().or(m.local_path.as_deref()).unwrap_or("");
    format!("#{} {} {} {} {origin}", m.id, m.name, m.quantization, m.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: i64, name: &str) -> Model {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "source": "local", "repo_id": null, "local_path": "/m",
            "revision": null, "params": null, "architecture": null, "quantization": "Q4",
            "disk_size_mb": 1, "estimated_memory_mb": 1, "memory_used_mb": null, "status": "ready",
            "download_progress": null, "error_message": null, "error_stage": null,
            "trust_remote_code": false, "created_at": "2026-11-29T10:00:00Z",
            "updated_at": "2026-11-29T10:00:00Z", "loaded_at": null
        }))
        .unwrap()
    }

    #[test]
    fn a_name_picks_its_one_record_and_refuses_when_shared() {
        assert_eq!(pick("a", vec![model(1, "a"), model(2, "b")]).unwrap().id, 1);
        let Err(CliError::Ambiguous { matches, .. }) = pick("a", vec![model(1, "a"), model(2, "a")]) else {
            panic!("two records named a must be refused");
        };
        assert_eq!(matches.len(), 2);
        assert_eq!(pick("c", vec![model(1, "a")]).unwrap_err().exit_code(), 1);
    }
}
