//! Validation of key schemas, attribute definitions, throughput and indexes, shared by
//! CreateTable and UpdateTable. Messages are DynamoDB's (DynamoDB Local wording, except
//! where AWS is known to differ; see docs/compatibility.md).

use crate::model::{IndexDef, KeyAttr, KeySchema, Projection, ScalarType, Throughput};
use eddy_types::ApiError;
use serde::Deserialize;
use std::collections::HashSet;

/// `AttributeDefinition` on the wire.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinitionIn {
    attribute_name: Option<String>,
    pub(crate) attribute_type: Option<String>,
}

/// `KeySchemaElement` on the wire.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchemaElementIn {
    pub(crate) attribute_name: Option<String>,
    pub(crate) key_type: Option<String>,
}

/// `ProvisionedThroughput` on the wire.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
pub struct ThroughputIn {
    read_capacity_units: Option<i64>,
    write_capacity_units: Option<i64>,
}

/// `Projection` on the wire.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionIn {
    pub(crate) projection_type: Option<String>,
    non_key_attributes: Option<Vec<String>>,
}

/// A GSI or LSI definition on the wire.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct IndexIn {
    pub(crate) index_name: Option<String>,
    pub(crate) key_schema: Option<Vec<KeySchemaElementIn>>,
    pub(crate) projection: Option<ProjectionIn>,
    provisioned_throughput: Option<ThroughputIn>,
}

fn v(msg: &str) -> ApiError {
    ApiError::validation(msg)
}

/// Checks attribute definitions: types and duplicates.
pub fn attribute_definitions(
    defs: Option<&[AttributeDefinitionIn]>,
) -> Result<Vec<KeyAttr>, ApiError> {
    let defs = defs
        .filter(|d| !d.is_empty())
        .ok_or_else(|| v("No Attribute Schema Defined"))?;
    let mut out = Vec::with_capacity(defs.len());
    let mut seen = HashSet::new();
    for d in defs {
        let name = d.attribute_name.clone().ok_or_else(|| v("Value null at 'attributeDefinitions.member.attributeName' failed to satisfy constraint: Member must not be null"))?;
        let ty = d
            .attribute_type
            .as_deref()
            .and_then(ScalarType::parse)
            .ok_or_else(|| v("1 validation error detected: Value null at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must not be null"))?;
        if !seen.insert(name.clone()) {
            return Err(v("Cannot have two attributes with the same name"));
        }
        out.push(KeyAttr { name, ty });
    }
    Ok(out)
}

/// Checks a key schema (table or index) against the attribute definitions.
pub fn key_schema(
    elems: Option<&[KeySchemaElementIn]>,
    defs: &[KeyAttr],
) -> Result<KeySchema, ApiError> {
    let elems = elems.filter(|e| !e.is_empty()).ok_or_else(|| {
        v("No defined key schema.  A key schema containing at least a hash key must be defined for all tables")
    })?;
    if elems.len() > 2 {
        return Err(v(
            "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table",
        ));
    }
    let mut names = Vec::new();
    for e in elems {
        let name = e.attribute_name.clone().ok_or_else(|| v("Value null at 'keySchema.member.attributeName' failed to satisfy constraint: Member must not be null"))?;
        let kt = e.key_type.as_deref().unwrap_or("");
        if !matches!(kt, "HASH" | "RANGE") {
            return Err(v("Member must satisfy enum value set: [HASH, RANGE]"));
        }
        names.push((name, kt));
    }
    if names.len() == 2 && names[0].0 == names[1].0 {
        return Err(v("Two keys can not have the same name"));
    }
    if names[0].1 != "HASH" {
        if names.len() == 2 && names[1].1 == "HASH" {
            return Err(v(
                "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second",
            ));
        }
        return Err(v(
            "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key",
        ));
    }
    if names.len() == 2 && names[1].1 != "RANGE" {
        return Err(v(
            "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key",
        ));
    }
    let lookup = |n: &str, what: &str| {
        defs.iter().find(|d| d.name == n).cloned().ok_or_else(|| {
            v(&format!(
                "{what} Key not specified in Attribute Definitions.  Type unknown."
            ))
        })
    };
    let hash = lookup(&names[0].0, "Hash")?;
    let range = match names.get(1) {
        Some((n, _)) => Some(lookup(n, "Range")?),
        None => None,
    };
    Ok(KeySchema { hash, range })
}

/// Checks provisioned throughput values.
pub fn throughput(t: ThroughputIn) -> Result<Throughput, ApiError> {
    match (t.read_capacity_units, t.write_capacity_units) {
        (Some(r), Some(w)) if r >= 1 && w >= 1 => Ok(Throughput { read: r, write: w }),
        _ => Err(v(
            "Table read and write throughput must be at least 1, and cannot be null",
        )),
    }
}

/// Validates one index definition (global when `table_range` is irrelevant).
pub fn index(
    i: &IndexIn,
    global: bool,
    table: &KeySchema,
    defs: &[KeyAttr],
    provisioned: bool,
) -> Result<IndexDef, ApiError> {
    let name = i.index_name.clone().unwrap_or_default();
    if !super::common::valid_name(&name) {
        return Err(v(
            "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'",
        ));
    }
    for e in i.key_schema.iter().flatten() {
        if let Some(n) = &e.attribute_name
            && !defs.iter().any(|d| &d.name == n)
        {
            return Err(v(&format!(
                "Attribute {n} is not defined in AttributeDefinitions"
            )));
        }
    }
    let key = key_schema(i.key_schema.as_deref(), defs)?;
    if !global {
        if table.range.is_none() {
            return Err(v(
                "Local Secondary indices are not allowed on hash tables, only hash and range tables",
            ));
        }
        if key.range.is_none() {
            return Err(v("Local secondary indices must have a range key"));
        }
        if key.hash != table.hash {
            return Err(v(
                "Local Secondary indices must have the same hash key as the main table",
            ));
        }
    }
    let p = i
        .projection
        .clone()
        .ok_or_else(|| v("Indexes must have a projection specified"))?;
    let pt = p.projection_type.clone().unwrap_or_default();
    match pt.as_str() {
        "ALL" | "KEYS_ONLY" if p.non_key_attributes.is_some() => {
            return Err(v(
                "No attributes should be specified to be projected unless projection type is INCLUDE",
            ));
        }
        "ALL" | "KEYS_ONLY" => {}
        "INCLUDE" if p.non_key_attributes.as_ref().is_none_or(Vec::is_empty) => {
            return Err(v(
                "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well",
            ));
        }
        "INCLUDE" => {}
        other => return Err(v(&format!("Unknown ProjectionType: {other}"))),
    }
    let mut projected = HashSet::new();
    if !p
        .non_key_attributes
        .iter()
        .flatten()
        .all(|a| projected.insert(a))
    {
        return Err(v("Cannot have two attributes with the same name"));
    }
    let tp = match (global, provisioned, i.provisioned_throughput) {
        (true, true, Some(t)) => Some(throughput(t)?),
        (true, true, None) => {
            return Err(v(
                "No provisioned throughput specified for the global secondary index",
            ));
        }
        (true, false, Some(_)) => {
            return Err(v(&format!(
                "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
            )));
        }
        _ => None,
    };
    Ok(IndexDef {
        id: crate::new_id(),
        name,
        key,
        projection: Projection {
            projection_type: pt,
            non_key_attributes: p.non_key_attributes,
        },
        throughput: tp,
        status: crate::model::IndexStatus::Active,
    })
}
