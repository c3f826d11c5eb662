//! The DynamoDB vocabulary shared by every eddy crate.
//!
//! Nothing here does I/O. The types mirror the wire shapes of the DynamoDB JSON API
//! (AWS JSON 1.0) so that the engine, the expression evaluator and the HTTP layer all
//! speak one language:
//!
//! - [`AttributeValue`] and [`Item`]: the ten attribute types, decoded from JSON with
//!   DynamoDB's validation rules (empty sets, duplicates, multiple type tags...).
//! - [`Number`]: DynamoDB's decimal (38 significant digits, magnitudes 1E-130 to
//!   below 1E+126), with exact comparison, arithmetic, canonical output text and an
//!   order-preserving byte encoding for keys.
//! - [`ApiError`]: one variant per error code a client can observe; the HTTP layer
//!   renders it once.

pub mod attr;
pub mod codec;
pub mod codec_json;
pub mod error;
pub mod number;
pub mod size;

pub use attr::{AttributeValue, Item};
pub use error::ApiError;
pub use number::Number;
