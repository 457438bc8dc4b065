//! The GPU worker as a service: the real binary, the gateway in-process, and the real Postgres, Redis and NATS.

mod common;
mod failures;
mod lifecycle;
mod logs;
mod metrics;
mod workers;
