//! Binding a parsed statement to its table and parameters: the executable [`Plan`].
//!
//! Everything DynamoDB checks before touching data happens here, in its order: the
//! statement's shape (projection names and overlaps, ORDER BY), literals, the WHERE
//! clause, the key analysis, the update's paths. What remains for execution can only
//! fail on the data (conditions, update application, item size).

use super::access::{self, Access};
use super::ast::{Insert, Select, SelectList, Statement};
use super::cond::condition;
use super::paths::{projection, unprojected};
use super::update::update;
use super::value::{Values, param_mismatch};
use super::{Parsed, Returning};
use crate::keys::{PrimaryKey, key_of_item};
use crate::model::{IndexDef, IndexStatus, ScalarType, TableDef};
use eddy_expr::{Condition, Path, Projection, UpdateExpr};
use eddy_types::{ApiError, AttributeValue, Item};

/// What a SELECT returns for each item.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The whole item (or index entry).
    Star,
    /// `(result attribute name, path)` pairs.
    Paths(Vec<(String, Path)>),
}

/// An executable SELECT.
#[derive(Debug, Clone)]
pub struct SelectPlan {
    /// Where the items come from.
    pub access: Access,
    /// The WHERE clause.
    pub filter: Option<Condition>,
    /// The projection.
    pub output: Output,
    /// The index read (`"table"."index"`): its entries are read instead of the items.
    pub index: Option<IndexDef>,
    /// Partitions in descending key order (`ORDER BY pk DESC`).
    pub partitions_desc: bool,
    /// Items in descending sort-key order (`ORDER BY sk DESC`).
    pub desc: bool,
    /// The item a WHERE clause of key equalities names, with the number of other
    /// conjuncts (batches and transactions only read single items).
    pub single: Option<(PrimaryKey, usize)>,
    /// A local index read whose SELECT list needs attributes the index does not
    /// project: each entry's item is fetched from the table, as DynamoDB does.
    pub fetch: bool,
}

/// What a write does to its item.
#[derive(Debug, Clone)]
pub enum WriteKind {
    /// INSERT: create, failing if the item exists.
    Insert(Item),
    /// UPDATE: modify an existing item; `updated` are the written paths.
    Update {
        /// The actions.
        update: UpdateExpr,
        /// The paths written (for `RETURNING MODIFIED ...`).
        updated: Projection,
        /// A key attribute the update writes: refused, once the item is known to exist
        /// (DynamoDB checks existence first).
        key_update: Option<String>,
    },
    /// DELETE: remove the item if it exists.
    Delete,
    /// `EXISTS(SELECT ...)`: check only.
    Check,
}

/// An executable INSERT, UPDATE, DELETE or EXISTS.
#[derive(Debug, Clone)]
pub struct WritePlan {
    /// What to do.
    pub kind: WriteKind,
    /// The item.
    pub key: PrimaryKey,
    /// The WHERE clause, checked against the existing item.
    pub condition: Option<Condition>,
    /// Conjuncts of the WHERE clause besides the key equalities.
    pub extra_conditions: usize,
    /// The RETURNING clause.
    pub returning: Option<Returning>,
}

/// A bound statement.
#[derive(Debug, Clone)]
pub enum Plan {
    /// A read.
    Select(Box<SelectPlan>),
    /// A write or a condition check.
    Write(Box<WritePlan>),
}

/// The table a statement names.
pub fn table_name(s: &Statement) -> &str {
    match s {
        Statement::Select(x) | Statement::Exists(x) => &x.table,
        Statement::Insert(x) => &x.table,
        Statement::Update(x) => &x.table,
        Statement::Delete(x) => &x.table,
    }
}

/// Checks the number of parameters (more than needed is fine, as on DynamoDB).
pub fn check_params(parsed: &Parsed, params: &[AttributeValue]) -> Result<(), ApiError> {
    if params.len() < parsed.params {
        return Err(param_mismatch());
    }
    Ok(())
}

/// Binds a statement to its table.
pub fn bind(parsed: &Parsed, def: &TableDef, params: &[AttributeValue]) -> Result<Plan, ApiError> {
    let values = Values { params };
    match &parsed.statement {
        Statement::Select(s) => Ok(Plan::Select(Box::new(select(s, def, values)?))),
        Statement::Insert(i) => Ok(Plan::Write(Box::new(insert(i, def, values)?))),
        Statement::Update(u) => Ok(Plan::Write(Box::new(update(
            u,
            def,
            values,
            parsed.returning,
        )?))),
        Statement::Delete(d) => {
            if let Some(r) = parsed.returning.filter(|r| *r != Returning::AllOld) {
                let text = match r {
                    Returning::ModifiedOld => "MODIFIED OLD",
                    Returning::AllNew => "ALL NEW",
                    _ => "MODIFIED NEW",
                };
                return Err(ApiError::validation(format!(
                    "Invalid returning clause: RETURNING {text} *. Only RETURNING ALL OLD * is allowed in DELETE statements."
                )));
            }
            let condition = d
                .filter
                .as_ref()
                .map(|f| condition(f, values))
                .transpose()?;
            let (key, extra) = access::single_key(d.filter.as_ref(), &def.key, values)?;
            Ok(Plan::Write(Box::new(WritePlan {
                kind: WriteKind::Delete,
                key,
                condition,
                extra_conditions: extra,
                returning: parsed.returning,
            })))
        }
        Statement::Exists(s) => {
            let condition = s
                .filter
                .as_ref()
                .map(|f| condition(f, values))
                .transpose()?;
            let (key, extra) = access::single_key(s.filter.as_ref(), &def.key, values)?;
            Ok(Plan::Write(Box::new(WritePlan {
                kind: WriteKind::Check,
                key,
                condition,
                extra_conditions: extra,
                returning: None,
            })))
        }
    }
}

fn select(s: &Select, def: &TableDef, values: Values) -> Result<SelectPlan, ApiError> {
    let index = match &s.index {
        Some(name) => Some(
            def.gsis
                .iter()
                .chain(&def.lsis)
                .find(|i| &i.name == name && i.status != IndexStatus::Deleting)
                .cloned()
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "The table does not have the specified index: {name}"
                    ))
                })?,
        ),
        None => None,
    };
    if let Some(i) = index.as_ref().filter(|i| i.status == IndexStatus::Creating) {
        return Err(ApiError::validation(format!(
            "Cannot read from backfilling global secondary index: {}",
            i.name
        )));
    }
    let output = match &s.list {
        SelectList::Star => Output::Star,
        SelectList::Paths(paths) => Output::Paths(projection(paths)?),
    };
    let mut fetch = false;
    if let (Some(i), Output::Paths(paths)) = (&index, &output) {
        let missing = unprojected(def, i, paths);
        let global = def.gsis.iter().any(|g| g.id == i.id);
        if global && !missing.is_empty() {
            return Err(ApiError::validation(format!(
                "One or more parameter values were invalid: Global secondary index {} does not project [{}]",
                i.name,
                missing.join(", ")
            )));
        }
        fetch = !missing.is_empty();
    }
    let filter = s
        .filter
        .as_ref()
        .map(|f| condition(f, values))
        .transpose()?;
    let schema = index.as_ref().map_or(&def.key, |i| &i.key);
    let access = access::access(s.filter.as_ref(), schema, values)?;
    let mut desc = false;
    let mut partitions_desc = false;
    if !s.order_by.is_empty() {
        if s.filter.is_none() {
            return Err(ApiError::validation(
                "Must have WHERE clause in the statement when using ORDER BY clause.",
            ));
        }
        if access == Access::Scan {
            return Err(ApiError::validation(
                "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.",
            ));
        }
        for (p, d) in &s.order_by {
            let is = |name: &str| p.steps.is_empty() && p.root == name;
            if is(&schema.hash.name) {
                partitions_desc = *d;
            } else if schema.range.as_ref().is_some_and(|r| is(&r.name)) {
                desc = *d;
            } else {
                return Err(ApiError::validation(format!(
                    "Variable reference {} in ORDER BY clause must be part of the primary key",
                    p.root
                )));
            }
        }
    }
    let single = match (&index, &access) {
        (None, Access::Partitions(..)) => {
            access::single_key(s.filter.as_ref(), &def.key, values).ok()
        }
        _ => None,
    };
    Ok(SelectPlan {
        access,
        filter,
        output,
        index,
        partitions_desc,
        desc,
        single,
        fetch,
    })
}

fn insert(i: &Insert, def: &TableDef, values: Values) -> Result<WritePlan, ApiError> {
    let item = values.item(&i.value)?;
    for attr in std::iter::once(&def.key.hash).chain(def.key.range.as_ref()) {
        let Some(v) = item.get(&attr.name) else {
            return Err(ApiError::validation(format!(
                "Key attribute should be present in the item: Key {}",
                attr.name
            )));
        };
        let ty = match v {
            AttributeValue::S(_) => Some(ScalarType::S),
            AttributeValue::N(_) => Some(ScalarType::N),
            AttributeValue::B(_) => Some(ScalarType::B),
            _ => None,
        };
        if ty != Some(attr.ty) {
            return Err(access::type_mismatch(&attr.name));
        }
    }
    let key = key_of_item(&def.key, &item)?;
    Ok(WritePlan {
        kind: WriteKind::Insert(item),
        key,
        condition: None,
        extra_conditions: 0,
        returning: None,
    })
}
