//! What the routes lean on: hub and folder inspection, disk checks, cleanup, workers, sockets.

pub mod cleanup;
pub mod disk;
pub mod files;
pub mod inspect;
pub mod local;
pub mod memory;
pub mod reconcile;
pub mod sockets;
pub mod workers;
