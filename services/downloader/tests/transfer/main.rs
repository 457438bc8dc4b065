//! The transfer engine and the cache layout, without queues or databases: one test binary.

mod cache;
mod engine;
mod faults;
mod helpers;
mod resume;
