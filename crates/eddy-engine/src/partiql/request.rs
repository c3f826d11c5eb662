//! What the three PartiQL operations share: the request-shape constraints (AWS's front
//! end checks them before DynamoDB sees the statement), statement preparation (parse,
//! parameter count, table, binding) and the mapping of errors to the `Code`s of
//! BatchExecuteStatement responses and transaction cancellation reasons.

use super::Parsed;
use super::plan::{self, Plan};
use crate::Engine;
use crate::catalog::TableEntry;
use eddy_types::{ApiError, AttributeValue, Item};
use std::sync::Arc;

/// Longest statement.
pub const MAX_STATEMENT: usize = 8192;

/// Collected constraint violations, rendered as AWS's front end does
/// (`N validation error(s) detected: Value X at 'member' failed to satisfy constraint: ...`).
#[derive(Default)]
pub struct Coral(Vec<String>);

impl Coral {
    fn push(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = value.map_or_else(|| "null".to_string(), |v| format!("'{v}'"));
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member.
    pub fn not_null(&mut self, member: &str, present: bool) {
        if !present {
            self.push(None, member, "Member must not be null");
        }
    }

    /// A string's length in `min..=max` characters (absent values pass).
    pub fn length(&mut self, member: &str, v: Option<&str>, min: usize, max: usize) {
        let Some(s) = v else { return };
        let n = s.chars().count();
        if n < min {
            let c = format!("Member must have length greater than or equal to {min}");
            self.push(Some(s), member, &c);
        }
        if n > max {
            let c = format!("Member must have length less than or equal to {max}");
            self.push(Some(s), member, &c);
        }
    }

    /// A list's length in `min..=max`; `rendered` is how AWS echoes it.
    pub fn list_length(&mut self, member: &str, rendered: &str, n: usize, min: usize, max: usize) {
        if n < min {
            let c = format!("Member must have length greater than or equal to {min}");
            self.push(Some(rendered), member, &c);
        }
        if n > max {
            let c = format!("Member must have length less than or equal to {max}");
            self.push(Some(rendered), member, &c);
        }
    }

    /// An integer of at least `min`.
    pub fn at_least(&mut self, member: &str, v: Option<i64>, min: i64) {
        if let Some(v) = v.filter(|v| *v < min) {
            let c = format!("Member must have value greater than or equal to {min}");
            self.push(Some(&v.to_string()), member, &c);
        }
    }

    /// An enum member.
    pub fn one_of(&mut self, member: &str, v: Option<&str>, allowed: &[&str]) {
        if let Some(v) = v.filter(|v| !allowed.contains(v)) {
            let c = format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            );
            self.push(Some(v), member, &c);
        }
    }

    /// The statement members every operation has: `Statement` and `Parameters`.
    pub fn statement(
        &mut self,
        prefix: &str,
        statement: Option<&str>,
        params: Option<&[AttributeValue]>,
    ) {
        let member = format!("{prefix}statement");
        self.not_null(&member, statement.is_some());
        self.length(&member, statement, 1, MAX_STATEMENT);
        if let Some(p) = params {
            self.list_length(&format!("{prefix}parameters"), "[]", p.len(), 1, usize::MAX);
        }
    }

    /// Ok when nothing was violated, else the combined ValidationException.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ApiError::validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(ApiError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// A statement bound to its table.
pub struct Prepared {
    /// The table.
    pub entry: Arc<TableEntry>,
    /// The plan.
    pub plan: Plan,
}

impl Engine {
    /// Checks the parameter count, finds the table of a parsed statement and binds it,
    /// in DynamoDB's order.
    pub(crate) fn bind_parsed(
        &self,
        parsed: Parsed,
        params: &[AttributeValue],
    ) -> Result<Prepared, ApiError> {
        plan::check_params(&parsed, params)?;
        let entry = self.table(Some(plan::table_name(&parsed.statement)))?;
        let plan = plan::bind(&parsed, &entry.def, params)?;
        Ok(Prepared { entry, plan })
    }
}

/// The `Code` DynamoDB reports for an error inside a batch response or a cancellation
/// reason, with the message and the item (`ReturnValuesOnConditionCheckFailure`).
pub fn error_code(e: ApiError) -> (&'static str, String, Option<Item>) {
    match e {
        ApiError::ConditionalCheckFailed { message, item } => {
            ("ConditionalCheckFailed", message, item)
        }
        ApiError::DuplicateItem(m) => ("DuplicateItem", m, None),
        ApiError::ResourceNotFound(m) => ("ResourceNotFound", m, None),
        ApiError::TransactionConflict(m) => ("TransactionConflict", m, None),
        ApiError::ItemCollectionSizeLimitExceeded(m) => {
            ("ItemCollectionSizeLimitExceeded", m, None)
        }
        ApiError::InternalServerError(m) => ("InternalServerError", m, None),
        other => ("ValidationError", other.to_string(), None),
    }
}
