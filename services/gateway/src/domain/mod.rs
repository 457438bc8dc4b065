//! The gateway's domain: what the routes lean on. Hub and folder inspection, disk and memory
//! checks, cleanup, the worker registry, reconciliation, and the Socket.IO relay.

pub mod cleanup;
pub mod disk;
pub mod files;
pub mod inspect;
pub mod local;
pub mod memory;
pub mod reconcile;
pub mod sockets;
pub mod workers;
