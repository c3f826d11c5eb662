//! One module per DynamoDB operation (plus shared validation helpers).

mod batch_execute_statement;
mod batch_get_item;
mod batch_write_item;
pub(crate) mod common;
pub(crate) mod constraints;
mod create_table;
mod delete_item;
mod execute_statement;
mod execute_transaction;
mod get_item;
mod idempotency;
mod put_item;
mod query;
mod read_page;
mod read_params;
mod returns;
mod scan;
mod schema;
mod select;
mod single_write;
mod start_key;
mod tables;
mod tags;
mod time_to_live;
mod transact_common;
mod transact_get_items;
#[cfg(test)]
mod transact_tests;
mod transact_write_input;
mod transact_write_items;
mod txn_registry;
mod update_item;
mod update_table;

pub(crate) use tables::sweep_orphans;
pub(crate) use txn_registry::TxnRegistry;
