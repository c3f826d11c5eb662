//! Integration tests of the fjall backend, one module per area (one link step).

mod conformance;
mod crash;
mod filters;
mod lifecycle;
mod throughput;
mod torn;

use eddy_storage_fjall::{FjallOptions, FjallStorage};
use std::path::Path;

/// Opens a store, panicking with the path on failure.
fn open(path: &Path, opts: FjallOptions) -> FjallStorage {
    FjallStorage::open(path, opts).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}
