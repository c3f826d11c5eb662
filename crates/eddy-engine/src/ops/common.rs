//! Pieces shared by the item operations: request decoding, table lookup, expression
//! set-up in DynamoDB's validation order, ReturnValues and consumed capacity.

use super::constraints::Violations;
use crate::Engine;
use crate::catalog::TableEntry;
use eddy_expr::{
    AttributeValueUpdate, Condition, ExpectedAttributeValue, ExprAttrs, ExprKind, Projection,
    UpdateExpr,
};
use eddy_types::attr::json_error_to_api;
use eddy_types::{ApiError, AttributeValue, Item};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Decodes a request body into its input DTO.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| json_error_to_api(&e))
}

/// Encodes an output DTO.
pub fn encode<T: Serialize>(out: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(out).map_err(|e| ApiError::InternalServerError(e.to_string()))
}

/// DynamoDB's table-name constraints for operations that take only a table name.
pub fn check_table_name(name: Option<&str>) -> Result<&str, ApiError> {
    let mut v = Violations::new();
    v.table_name("tableName", name, true);
    v.finish()?;
    Ok(name.unwrap_or_default())
}

/// 3-255 characters of `[a-zA-Z0-9_.-]`.
pub fn valid_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl Engine {
    /// Looks up a table for an item operation (name already validated).
    pub(crate) fn table(&self, name: Option<&str>) -> Result<Arc<TableEntry>, ApiError> {
        self.catalog
            .get(name.unwrap_or_default())
            .ok_or_else(|| ApiError::ResourceNotFound("Requested resource not found".into()))
    }

    /// Looks up a table for a control-plane operation, with AWS's longer message.
    pub(crate) fn table_ddl(&self, name: Option<&str>) -> Result<Arc<TableEntry>, ApiError> {
        let name = check_table_name(name)?;
        self.catalog
            .get(name)
            .ok_or_else(|| ApiError::table_not_found(name))
    }
}

/// The expression-related parameters of one item request.
#[derive(Default)]
pub struct ExprParams<'a> {
    /// `ConditionExpression`.
    pub condition: Option<&'a str>,
    /// `UpdateExpression`.
    pub update: Option<&'a str>,
    /// `ProjectionExpression`.
    pub projection: Option<&'a str>,
    /// Legacy `Expected`.
    pub expected: Option<&'a HashMap<String, ExpectedAttributeValue>>,
    /// Legacy `ConditionalOperator`.
    pub conditional_operator: Option<&'a str>,
    /// Legacy `AttributeUpdates`.
    pub attribute_updates: Option<&'a HashMap<String, AttributeValueUpdate>>,
    /// Legacy `AttributesToGet`.
    pub attributes_to_get: Option<&'a [String]>,
    /// `ExpressionAttributeNames`.
    pub names: Option<&'a HashMap<String, String>>,
    /// `ExpressionAttributeValues`.
    pub values: Option<&'a HashMap<String, AttributeValue>>,
    /// The expressions that could use `values`, named in DynamoDB's error text
    /// ("ConditionExpression is null" / "UpdateExpression and ConditionExpression are null").
    pub value_users: &'static str,
}

/// Parsed expressions of one request.
#[derive(Default)]
pub struct Exprs {
    /// The condition to check against the existing item.
    pub condition: Option<Condition>,
    /// The update to apply.
    pub update: Option<UpdateExpr>,
    /// The projection of returned items.
    pub projection: Option<Projection>,
}

impl ExprParams<'_> {
    /// Parses every expression in DynamoDB's validation order.
    pub fn parse(&self) -> Result<Exprs, ApiError> {
        let mut legacy = Vec::new();
        if self.attributes_to_get.is_some() {
            legacy.push("AttributesToGet");
        }
        if self.attribute_updates.is_some() {
            legacy.push("AttributeUpdates");
        }
        if self.conditional_operator.is_some() {
            legacy.push("ConditionalOperator");
        }
        if self.expected.is_some() {
            legacy.push("Expected");
        }
        let mut modern = Vec::new();
        if self.condition.is_some() {
            modern.push("ConditionExpression");
        }
        if self.projection.is_some() {
            modern.push("ProjectionExpression");
        }
        if self.update.is_some() {
            modern.push("UpdateExpression");
        }
        if !legacy.is_empty() && !modern.is_empty() {
            return Err(ApiError::validation(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                legacy.join(", "),
                modern.join(", ")
            )));
        }
        if modern.is_empty() {
            if self.names.is_some() {
                return Err(ApiError::validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ));
            }
            if self.values.is_some() && !self.value_users.is_empty() {
                return Err(ApiError::validation(format!(
                    "ExpressionAttributeValues can only be specified when using expressions: {}",
                    self.value_users
                )));
            }
        }
        if self.values.is_some_and(HashMap::is_empty) {
            return Err(ApiError::validation(
                "ExpressionAttributeValues must not be empty",
            ));
        }
        if self.names.is_some_and(HashMap::is_empty) {
            return Err(ApiError::validation(
                "ExpressionAttributeNames must not be empty",
            ));
        }
        if let Some(bad) = self
            .names
            .and_then(|n| n.keys().find(|k| !k.starts_with('#')))
        {
            return Err(ApiError::validation(format!(
                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
            )));
        }
        if let Some(bad) = self
            .values
            .and_then(|v| v.keys().find(|k| !k.starts_with(':')))
        {
            return Err(ApiError::validation(format!(
                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
            )));
        }
        let mut attrs = ExprAttrs::new(self.names, self.values);
        let mut out = Exprs::default();
        if let Some(text) = self.update {
            out.update = Some(eddy_expr::parse_update(text, &mut attrs)?);
        }
        if let Some(text) = self.condition {
            out.condition = Some(eddy_expr::parse_condition(
                text,
                ExprKind::Condition,
                &mut attrs,
            )?);
        }
        if let Some(text) = self.projection {
            out.projection = Some(eddy_expr::parse_projection(text, &mut attrs)?);
        }
        if !modern.is_empty() {
            attrs.check_unused()?;
        }
        match (self.expected, self.conditional_operator) {
            (None, Some(_)) => {
                return Err(ApiError::validation(
                    "ConditionalOperator cannot be used without Filter or Expected",
                ));
            }
            (Some(e), Some(_)) if e.len() < 2 => {
                return Err(ApiError::validation(
                    "ConditionalOperator can only be used when Filter or Expected has two or more elements",
                ));
            }
            (Some(e), op) => {
                out.condition = Some(eddy_expr::condition_from_expected(e, op)?);
            }
            (None, None) => {}
        }
        if let Some(updates) = self.attribute_updates {
            out.update = Some(eddy_expr::update_from_attribute_updates(updates)?);
        }
        if let Some(names) = self.attributes_to_get {
            let mut seen = std::collections::HashSet::new();
            if names.iter().any(|n| !seen.insert(n)) {
                return Err(ApiError::validation(
                    "Cannot have two attributes with the same name",
                ));
            }
            out.projection = Some(eddy_expr::projection_from_attributes_to_get(names));
        }
        Ok(out)
    }
}

/// `ReturnConsumedCapacity` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityMode {
    /// Not requested.
    None,
    /// Total only.
    Total,
    /// Total plus table and per-index breakdown.
    Indexes,
}

/// Reads `ReturnConsumedCapacity` (the enum was checked by the constraint pass).
pub fn capacity_mode(v: Option<&str>) -> CapacityMode {
    match v {
        Some("TOTAL") => CapacityMode::Total,
        Some("INDEXES") => CapacityMode::Indexes,
        _ => CapacityMode::None,
    }
}

/// Write capacity units for an item write: 1 per started KB of the larger image.
pub fn write_units(old: Option<usize>, new: Option<usize>) -> f64 {
    let size = old.unwrap_or(0).max(new.unwrap_or(0));
    size.div_ceil(1024).max(1) as f64
}

/// Read capacity units: 1 per started 4 KB, halved for eventually consistent reads.
pub fn read_units(size: Option<usize>, consistent: bool) -> f64 {
    let units = size.unwrap_or(0).div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// The `ConsumedCapacity` object for one table, or `None` when not requested.
/// `indexes` lists (is_global, name, units) for every index the write touched.
pub fn consumed(
    mode: CapacityMode,
    table: &str,
    table_units: f64,
    indexes: &[(bool, String, f64)],
) -> Option<Value> {
    if mode == CapacityMode::None {
        return None;
    }
    let total: f64 = table_units + indexes.iter().map(|i| i.2).sum::<f64>();
    let mut m = Map::new();
    m.insert("TableName".into(), json!(table));
    m.insert("CapacityUnits".into(), json!(total));
    if mode == CapacityMode::Indexes {
        m.insert("Table".into(), json!({"CapacityUnits": table_units}));
        for (global, key) in [
            (false, "LocalSecondaryIndexes"),
            (true, "GlobalSecondaryIndexes"),
        ] {
            let group: Map<String, Value> = indexes
                .iter()
                .filter(|i| i.0 == global)
                .map(|i| (i.1.clone(), json!({"CapacityUnits": i.2})))
                .collect();
            if !group.is_empty() {
                m.insert(key.into(), Value::Object(group));
            }
        }
    }
    Some(Value::Object(m))
}

/// Write units each secondary index costs for one item write, as DynamoDB charges them:
/// an index entry appearing or disappearing is one write, a changed index key is a delete
/// plus a put (two), a changed projected attribute is one, anything else is free. Each
/// index write costs one unit per started KB of the projected entry.
pub fn touched_indexes(
    entry: &TableEntry,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Vec<(bool, String, f64)> {
    let def = &entry.def;
    let lsis = def.lsis.iter().map(|i| (false, i));
    let gsis = def.gsis.iter().map(|i| (true, i));
    lsis.chain(gsis)
        .filter_map(|(global, index)| {
            let project = |item: Option<&Item>| {
                item.filter(|i| {
                    i.contains_key(&index.key.hash.name)
                        && index
                            .key
                            .range
                            .as_ref()
                            .is_none_or(|r| i.contains_key(&r.name))
                })
                .map(|i| project_for_index(def, index, i))
            };
            let (o, n) = (project(old), project(new));
            let units = |p: &Item| eddy_types::size::item_size(p).div_ceil(1024).max(1) as f64;
            let same_key = |a: &Item, b: &Item| {
                let k = &index.key;
                a.get(&k.hash.name) == b.get(&k.hash.name)
                    && k.range
                        .as_ref()
                        .is_none_or(|r| a.get(&r.name) == b.get(&r.name))
            };
            let cost = match (&o, &n) {
                (None, None) => return None,
                (Some(p), None) | (None, Some(p)) => units(p),
                (Some(a), Some(b)) if !same_key(a, b) => units(a) + units(b),
                (Some(a), Some(b)) if a != b => units(b),
                _ => return None,
            };
            Some((global, index.name.clone(), cost))
        })
        .collect()
}

/// The entry an index holds for `item`: table keys, index keys and projected attributes.
fn project_for_index(
    def: &crate::model::TableDef,
    index: &crate::model::IndexDef,
    item: &Item,
) -> Item {
    let keep = |name: &str| {
        def.key.is_key(name)
            || index.key.is_key(name)
            || match index.projection.projection_type.as_str() {
                "ALL" => true,
                "INCLUDE" => index
                    .projection
                    .non_key_attributes
                    .as_ref()
                    .is_some_and(|n| n.iter().any(|a| a == name)),
                _ => false,
            }
    };
    item.iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
