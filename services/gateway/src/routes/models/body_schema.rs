//! The request bodies' schemas, from the same rules the parsing applies: the repo-id pattern
//! from `RepoId`, and the limits from `dto`. `POST /api/models` is documented as the two shapes
//! a client sends, told apart by `source`, though one struct reads both.

use millm_contract::model::Quantization;
use millm_contract::repo::RepoId;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

use super::dto::{CUSTOM_NAME_MAX, CreateModelBody, LOCAL_PATH_MAX, TOKEN_MAX, TOKEN_PATTERN};

/// `owner/name`, as `RepoId::parse` accepts it.
pub fn repo_id() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(RepoId::PATTERN))
        .min_length(Some(3))
        .max_length(Some(RepoId::MAX_LEN))
        .description(Some("A HuggingFace repo id, `owner/name`"))
}

/// An optional hub token; empty or blank means none.
pub fn token() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(TOKEN_MAX))
        .pattern(Some(TOKEN_PATTERN))
        .description(Some(
            "A HuggingFace token for gated or private repos; sealed on arrival, never returned",
        ))
}

fn custom_name() -> ObjectBuilder {
    // At least one character that is not a space: the name is trimmed, and must not end up empty.
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(r"\S"))
        .max_length(Some(CUSTOM_NAME_MAX))
        .description(Some("The name shown instead of the repo's or folder's own"))
}

fn source(value: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value]))
}

fn quantization() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(Quantization::schema())
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("Q4 when absent"))
        .into()
}

fn hub() -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some("HubModelBody"))
        .property("source", source("huggingface"))
        .required("source")
        .property("repo_id", repo_id())
        .required("repo_id")
        .property("quantization", quantization())
        .property("hf_token", token())
        .property("trust_remote_code", ObjectBuilder::new().schema_type(Type::Boolean))
        .property("custom_name", custom_name())
}

fn local() -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some("LocalModelBody"))
        .property("source", source("local"))
        .required("source")
        .property(
            "local_path",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^/[^\u0000]*$"))
                .max_length(Some(LOCAL_PATH_MAX))
                .description(Some("An absolute path to a folder with config.json and *.safetensors")),
        )
        .required("local_path")
        .property("quantization", quantization())
        .property("trust_remote_code", ObjectBuilder::new().schema_type(Type::Boolean))
        .property("custom_name", custom_name())
}

impl PartialSchema for CreateModelBody {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(hub())
            .item(local())
            .description(Some("A hub download, or a local folder to register"))
            .into()
    }
}

impl ToSchema for CreateModelBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_create_body_is_a_hub_or_a_local_shape_with_their_required_fields() {
        let schema = serde_json::to_value(CreateModelBody::schema()).unwrap();
        let shapes = schema["oneOf"].as_array().unwrap();
        assert_eq!(
            shapes[0]["properties"]["source"]["enum"],
            serde_json::json!(["huggingface"])
        );
        assert_eq!(shapes[0]["required"], serde_json::json!(["source", "repo_id"]));
        assert_eq!(shapes[0]["properties"]["repo_id"]["pattern"], RepoId::PATTERN);
        assert_eq!(shapes[1]["required"], serde_json::json!(["source", "local_path"]));
    }
}
