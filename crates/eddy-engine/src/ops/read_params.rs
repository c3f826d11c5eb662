//! Request validation shared by Query and Scan: the request-shape constraints, the
//! expression and legacy parameters (in DynamoDB's order), `Select` and the checks that
//! need the table: index lookup, key attributes used as documents, `ConsistentRead` on a
//! GSI.
//!
//! Order (AWS): constraints → expression/non-expression mixing → legacy filter →
//! `AttributesToGet` → (Query: a key condition must be given) → placeholders and
//! expressions (key condition, filter, projection) → unused placeholders → legacy key
//! conditions; then the table, then the index, then what Query/Scan check themselves.

use super::constraints::CONDITIONAL_OPERATOR;
use super::constraints::RETURN_CONSUMED_CAPACITY;
use crate::catalog::TableEntry;
use crate::model::{IndexDef, IndexStatus};
use eddy_expr::{
    Condition, ExpectedAttributeValue, ExprAttrs, ExprKind, KeyCond, Path, Projection,
    condition_from_expected, condition_paths,
};
use eddy_types::{ApiError, AttributeValue};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// `Select` in the order AWS prints it.
const SELECT: &[&str] = &[
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
];

/// One entry of `KeyConditions`, `QueryFilter` or `ScanFilter`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LegacyCondition {
    /// The operator's arguments.
    pub attribute_value_list: Option<Vec<AttributeValue>>,
    /// `EQ`, `BETWEEN`, ...
    pub comparison_operator: Option<String>,
}

/// Coral's constraint messages for the members of Query and Scan, collected in the order
/// the service model lists them (see `constraints.rs`; this adds integer bounds).
#[derive(Default)]
pub struct Constraints(Vec<String>);

impl Constraints {
    fn push(&mut self, value: Option<String>, member: &str, constraint: &str) {
        let value = value.map_or_else(|| "null".to_string(), |v| format!("'{v}'"));
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A table or index name: 3..=255 characters of `[a-zA-Z0-9_.-]`.
    pub fn name(&mut self, member: &str, v: Option<&str>, required: bool) {
        let Some(name) = v else {
            if required {
                self.push(None, member, "Member must not be null");
            }
            return;
        };
        let len = name.chars().count();
        if len < 3 {
            self.push(
                Some(name.into()),
                member,
                "Member must have length greater than or equal to 3",
            );
        }
        if len > 255 {
            self.push(
                Some(name.into()),
                member,
                "Member must have length less than or equal to 255",
            );
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            self.push(
                Some(name.into()),
                member,
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            );
        }
    }

    /// An enum member.
    pub fn one_of(&mut self, member: &str, v: Option<&str>, allowed: &[&str]) {
        if let Some(v) = v.filter(|v| !allowed.contains(v)) {
            let set = format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            );
            self.push(Some(v.into()), member, &set);
        }
    }

    /// An integer member within `min..=max`.
    pub fn int(&mut self, member: &str, v: Option<i64>, min: i64, max: Option<i64>) {
        let Some(v) = v else { return };
        if v < min {
            self.push(
                Some(v.to_string()),
                member,
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = max.filter(|m| v > *m) {
            self.push(
                Some(v.to_string()),
                member,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    /// The common members of Query and Scan, in their place in the model's order.
    pub fn select_index(&mut self, select: Option<&str>, index: Option<&str>) {
        self.one_of("select", select, SELECT);
        self.name("indexName", index, false);
    }

    /// `ReturnConsumedCapacity`, `TableName`, `ConditionalOperator`.
    pub fn rcc_table_operator(&mut self, rcc: Option<&str>, table: Option<&str>, op: Option<&str>) {
        self.one_of("returnConsumedCapacity", rcc, RETURN_CONSUMED_CAPACITY);
        self.name("tableName", table, true);
        self.one_of("conditionalOperator", op, CONDITIONAL_OPERATOR);
    }

    /// `AttributesToGet`: 1..=255 names.
    pub fn attributes_to_get(&mut self, names: Option<&[String]>) {
        if let Some(names) = names {
            let rendered = format!("[{}]", names.join(", "));
            if names.is_empty() {
                self.push(
                    Some(rendered),
                    "attributesToGet",
                    "Member must have length greater than or equal to 1",
                );
            } else if names.len() > 255 {
                self.push(
                    Some(rendered),
                    "attributesToGet",
                    "Member must have length less than or equal to 255",
                );
            }
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

/// Query or Scan: decides the parameter names in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOp {
    /// Query (`QueryFilter`, key conditions).
    Query,
    /// Scan (`ScanFilter`).
    Scan,
}

/// The expression-related parameters of a Query or Scan.
pub struct ReadExprParams<'a> {
    /// Which operation.
    pub op: ReadOp,
    /// `KeyConditionExpression`.
    pub key_condition: Option<&'a str>,
    /// `FilterExpression`.
    pub filter: Option<&'a str>,
    /// `ProjectionExpression`.
    pub projection: Option<&'a str>,
    /// Legacy `KeyConditions`.
    pub key_conditions: Option<&'a HashMap<String, LegacyCondition>>,
    /// Legacy `QueryFilter` / `ScanFilter`.
    pub legacy_filter: Option<&'a HashMap<String, LegacyCondition>>,
    /// Legacy `ConditionalOperator`.
    pub conditional_operator: Option<&'a str>,
    /// Legacy `AttributesToGet`.
    pub attributes_to_get: Option<&'a [String]>,
    /// `ExpressionAttributeNames`.
    pub names: Option<&'a HashMap<String, String>>,
    /// `ExpressionAttributeValues`.
    pub values: Option<&'a HashMap<String, AttributeValue>>,
}

/// The parsed expressions of a Query or Scan.
#[derive(Default)]
pub struct ReadExprs {
    /// `KeyConditionExpression`, parsed (reduced to key conditions once the table is known).
    pub key_condition: Option<Condition>,
    /// Legacy `KeyConditions`, validated and converted.
    pub key_conditions: Option<Vec<KeyCond>>,
    /// The filter (expression or legacy).
    pub filter: Option<Condition>,
    /// True when the filter came from `QueryFilter`/`ScanFilter` (error texts differ).
    pub legacy_filter: bool,
    /// The projection (expression or `AttributesToGet`).
    pub projection: Option<Projection>,
    /// True when the projection came from `AttributesToGet`.
    pub legacy_projection: bool,
    /// Every document path of the expressions, in order: key condition, filter,
    /// projection (for "Key attributes must be scalars").
    pub expr_paths: Vec<Path>,
}

/// DynamoDB's message for a legacy condition map converted as a filter: an absent
/// operator is an unknown one, an absent list is empty.
fn legacy_map(map: &HashMap<String, LegacyCondition>) -> HashMap<String, ExpectedAttributeValue> {
    map.iter()
        .map(|(k, c)| {
            let e = ExpectedAttributeValue {
                comparison_operator: Some(c.comparison_operator.clone().unwrap_or_default()),
                attribute_value_list: Some(c.attribute_value_list.clone().unwrap_or_default()),
                ..Default::default()
            };
            (k.clone(), e)
        })
        .collect()
}

impl ReadExprParams<'_> {
    /// Every check that does not need the table, in DynamoDB's order.
    pub fn parse(&self) -> Result<ReadExprs, ApiError> {
        let query = self.op == ReadOp::Query;
        let filter_name = if query { "QueryFilter" } else { "ScanFilter" };
        let mut modern = Vec::new();
        if self.projection.is_some() {
            modern.push("ProjectionExpression");
        }
        if self.filter.is_some() {
            modern.push("FilterExpression");
        }
        if self.key_condition.is_some() {
            modern.push("KeyConditionExpression");
        }
        let mut legacy = Vec::new();
        if self.attributes_to_get.is_some() {
            legacy.push("AttributesToGet");
        }
        if self.legacy_filter.is_some() {
            legacy.push(filter_name);
        }
        if self.conditional_operator.is_some() {
            legacy.push("ConditionalOperator");
        }
        // KeyConditions may go with the other expressions, not with KeyConditionExpression.
        if self.key_conditions.is_some() && self.key_condition.is_some() {
            legacy.push("KeyConditions");
        }
        if !modern.is_empty() && !legacy.is_empty() {
            return Err(ApiError::validation(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                legacy.join(", "),
                modern.join(", ")
            )));
        }
        if self.names.is_some() && modern.is_empty() {
            return Err(ApiError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        if self.values.is_some() && self.filter.is_none() && self.key_condition.is_none() {
            let users = if query {
                "FilterExpression and KeyConditionExpression are null"
            } else {
                "FilterExpression is null"
            };
            return Err(ApiError::validation(format!(
                "ExpressionAttributeValues can only be specified when using expressions: {users}"
            )));
        }
        let mut out = ReadExprs::default();
        match (self.legacy_filter, self.conditional_operator) {
            (Some(f), op) => {
                out.filter = Some(condition_from_expected(&legacy_map(f), op)?);
                out.legacy_filter = true;
            }
            (None, Some(_)) => {
                return Err(ApiError::validation(
                    "ConditionalOperator cannot be used without Filter or Expected",
                ));
            }
            (None, None) => {}
        }
        if let Some(names) = self.attributes_to_get {
            eddy_expr::validate_attributes_to_get(names)?;
            out.projection = Some(eddy_expr::projection_from_attributes_to_get(names));
            out.legacy_projection = true;
        }
        if query && self.key_condition.is_none() && self.key_conditions.is_none() {
            return Err(ApiError::validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
            ));
        }
        let mut attrs = ExprAttrs::new(self.names, self.values);
        attrs.validate()?;
        if let Some(text) = self.key_condition {
            out.key_condition = Some(eddy_expr::parse_condition(
                text,
                ExprKind::KeyCondition,
                &mut attrs,
            )?);
        }
        if let Some(text) = self.filter {
            out.filter = Some(eddy_expr::parse_condition(
                text,
                ExprKind::Filter,
                &mut attrs,
            )?);
        }
        if let Some(text) = self.projection {
            out.projection = Some(eddy_expr::parse_projection(text, &mut attrs)?);
        }
        if !modern.is_empty() {
            attrs.check_unused()?;
        }
        if let Some(kc) = self.key_conditions {
            condition_from_expected(&legacy_map(kc), None)?;
            let sorted: BTreeMap<&String, &LegacyCondition> = kc.iter().collect();
            let conds = sorted.into_iter().map(|(name, c)| {
                let op = c.comparison_operator.as_deref().unwrap_or_default();
                let values = c.attribute_value_list.as_deref().unwrap_or_default();
                eddy_expr::key_condition_from_legacy(name, op, values)
            });
            out.key_conditions = Some(conds.collect());
        }
        let exprs = [
            out.key_condition.as_ref(),
            out.filter.as_ref().filter(|_| !out.legacy_filter),
        ];
        out.expr_paths = exprs
            .into_iter()
            .flatten()
            .flat_map(condition_paths)
            .cloned()
            .collect();
        if !out.legacy_projection {
            out.expr_paths
                .extend(out.projection.iter().flat_map(|p| p.paths.iter().cloned()));
        }
        Ok(out)
    }
}

/// The index a request names, and whether it is global. A GSI still being backfilled
/// (added by UpdateTable) cannot be read yet.
pub fn find_index<'e>(entry: &'e TableEntry, name: &str) -> Result<(&'e IndexDef, bool), ApiError> {
    let def = &entry.def;
    let gsi = def.gsis.iter().find(|i| i.name == name).map(|i| (i, true));
    let lsi = def.lsis.iter().find(|i| i.name == name).map(|i| (i, false));
    let found = gsi.or(lsi).ok_or_else(|| {
        ApiError::validation(format!(
            "The table does not have the specified index: {name}"
        ))
    })?;
    if found.0.status == IndexStatus::Creating {
        return Err(ApiError::validation(format!(
            "Cannot read from backfilling global secondary index: {name}"
        )));
    }
    Ok(found)
}

/// Key attributes (of the table, or of any of its indexes) used as documents
/// (`pk.a`, `sk[0]`) anywhere in the request's expressions.
pub fn check_key_paths(entry: &TableEntry, paths: &[Path]) -> Result<(), ApiError> {
    let def = &entry.def;
    for path in paths.iter().filter(|p| p.elements.len() > 1) {
        let name = path.top_level();
        let kind = if def.key.is_key(name) {
            "Key"
        } else if def.gsis.iter().chain(&def.lsis).any(|i| i.key.is_key(name)) {
            "IndexKey"
        } else {
            continue;
        };
        return Err(ApiError::validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}: {name}"
        )));
    }
    Ok(())
}

/// "Consistent reads are not supported on global secondary indexes".
pub fn check_consistent(global: bool, consistent: Option<bool>) -> Result<(), ApiError> {
    if global && consistent == Some(true) {
        return Err(ApiError::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    Ok(())
}
