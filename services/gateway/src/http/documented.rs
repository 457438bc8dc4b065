//! The error answers of each route in the OpenAPI document, derived from the one code table.
//!
//! A route declares the codes it can answer with [`route_errors!`]; the status of each code is
//! `ErrorCode::http_status`, the same function [`super::ApiError`] answers with, and every
//! error is documented as the [`super::envelope::Failed`] envelope. Codes that every route of a
//! kind shares (the API key, a JSON body, a path id) are the groups below, so a route lists only
//! what is its own.

use millm_contract::error::ErrorCode;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};

use super::envelope::Failed;

/// Routes behind `MILLM_API_KEY` (every /api route but health and this document).
pub const AUTHORIZED: &[ErrorCode] = &[ErrorCode::Unauthorized];

/// Routes that read Postgres or a queue: a failure there is a 500 without internals.
pub const STORED: &[ErrorCode] = &[ErrorCode::InternalError];

/// Routes with a required JSON body (`ApiJson`) or an optional one (`OptionalJson`).
pub const JSON_BODY: &[ErrorCode] = &[
    ErrorCode::InvalidJson,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::PayloadTooLarge,
    ErrorCode::ValidationError,
];

/// Routes that read the hub synchronously (preview, a hub download's create).
pub const HUB: &[ErrorCode] = &[
    ErrorCode::RepoNotFound,
    ErrorCode::GatedModelNoToken,
    ErrorCode::InvalidHfToken,
    ErrorCode::UnsupportedModel,
    ErrorCode::HubUnavailable,
];

/// Routes under `/api/models/{id}`: a bad id is 422, an unknown one 404.
pub const MODEL_ID: &[ErrorCode] = &[ErrorCode::ValidationError, ErrorCode::ModelNotFound];

/// The documented error responses for these groups of codes, one entry per status.
pub fn error_responses(groups: &[&[ErrorCode]]) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in groups.iter().flat_map(|g| g.iter().copied()) {
        let codes = by_status.entry(code.http_status()).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    by_status
        .into_iter()
        .map(|(status, codes)| {
            let names: Vec<String> = codes.iter().map(ToString::to_string).collect();
            let response = ResponseBuilder::new()
                .description(names.join(", "))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name(Failed::name())))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// The statuses a set of groups documents; the tests compare them with what routes answer.
pub fn statuses(groups: &[&[ErrorCode]]) -> Vec<u16> {
    let mut statuses: Vec<u16> = groups.iter().flat_map(|g| g.iter().map(|c| c.http_status())).collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// `route_errors!(GetModelErrors: AUTHORIZED, MODEL_ID, &[ErrorCode::ModelBusy]);` defines a type
/// to put in a handler's `responses(...)`, documenting those codes under their statuses.
#[macro_export]
macro_rules! route_errors {
    ($name:ident: $($group:expr),+ $(,)?) => {
        pub struct $name;

        impl $name {
            pub const GROUPS: &'static [&'static [millm_contract::error::ErrorCode]] = &[$($group),+];
        }

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
                $crate::http::documented::error_responses(Self::GROUPS)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_under_the_status_the_table_gives_them() {
        let responses = error_responses(&[AUTHORIZED, MODEL_ID, &[ErrorCode::ModelBusy, ErrorCode::ModelNotReady]]);
        let keys: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(keys, ["401", "404", "409", "422"]);
        let RefOr::T(conflict) = &responses["409"] else {
            panic!("inline response")
        };
        assert_eq!(conflict.description, "MODEL_BUSY, MODEL_NOT_READY");
    }

    #[test]
    fn a_code_shared_by_two_groups_is_listed_once() {
        assert_eq!(statuses(&[JSON_BODY, MODEL_ID]), vec![400, 404, 413, 415, 422]);
        let responses = error_responses(&[JSON_BODY, MODEL_ID]);
        let RefOr::T(invalid) = &responses["422"] else {
            panic!("inline response")
        };
        assert_eq!(invalid.description, "VALIDATION_ERROR");
    }
}
