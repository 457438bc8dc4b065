//! The fake hub against a real HTTP client: protocol conformance and fault injection.

mod admin;
mod cdn;
#[path = "../common/mod.rs"]
mod common;
mod faults;
mod model_api;
mod resolve;
mod support;
