//! The legacy parameters old clients still send (`Expected` + `ConditionalOperator`,
//! `AttributeUpdates`, `AttributesToGet`), converted to the same trees expressions
//! produce. Names are taken literally: `a.b` is the top-level attribute `a.b`.
//!
//! Validation texts are DynamoDB's; entries are checked in name order so that a request
//! with several bad entries always reports the same one.

use crate::ast::{
    CompareOp, CondFunction, Condition, Operand, Path, SetValue, UpdateAction, UpdateDialect,
    UpdateExpr, UpdateOperand,
};
use crate::eval::compare_values;
use crate::update::type_name;
use eddy_types::{ApiError, AttributeValue};
use serde::Deserialize;
use std::collections::HashMap;

/// One entry of the legacy `Expected` map.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExpectedAttributeValue {
    /// The value the attribute must have (with `Exists` true or absent).
    pub value: Option<AttributeValue>,
    /// `false`: the attribute must not exist; `true`: it must equal `Value`.
    pub exists: Option<bool>,
    /// `EQ NE LE LT GE GT NOT_NULL NULL CONTAINS NOT_CONTAINS BEGINS_WITH IN BETWEEN`.
    pub comparison_operator: Option<String>,
    /// The operator's arguments.
    pub attribute_value_list: Option<Vec<AttributeValue>>,
}

/// One entry of the legacy `AttributeUpdates` map.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeValueUpdate {
    /// The operand (absent only for `DELETE`, which then removes the attribute).
    pub value: Option<AttributeValue>,
    /// `PUT` (the default), `ADD` or `DELETE`.
    pub action: Option<String>,
}

fn invalid(detail: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

fn sorted<V>(map: &HashMap<String, V>) -> Vec<(&String, &V)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Converts `Expected` (and `ConditionalOperator`) to a condition.
pub fn condition_from_expected(
    expected: &HashMap<String, ExpectedAttributeValue>,
    conditional_operator: Option<&str>,
) -> Result<Condition, ApiError> {
    if let Some(op) = conditional_operator {
        if expected.is_empty() {
            return Err(ApiError::validation(
                "ConditionalOperator cannot be used without Filter or Expected",
            ));
        }
        if expected.len() == 1 {
            return Err(ApiError::validation(
                "ConditionalOperator can only be used when Filter or Expected has two or more elements",
            ));
        }
        if op != "AND" && op != "OR" {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{op}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]"
            )));
        }
    }
    let or = conditional_operator == Some("OR");
    let mut result: Option<Condition> = None;
    for (name, e) in sorted(expected) {
        let c = expected_entry(name, e)?;
        result = Some(match result {
            None => c,
            Some(prev) if or => Condition::Or(Box::new(prev), Box::new(c)),
            Some(prev) => Condition::And(Box::new(prev), Box::new(c)),
        });
    }
    Ok(result.unwrap_or(Condition::Literal(true)))
}

fn expected_entry(name: &str, e: &ExpectedAttributeValue) -> Result<Condition, ApiError> {
    let path = || Operand::Path(Path::attr(name));
    let Some(op) = e.comparison_operator.as_deref() else {
        if e.attribute_value_list.is_some() {
            return Err(invalid(format_args!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
            )));
        }
        return match (e.exists, &e.value) {
            (Some(false), Some(_)) => Err(invalid(format_args!(
                "Value cannot be used when Exists is false for Attribute: {name}"
            ))),
            (Some(false), None) => Ok(Condition::Function(CondFunction::AttributeNotExists(
                Path::attr(name),
            ))),
            (exists, None) => Err(invalid(format_args!(
                "Value must be provided when Exists is {} for Attribute: {name}",
                if exists.is_some() { "true" } else { "null" }
            ))),
            (_, Some(v)) => Ok(Condition::Compare(
                CompareOp::Eq,
                path(),
                Operand::Value(v.clone()),
            )),
        };
    };
    if !OPERATORS.contains(&op) {
        return Err(ApiError::validation(
            "Comparison type does not exist in DynamoDB",
        ));
    }
    if e.exists.is_some() {
        return Err(invalid(format_args!(
            "Exists and ComparisonOperator cannot be used together for Attribute: {name}"
        )));
    }
    let args: Vec<AttributeValue> = match (&e.value, &e.attribute_value_list) {
        (Some(_), Some(_)) => {
            return Err(invalid(format_args!(
                "Value and AttributeValueList cannot be used together for Attribute: {name}"
            )));
        }
        (Some(v), None) => vec![v.clone()],
        (None, Some(list)) => list.clone(),
        (None, None) if matches!(op, "NULL" | "NOT_NULL") => Vec::new(),
        (None, None) => {
            return Err(invalid(format_args!(
                "Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {name}"
            )));
        }
    };
    let count_ok = match op {
        "NULL" | "NOT_NULL" => args.is_empty(),
        "BETWEEN" => args.len() == 2,
        "IN" => !args.is_empty(),
        _ => args.len() == 1,
    };
    if !count_ok {
        return Err(invalid(format_args!(
            "Invalid number of argument(s) for the {op} ComparisonOperator"
        )));
    }
    for v in &args {
        if !type_allowed(op, v) {
            return Err(invalid(format_args!(
                "ComparisonOperator {op} is not valid for {} AttributeValue type",
                v.type_tag()
            )));
        }
    }
    if matches!(op, "IN" | "BETWEEN") && args.windows(2).any(|w| w[0].type_tag() != w[1].type_tag())
    {
        return Err(invalid(
            "AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    if op == "IN" {
        return Ok(Condition::In(
            path(),
            args.into_iter().map(Operand::Value).collect(),
        ));
    }
    let mut values = args.into_iter().map(Operand::Value);
    // The count was checked above; the filler is never used.
    let mut next = || {
        values
            .next()
            .unwrap_or(Operand::Value(AttributeValue::Null))
    };
    Ok(match op {
        "EQ" => Condition::Compare(CompareOp::Eq, path(), next()),
        "NE" => Condition::Compare(CompareOp::Ne, path(), next()),
        "LT" => Condition::Compare(CompareOp::Lt, path(), next()),
        "LE" => Condition::Compare(CompareOp::Le, path(), next()),
        "GT" => Condition::Compare(CompareOp::Gt, path(), next()),
        "GE" => Condition::Compare(CompareOp::Ge, path(), next()),
        "NULL" => Condition::Function(CondFunction::AttributeNotExists(Path::attr(name))),
        "NOT_NULL" => Condition::Function(CondFunction::AttributeExists(Path::attr(name))),
        "CONTAINS" => Condition::Function(CondFunction::Contains(path(), next())),
        // Unlike `NOT contains(...)`, NOT_CONTAINS is false for a missing attribute.
        "NOT_CONTAINS" => Condition::And(
            Box::new(Condition::Function(CondFunction::AttributeExists(
                Path::attr(name),
            ))),
            Box::new(Condition::Not(Box::new(Condition::Function(
                CondFunction::Contains(path(), next()),
            )))),
        ),
        "BEGINS_WITH" => Condition::Function(CondFunction::BeginsWith(path(), next())),
        _ => {
            let (low, high) = (next(), next());
            if let (Operand::Value(l), Operand::Value(h)) = (&low, &high)
                && compare_values(l, h) == Some(std::cmp::Ordering::Greater)
            {
                return Err(ApiError::validation(
                    "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
                ));
            }
            Condition::Between(path(), low, high)
        }
    })
}

const OPERATORS: [&str; 13] = [
    "EQ",
    "NE",
    "LE",
    "LT",
    "GE",
    "GT",
    "NOT_NULL",
    "NULL",
    "CONTAINS",
    "NOT_CONTAINS",
    "BEGINS_WITH",
    "IN",
    "BETWEEN",
];

fn type_allowed(op: &str, v: &AttributeValue) -> bool {
    use AttributeValue as A;
    match op {
        "EQ" | "NE" => true,
        "CONTAINS" | "NOT_CONTAINS" => {
            matches!(v, A::S(_) | A::N(_) | A::B(_) | A::Bool(_) | A::Null)
        }
        "BEGINS_WITH" => matches!(v, A::S(_) | A::B(_)),
        _ => matches!(v, A::S(_) | A::N(_) | A::B(_)),
    }
}

/// Converts `AttributeUpdates` to an update (legacy semantics: `ADD` also appends lists).
pub fn update_from_attribute_updates(
    updates: &HashMap<String, AttributeValueUpdate>,
) -> Result<UpdateExpr, ApiError> {
    let mut actions = Vec::with_capacity(updates.len());
    for (name, u) in sorted(updates) {
        let action = u.action.as_deref().unwrap_or("PUT");
        if !matches!(action, "PUT" | "ADD" | "DELETE") {
            return Err(ApiError::validation(
                "Member must satisfy enum value set: [ADD, DELETE, PUT]",
            ));
        }
        let path = Path::attr(name.as_str());
        let Some(v) = &u.value else {
            if action != "DELETE" {
                return Err(invalid(
                    "Only DELETE action is allowed when no attribute value is specified",
                ));
            }
            actions.push(UpdateAction::Remove(path));
            continue;
        };
        use AttributeValue as A;
        actions.push(match action {
            "PUT" => UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(v.clone()))),
            "ADD" => {
                if !matches!(v, A::N(_) | A::Ss(_) | A::Ns(_) | A::Bs(_) | A::L(_)) {
                    return Err(invalid(format_args!(
                        "ADD action is not supported for the type {}",
                        type_name(v)
                    )));
                }
                UpdateAction::Add(path, v.clone())
            }
            _ => {
                if !matches!(v, A::Ss(_) | A::Ns(_) | A::Bs(_)) {
                    return Err(invalid(format_args!(
                        "DELETE action with value is not supported for the type {}",
                        type_name(v)
                    )));
                }
                UpdateAction::Delete(path, v.clone())
            }
        });
    }
    Ok(UpdateExpr {
        actions,
        dialect: UpdateDialect::Legacy,
    })
}
