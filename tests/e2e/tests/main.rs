//! eddy end-to-end suite: one binary, one module per area.
//!
//! Every test starts its own eddy (in-process unless stated) and drives it with the AWS SDK
//! for Rust or raw HTTP. Expectations come from DynamoDB's documented behaviour, checked
//! against DynamoDB Local; where DynamoDB Local words a message differently from AWS, both
//! wordings are accepted.

mod arithmetic;
mod batch;
mod capacity;
mod concurrency;
mod conditions;
mod control_plane;
mod control_plane_errors;
mod durability;
mod indexes;
mod items;
mod keys;
mod legacy;
mod partiql;
mod query_scan;
mod smoke_binary;
mod streams;
mod tables_misc;
mod transactions;
mod ttl;
mod update_expr;
mod validation;
mod wire;
