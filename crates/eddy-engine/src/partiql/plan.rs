//! Binding a parsed statement to its table and parameters: the executable [`Plan`].
//!
//! Everything DynamoDB checks before touching data happens here, in its order: the
//! statement's shape (projection names and overlaps, ORDER BY), literals, the WHERE
//! clause, the key analysis, the update's paths. What remains for execution can only
//! fail on the data (conditions, update application, item size).

use super::access::{self, Access};
use super::ast::{Action, Expr, Insert, PathExpr, Select, SelectList, Statement, Step, Update};
use super::cond::{condition, path};
use super::value::{Values, is_update_arith, param_mismatch};
use super::{Parsed, Returning};
use crate::keys::{PrimaryKey, key_of_item};
use crate::model::{IndexDef, IndexStatus, ScalarType, TableDef};
use eddy_expr::{
    Condition, Path, PathElement, Projection, SetValue, UpdateAction, UpdateDialect, UpdateExpr,
    UpdateOperand,
};
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
                return Err(ApiError::validation(
                    "Variable reference name in ORDER BY clause must be part of the primary key",
                ));
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

/// The top-level attributes of a SELECT list that `index` does not project.
fn unprojected(def: &TableDef, index: &IndexDef, paths: &[(String, Path)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, p) in paths {
        let name = p.top_level();
        let projected = def.key.is_key(name)
            || index.key.is_key(name)
            || match index.projection.projection_type.as_str() {
                "ALL" => true,
                "INCLUDE" => index
                    .projection
                    .non_key_attributes
                    .as_ref()
                    .is_some_and(|n| n.iter().any(|a| a == name)),
                _ => false,
            };
        if !projected && !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// Result names and paths of a projection list, with DynamoDB's checks: distinct
/// result names, then no two paths overlapping.
fn projection(paths: &[PathExpr]) -> Result<Vec<(String, Path)>, ApiError> {
    let mut out: Vec<(String, Path)> = Vec::with_capacity(paths.len());
    for p in paths {
        let name = result_name(p);
        if out.iter().any(|(n, _)| *n == name) {
            return Err(ApiError::validation(format!(
                "Duplicate identifiers in select clause: {name}"
            )));
        }
        out.push((name, path(p)?));
    }
    let resolved: Vec<Path> = out.iter().map(|(_, p)| p.clone()).collect();
    check_disjoint(&resolved)?;
    Ok(out)
}

/// The attribute name a projected path is returned under: its last name, with the
/// list indexes that follow it (`a.b[1]` is `b[1]`).
fn result_name(p: &PathExpr) -> String {
    let last_field = p.steps.iter().rposition(|s| matches!(s, Step::Field(_)));
    let (mut name, rest) = match last_field {
        Some(i) => match &p.steps[i] {
            Step::Field(f) => (f.clone(), &p.steps[i + 1..]),
            Step::Index(_) => (p.root.clone(), &p.steps[..]),
        },
        None => (p.root.clone(), &p.steps[..]),
    };
    for s in rest {
        if let Step::Index(Some(i)) = s {
            name.push_str(&format!("[{i}]"));
        }
    }
    name
}

/// DynamoDB's overlap and conflict checks between paths, later paths first.
fn check_disjoint(paths: &[Path]) -> Result<(), ApiError> {
    for (i, p) in paths.iter().enumerate() {
        for q in &paths[..i] {
            if let Some(what) = clash(p, q) {
                return Err(ApiError::validation(format!(
                    "Two document paths {what} with each other; must remove or rewrite one of these paths; path one: {p}, path two: {q}"
                )));
            }
        }
    }
    Ok(())
}

/// "overlap" when one path is a prefix of the other, "conflict" when they part where
/// one names a map key and the other a list index.
fn clash(a: &Path, b: &Path) -> Option<&'static str> {
    for (x, y) in a.elements.iter().zip(&b.elements) {
        match (x, y) {
            (PathElement::Attr(p), PathElement::Attr(q)) if p == q => {}
            (PathElement::Index(p), PathElement::Index(q)) if p == q => {}
            (PathElement::Attr(_), PathElement::Attr(_))
            | (PathElement::Index(_), PathElement::Index(_)) => return None,
            _ => return Some("conflict"),
        }
    }
    Some("overlap")
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

fn update(
    u: &Update,
    def: &TableDef,
    values: Values,
    returning: Option<Returning>,
) -> Result<WritePlan, ApiError> {
    let mut actions = Vec::with_capacity(u.actions.len());
    for a in &u.actions {
        let (target, action) = match a {
            Action::Set(p, v) => {
                let target = path(p)?;
                let action = set_action(&target, v, values)?;
                (target, action)
            }
            Action::Remove(p) => {
                let target = path(p)?;
                (target.clone(), UpdateAction::Remove(target))
            }
        };
        if def.key.is_key(target.top_level()) {
            return Err(ApiError::validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {}. This attribute is part of the key",
                target.top_level()
            )));
        }
        actions.push(action);
    }
    let targets: Vec<Path> = actions.iter().map(|a| a.path().clone()).collect();
    check_disjoint(&targets)?;
    let condition = u
        .filter
        .as_ref()
        .map(|f| condition(f, values))
        .transpose()?;
    let (key, extra) = access::single_key(u.filter.as_ref(), &def.key, values)?;
    Ok(WritePlan {
        kind: WriteKind::Update {
            update: UpdateExpr {
                actions,
                dialect: UpdateDialect::Expression,
            },
            updated: Projection { paths: targets },
        },
        key,
        condition,
        extra_conditions: extra,
        returning,
    })
}

/// `SET target = value`.
fn set_action(target: &Path, v: &Expr, values: Values) -> Result<UpdateAction, ApiError> {
    match v {
        Expr::Arith(op, a, b, _) if is_update_arith(*op) => {
            let (a, b) = (operand(a, values)?, operand(b, values)?);
            Ok(UpdateAction::Set(
                target.clone(),
                if op.symbol() == "+" {
                    SetValue::Plus(a, b)
                } else {
                    SetValue::Minus(a, b)
                },
            ))
        }
        Expr::Arith(op, ..) => Err(ApiError::validation(format!(
            "Unsupported operator in Update Expression. Operator: {}",
            op.symbol()
        ))),
        Expr::Call(name, args, _)
            if name.eq_ignore_ascii_case("set_add") || name.eq_ignore_ascii_case("set_delete") =>
        {
            let upper = name.to_ascii_uppercase();
            if args.len() != 2 {
                return Err(arity(&upper.to_ascii_lowercase(), args.len()));
            }
            let same = matches!(&args[0], Expr::Path(p) if path(p).is_ok_and(|p| p == *target));
            if !same {
                return Err(ApiError::validation(format!(
                    "The first argument to {upper} must equal the assignment value"
                )));
            }
            let set = values.value(&args[1])?;
            if !matches!(
                set,
                AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
            ) {
                return Err(ApiError::validation(
                    "An operand in the update expression has an incorrect data type",
                ));
            }
            Ok(if upper == "SET_ADD" {
                UpdateAction::Add(target.clone(), set)
            } else {
                UpdateAction::Delete(target.clone(), set)
            })
        }
        other => Ok(UpdateAction::Set(
            target.clone(),
            SetValue::Operand(operand(other, values)?),
        )),
    }
}

fn arity(function: &str, n: usize) -> ApiError {
    ApiError::validation(format!(
        "Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {n}"
    ))
}

/// An operand of a SET value.
fn operand(e: &Expr, values: Values) -> Result<UpdateOperand, ApiError> {
    match e {
        Expr::Path(p) => Ok(UpdateOperand::Path(path(p)?)),
        Expr::Call(name, args, _) => {
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                "list_append" | "if_not_exists" if args.len() != 2 => {
                    Err(arity(&lower, args.len()))
                }
                "list_append" => Ok(UpdateOperand::ListAppend(
                    Box::new(operand(&args[0], values)?),
                    Box::new(operand(&args[1], values)?),
                )),
                "if_not_exists" => match &args[0] {
                    Expr::Path(p) => Ok(UpdateOperand::IfNotExists(
                        path(p)?,
                        Box::new(operand(&args[1], values)?),
                    )),
                    _ => Err(ApiError::validation(
                        "Operator or function requires a document path; operator or function: if_not_exists",
                    )),
                },
                _ => Err(ApiError::validation(format!(
                    "Unrecognized function: {name}"
                ))),
            }
        }
        Expr::Arith(op, ..) => Err(ApiError::validation(format!(
            "Unsupported operator in Update Expression. Operator: {}",
            op.symbol()
        ))),
        e if e.is_predicate() => Err(ApiError::validation(
            "Unsupported operator in Update Expression.",
        )),
        constant => Ok(UpdateOperand::Value(values.value(constant)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partiql::parse;

    fn names(stmt: &str) -> Result<Vec<String>, String> {
        let parsed = parse(stmt).map_err(|e| e.to_string())?;
        let Statement::Select(s) = parsed.statement else {
            panic!("not a select")
        };
        let SelectList::Paths(paths) = s.list else {
            panic!("star")
        };
        projection(&paths)
            .map(|v| v.into_iter().map(|(n, _)| n).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn projection_names_and_checks() {
        assert_eq!(
            names("SELECT a.b[2].c, l[1], x, m.x.y FROM t").unwrap(),
            ["c", "l[1]", "x", "y"]
        );
        assert_eq!(
            names("SELECT n, n FROM t").unwrap_err(),
            "Duplicate identifiers in select clause: n"
        );
        assert_eq!(
            names("SELECT m, m.x FROM t").unwrap_err(),
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, x], path two: [m]"
        );
        assert_eq!(
            names("SELECT a.b, a[0] FROM t").unwrap_err(),
            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"
        );
    }
}
