//! miLLM's contract crate: the names, types and rules every service shares.
//!
//! The gateway parses requests into these types, pushes [`jobs`] to Redis and relays
//! [`events`] that the workers publish under the subjects of [`names`]. Errors travel as an
//! [`error::ErrorCode`] whose HTTP status is decided in one table. [`files`], [`supported`]
//! and [`estimator`] decide what a model is, whether we can run it and what it will cost.

pub mod config;
pub mod error;
pub mod estimator;
pub mod events;
pub mod files;
pub mod jobs;
pub mod model;
pub mod names;
pub mod repo;
pub mod supported;
pub mod trace;
pub mod workers;
