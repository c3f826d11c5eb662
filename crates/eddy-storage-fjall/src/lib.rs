//! fjall backend (being written).
