//! /api/models: one handler per file.

pub mod body_schema;
pub mod cancel;
pub mod create;
pub mod delete;
pub mod dto;
pub mod load;
pub mod preview;
pub mod read;
pub mod retry;
pub mod unload;
