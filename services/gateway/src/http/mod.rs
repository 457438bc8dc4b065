//! HTTP plumbing shared by every route: the envelope, errors, extractors and middleware.

pub mod auth;
pub mod documented;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod metered;

pub use envelope::{Failed, NotReady, Null, Success, accepted, ok, ok_null};
pub use error::ApiError;
pub use extract::{ApiJson, ModelId, OptionalJson};
