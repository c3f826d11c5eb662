//! PartiQL for DynamoDB: the statements of ExecuteStatement, BatchExecuteStatement and
//! ExecuteTransaction.
//!
//! The pipeline is kept apart from the expression crate's grammar (PartiQL is a different
//! language: SQL keywords, quoted identifiers, inline literals, `?` parameters) but ends
//! in the same trees, so one evaluator serves both:
//!
//! 1. `lexer` → tokens with `line:column:length` positions (DynamoDB quotes them);
//! 2. `parser` → [`ast::Statement`], syntax only ("Statement wasn't well formed...");
//! 3. `plan` binds a statement to its table and its parameters: `value` turns literals
//!    into attribute values, `cond` WHERE into an [`eddy_expr::Condition`], `update`
//!    SET/REMOVE into an [`eddy_expr::UpdateExpr`], `paths` checks SELECT lists, and
//!    `access` decides between a single item, a set of partitions (with a sort-key
//!    range) and a full scan, of the table or of an index;
//! 4. `request` holds what the three operations share (request constraints, binding,
//!    error codes), and `exec` runs a plan: reads page through storage ranges, writes go
//!    through the item write path (`Engine::write_one` / `write_group`) exactly like
//!    PutItem, UpdateItem and DeleteItem, so index maintenance and streams see every
//!    PartiQL write.

mod access;
mod ast;
mod cond;
pub(crate) mod exec;
mod keywords;
mod lexer;
mod parser;
mod paths;
pub(crate) mod plan;
pub(crate) mod request;
mod update;
mod value;

pub use ast::Statement;
pub use parser::{MAX_DEPTH, Parsed};

use eddy_types::ApiError;

/// The `RETURNING` clause of an UPDATE or DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returning {
    /// `RETURNING ALL OLD *`.
    AllOld,
    /// `RETURNING MODIFIED OLD *`.
    ModifiedOld,
    /// `RETURNING ALL NEW *`.
    AllNew,
    /// `RETURNING MODIFIED NEW *`.
    ModifiedNew,
}

/// Parses one statement (syntax only; binding to a table comes later). Never panics,
/// whatever the input: the fuzz target `partiql` calls this.
pub fn parse(text: &str) -> Result<Parsed, ApiError> {
    parser::parse(text)
}

/// DynamoDB's answer to a statement it cannot parse, which quotes the statement.
pub(crate) fn syntax_error(text: &str) -> ApiError {
    ApiError::validation(format!(
        "Statement wasn't well formed, can't be processed: {text}"
    ))
}

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod tests;
