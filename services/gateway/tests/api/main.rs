//! The gateway's API tests: one binary, one module per resource.

mod common;
mod contract;
mod errors;
mod events;
mod health;
mod lifecycle;
mod models_hub;
mod models_local;
mod openapi;
mod preview;
mod proxy;
mod restart;
mod secrets;
mod ui;
