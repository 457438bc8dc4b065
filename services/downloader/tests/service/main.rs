//! The downloader service against the real Redis, NATS and Postgres: the gateway in-process,
//! downloader processes spawned from the built binary, and the fake hub.

mod common;
mod downloads;
mod faults;
mod lifecycle;
mod metrics;
mod process;
mod recovery;
mod repos;
mod scaling;
