//! DynamoDB expressions: parsing, checking and evaluating condition, update and
//! projection expressions, plus the legacy parameters (`Expected`, `AttributeUpdates`,
//! `AttributesToGet`) that old clients still send. Pure functions, no I/O.
//!
//! # Pipeline
//!
//! 1. `lexer` splits the text into tokens (never fails);
//! 2. `parser` (shared operand/path grammar and conditions), `update` and `projection`
//!    build a raw tree with placeholders unresolved, reporting syntax errors with
//!    DynamoDB's `token`/`near` rendering;
//! 3. the checks run in DynamoDB's order (see `resolve`), resolving `#name` and
//!    `:value` placeholders through [`ExprAttrs`], which records what was used;
//! 4. the result is a plain tree ([`Condition`], [`UpdateExpr`], [`Projection`]) that
//!    [`Condition::eval`], [`UpdateExpr::apply`] and [`Projection::apply`] run.
//!
//! Error texts were taken from DynamoDB (Local) answers; the `oracle` tests record them.
//!
//! ```
//! use eddy_expr::{ExprAttrs, ExprKind, parse_condition, parse_update};
//! use eddy_types::{AttributeValue, Item, Number};
//! use std::collections::HashMap;
//!
//! let values = HashMap::from([(":one".to_string(), AttributeValue::N(Number::from_i64(1)))]);
//! let mut attrs = ExprAttrs::new(None, Some(&values));
//! let update = parse_update("SET hits = if_not_exists(hits, :one) + :one", &mut attrs).unwrap();
//! let cond = parse_condition("attribute_not_exists(hits)", ExprKind::Condition, &mut attrs).unwrap();
//! attrs.check_unused().unwrap();
//!
//! let mut item = Item::new();
//! assert!(cond.eval(&item).unwrap());
//! update.apply(&mut item).unwrap();
//! assert_eq!(item["hits"], AttributeValue::N(Number::from_i64(2)));
//! ```

mod apply;
mod ast;
mod condition;
mod errors;
mod eval;
mod key_condition;
mod legacy;
mod lexer;
mod parser;
pub mod path;
mod projection;
pub mod reserved;
mod resolve;
mod update;

pub use ast::{
    CompareOp, CondFunction, Condition, Operand, Path, PathElement, Projection, SetValue,
    UpdateAction, UpdateDialect, UpdateExpr, UpdateOperand,
};
pub use condition::parse_condition;
pub use errors::ExprKind;
pub use key_condition::{
    KeyCond, KeyOp, condition_paths, key_condition_from_legacy, key_conditions,
};
pub use legacy::{
    AttributeValueUpdate, ExpectedAttributeValue, condition_from_expected,
    update_from_attribute_updates,
};
pub use projection::{
    parse_projection, projection_from_attributes_to_get, validate_attributes_to_get,
};
pub use resolve::ExprAttrs;
pub use update::parse_update;
