//! Test and benchmark support for miLLM.
//!
//! Downloads are the riskiest thing miLLM does, and the real HuggingFace Hub is neither reachable from CI nor able
//! to misbehave on demand. This crate provides a [`fake_hub::FakeHub`] that speaks the hub protocol faithfully
//! (the same headers, error codes and quirks the Python and Rust clients rely on) and can inject faults: rate limits,
//! dropped connections, failing statuses and corrupted bytes. [`repo_builder`] writes synthetic but genuine Llama
//! repositories (config, tokenizer, sharded BF16 safetensors) fast enough to build multi-gigabyte benchmark repos
//! in seconds, and caches them under the workspace target directory. [`python`] locates the project's Python
//! interpreter for tests that compare against the reference clients, [`workspace`] finds the workspace paths, and
//! [`env`] gives each test a database and namespace of its own; [`gateway`] starts the one in-process gateway every
//! crate's tests use, [`nats`] a NATS server a test may restart, [`otlp`] receives the spans of services spawned as
//! binaries, and [`prometheus`] reads a service's `/metrics`.

pub mod env;
pub mod fake_hub;
pub mod gateway;
pub mod nats;
pub mod otlp;
pub mod prometheus;
pub mod python;
pub mod repo_builder;
pub mod socket;
pub mod workspace;

pub use fake_hub::{FakeHub, FakeHubError, RepoHandle, RepoOptions, git_blob_sha1};
pub use repo_builder::{BuildError, BuiltRepo, LlamaShape, RepoBuilder, XorShift, cached_repo};
