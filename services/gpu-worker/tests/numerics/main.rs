//! The numerics without the service: the loaded models against the reference logits, load failures, and our
//! quantizers against bitsandbytes. One test binary; the memory test keeps a process of its own (`tests/memory.rs`).

mod common;
mod failures;
mod fidelity;
mod quantizer;
