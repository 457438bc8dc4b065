//! `millm` as a user runs it: the built binary against the gateway in-process, the downloader
//! in-process, the GPU worker's binary on the CPU and the fake hub, each test with its own
//! database and namespace.

mod common;
mod failure;
mod help;
mod json;
mod lifecycle;
mod proxy;
mod pull;
mod terminal;
mod unreachable;
