//! HTTP front end (being written).
