//! System routes: health, readiness, GPU status and the OpenAPI document.

pub mod gpu;
pub mod health;
pub mod openapi;
