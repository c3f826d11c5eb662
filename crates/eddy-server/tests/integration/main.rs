//! Integration tests: `run` on 127.0.0.1:0 over the in-memory store, driven by reqwest
//! and, where the exact bytes on the socket matter, by a raw TCP client.

mod support;

mod auth;
mod limits;
mod shutdown;
mod wire;
