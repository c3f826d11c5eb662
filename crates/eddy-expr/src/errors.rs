//! DynamoDB's error texts for expressions, in one place.
//!
//! Parse-time errors are prefixed with the parameter they came from
//! (`Invalid ConditionExpression: ...`); run-time errors of updates are not.

use eddy_types::ApiError;
use eddy_types::number::NumberError;

/// Which request parameter an expression came from; used in error messages
/// ("Invalid ConditionExpression: ...", "Invalid UpdateExpression: ...",
/// "Invalid ProjectionExpression: ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// `ConditionExpression`.
    Condition,
    /// `FilterExpression`.
    Filter,
    /// `KeyConditionExpression`.
    KeyCondition,
    /// `UpdateExpression`.
    Update,
    /// `ProjectionExpression`.
    Projection,
}

impl ExprKind {
    /// The request parameter's name.
    pub fn parameter(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Update => "UpdateExpression",
            ExprKind::Projection => "ProjectionExpression",
        }
    }

    /// True for the kinds parsed with the condition grammar.
    pub fn is_condition(self) -> bool {
        matches!(
            self,
            ExprKind::Condition | ExprKind::Filter | ExprKind::KeyCondition
        )
    }
}

/// `Invalid <Parameter>: <detail>`.
pub(crate) fn invalid(kind: ExprKind, detail: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!("Invalid {}: {detail}", kind.parameter()))
}

pub(crate) fn syntax(kind: ExprKind, token: &str, near: &str) -> ApiError {
    invalid(
        kind,
        format_args!("Syntax error; token: \"{token}\", near: \"{near}\""),
    )
}

pub(crate) fn empty(kind: ExprKind) -> ApiError {
    invalid(kind, "The expression can not be empty;")
}

pub(crate) fn too_large(kind: ExprKind, size: usize) -> ApiError {
    if kind.is_condition() {
        invalid(
            kind,
            format_args!(
                "Expression size has exceeded the maximum allowed size; expression size: {size}"
            ),
        )
    } else {
        invalid(
            kind,
            "Expression size has exceeded the maximum allowed size;",
        )
    }
}

pub(crate) fn redundant_parens(kind: ExprKind) -> ApiError {
    invalid(kind, "The expression has redundant parentheses;")
}

pub(crate) fn reserved(kind: ExprKind, word: &str) -> ApiError {
    invalid(
        kind,
        format_args!("Attribute name is a reserved keyword; reserved keyword: {word}"),
    )
}

pub(crate) fn index_range(kind: ExprKind, digits: &str) -> ApiError {
    invalid(
        kind,
        format_args!("List index is not within the allowable range; index: [{digits}]"),
    )
}

pub(crate) fn undefined_name(kind: ExprKind, name: &str) -> ApiError {
    invalid(
        kind,
        format_args!(
            "An expression attribute name used in the document path is not defined; attribute name: {name}"
        ),
    )
}

pub(crate) fn undefined_value(kind: ExprKind, value: &str) -> ApiError {
    invalid(
        kind,
        format_args!(
            "An expression attribute value used in expression is not defined; attribute value: {value}"
        ),
    )
}

pub(crate) fn bad_function(kind: ExprKind, name: &str) -> ApiError {
    invalid(
        kind,
        format_args!("Invalid function name; function: {name}"),
    )
}

pub(crate) fn function_misused(kind: ExprKind, name: &str) -> ApiError {
    invalid(
        kind,
        format_args!(
            "The function is not allowed to be used this way in an expression; function: {name}"
        ),
    )
}

pub(crate) fn function_not_in_condition(kind: ExprKind, name: &str) -> ApiError {
    invalid(
        kind,
        format_args!("The function is not allowed in a condition expression; function: {name}"),
    )
}

pub(crate) fn function_not_in_update(kind: ExprKind, name: &str) -> ApiError {
    invalid(
        kind,
        format_args!("The function is not allowed in an update expression; function: {name}"),
    )
}

pub(crate) fn arity(kind: ExprKind, name: &str, n: usize) -> ApiError {
    invalid(
        kind,
        format_args!(
            "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {n}"
        ),
    )
}

pub(crate) fn needs_path(kind: ExprKind, name: &str) -> ApiError {
    invalid(
        kind,
        format_args!("Operator or function requires a document path; operator or function: {name}"),
    )
}

pub(crate) fn operand_type(kind: ExprKind, name: &str, ty: &str) -> ApiError {
    invalid(
        kind,
        format_args!(
            "Incorrect operand type for operator or function; operator or function: {name}, operand type: {ty}"
        ),
    )
}

/// `ADD`/`DELETE` clause operand of the wrong type; `ty` is `STRING`, `NUMBER`...
pub(crate) fn clause_operand_type(kind: ExprKind, clause: &str, ty: &str) -> ApiError {
    invalid(
        kind,
        format_args!(
            "Incorrect operand type for operator or function; operator: {clause}, operand type: {ty}, typeSet: ALLOWED_FOR_{clause}_OPERAND"
        ),
    )
}

pub(crate) fn not_distinct(kind: ExprKind, op: &str, path: &crate::Path) -> ApiError {
    invalid(
        kind,
        format_args!(
            "The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {path}"
        ),
    )
}

pub(crate) fn too_many_in(kind: ExprKind, n: usize) -> ApiError {
    invalid(
        kind,
        format_args!("The IN operator is provided with too many operands; number of operands: {n}"),
    )
}

pub(crate) fn too_deep(kind: ExprKind, n: usize) -> ApiError {
    invalid(
        kind,
        format_args!("The document path has too many nesting levels; nesting levels: {n}"),
    )
}

pub(crate) fn too_many_operators(kind: ExprKind, n: usize) -> ApiError {
    invalid(
        kind,
        format_args!("The expression contains too many operators; operator count: {n}"),
    )
}

pub(crate) fn paths_overlap(kind: ExprKind, one: &crate::Path, two: &crate::Path) -> ApiError {
    invalid(
        kind,
        format_args!(
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}"
        ),
    )
}

pub(crate) fn paths_conflict(kind: ExprKind, one: &crate::Path, two: &crate::Path) -> ApiError {
    invalid(
        kind,
        format_args!(
            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}"
        ),
    )
}

pub(crate) fn duplicate_section(kind: ExprKind, section: &str) -> ApiError {
    invalid(
        kind,
        format_args!("The \"{section}\" section can only be used once in an update expression;"),
    )
}

// ---- run time (updates) ----

/// A `SET` operand names an attribute the item does not have.
pub(crate) fn missing_attribute() -> ApiError {
    ApiError::validation(
        "The provided expression refers to an attribute that does not exist in the item",
    )
}

/// An operand has the wrong type for `+`, `-`, `list_append`, `ADD` or `DELETE`.
pub(crate) fn wrong_operand_type() -> ApiError {
    ApiError::validation("An operand in the update expression has an incorrect data type")
}

/// The path's parent does not exist or is not a map/list of the right kind.
pub(crate) fn invalid_update_path() -> ApiError {
    ApiError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

/// Legacy `AttributeUpdates`: `ADD`/`DELETE` on an attribute of another type.
pub(crate) fn legacy_type_mismatch() -> ApiError {
    ApiError::validation("Type mismatch for attribute to update")
}

/// Arithmetic result outside DynamoDB's number range or precision.
pub(crate) fn number(err: NumberError) -> ApiError {
    match err {
        NumberError::TooPrecise => {
            ApiError::validation("DynamoDB only supports precision up to 38 digits")
        }
        other => ApiError::validation(other.to_string()),
    }
}
