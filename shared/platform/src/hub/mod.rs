//! The hub: a metadata client with a circuit breaker, and the mapping of hub errors.

mod breaker;
mod client;
mod error;

pub use breaker::{Breaker, BreakerSnapshot, BreakerState};
pub use client::{Gated, HubClient, InfoConfig, Lfs, ModelInfo, Sibling};
pub use error::{CallSite, HubError, hub_failure};
