//! The gateway's API tests: one binary, one module per resource.

mod common;
mod errors;
mod models_hub;
mod models_local;
mod preview;
