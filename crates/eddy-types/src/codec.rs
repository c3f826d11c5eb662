//! Compact binary encoding of items for storage.
