//! Applying an [`UpdateExpr`] to an item, with DynamoDB's semantics:
//!
//! - every `SET` value is computed from the item as it was before the update;
//! - the actions are then applied together, walking a tree of the written paths: within
//!   a list, indexes refer to the original list (`REMOVE l[1] SET l[2] = :x` replaces the
//!   old third element and removes the old second one), `SET`/`ADD` on an index past the
//!   end appends (in index order), `REMOVE` past the end does nothing;
//! - writing below a missing or wrongly typed parent fails ("The document path provided
//!   in the update expression is invalid for update");
//! - all or nothing: on any error the item is left unchanged.

use crate::ast::{
    Path, PathElement, SetValue, UpdateAction, UpdateDialect, UpdateExpr, UpdateOperand,
};
use crate::errors;
use crate::path::get;
use eddy_types::{ApiError, AttributeValue, Item};
use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

/// What happens at one path, its value already computed.
enum Op<'u> {
    Set(AttributeValue),
    Remove,
    Add(&'u AttributeValue),
    Delete(&'u AttributeValue),
}

/// A node of the tree of written paths.
#[derive(Default)]
struct Node<'u> {
    op: Option<Op<'u>>,
    keys: BTreeMap<&'u str, Node<'u>>,
    indexes: BTreeMap<usize, Node<'u>>,
}

impl<'u> Node<'u> {
    fn insert(&mut self, path: &'u Path, op: Op<'u>) -> Result<(), ApiError> {
        let mut node = self;
        for e in &path.elements {
            if node.op.is_some() {
                return Err(errors::invalid_update_path());
            }
            node = match e {
                PathElement::Attr(name) => node.keys.entry(name.as_str()).or_default(),
                PathElement::Index(i) => node.indexes.entry(*i).or_default(),
            };
        }
        if node.op.is_some() || !node.keys.is_empty() || !node.indexes.is_empty() {
            return Err(errors::invalid_update_path());
        }
        node.op = Some(op);
        Ok(())
    }
}

impl UpdateExpr {
    /// Applies the update with DynamoDB semantics, all-or-nothing on error.
    pub fn apply(&self, item: &mut Item) -> Result<(), ApiError> {
        let mut root = Node::default();
        for action in &self.actions {
            let op = match action {
                UpdateAction::Set(_, v) => Op::Set(set_value(v, item)?),
                UpdateAction::Remove(_) => Op::Remove,
                UpdateAction::Add(_, v) => Op::Add(v),
                UpdateAction::Delete(_, v) => Op::Delete(v),
            };
            root.insert(action.path(), op)?;
        }
        if !root.indexes.is_empty() {
            return Err(errors::invalid_update_path());
        }
        let mut updated = item.clone();
        apply_map(&mut updated, root.keys, self.dialect)?;
        *item = updated;
        Ok(())
    }
}

fn set_value(v: &SetValue, item: &Item) -> Result<AttributeValue, ApiError> {
    match v {
        SetValue::Operand(o) => operand(o, item),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let (a, b) = (operand(a, item)?, operand(b, item)?);
            let (AttributeValue::N(a), AttributeValue::N(b)) = (&a, &b) else {
                return Err(errors::wrong_operand_type());
            };
            let r = if matches!(v, SetValue::Plus(..)) {
                a.add(b)
            } else {
                a.sub(b)
            };
            Ok(AttributeValue::N(r.map_err(errors::number)?))
        }
    }
}

fn operand(o: &UpdateOperand, item: &Item) -> Result<AttributeValue, ApiError> {
    match o {
        UpdateOperand::Path(p) => get(item, p).cloned().ok_or_else(errors::missing_attribute),
        UpdateOperand::Value(v) => Ok(v.clone()),
        UpdateOperand::IfNotExists(p, default) => match get(item, p) {
            Some(v) => Ok(v.clone()),
            None => operand(default, item),
        },
        UpdateOperand::ListAppend(a, b) => {
            let (a, b) = (operand(a, item)?, operand(b, item)?);
            match (a, b) {
                (AttributeValue::L(mut a), AttributeValue::L(b)) => {
                    a.extend(b);
                    Ok(AttributeValue::L(a))
                }
                _ => Err(errors::wrong_operand_type()),
            }
        }
    }
}

fn apply_map<'u>(
    map: &mut Item,
    children: BTreeMap<&'u str, Node<'u>>,
    dialect: UpdateDialect,
) -> Result<(), ApiError> {
    for (key, node) in children {
        if let Some(op) = node.op {
            let result = match op {
                Op::Set(v) => Some(v),
                Op::Remove => None,
                Op::Add(v) => Some(add(map.get(key), v, dialect)?),
                Op::Delete(v) => delete(map.get(key), v, dialect)?,
            };
            match result {
                Some(v) => {
                    map.insert(key.to_string(), v);
                }
                None => {
                    map.remove(key);
                }
            }
        } else {
            descend(map.get_mut(key), node, dialect)?;
        }
    }
    Ok(())
}

/// Applies the writes below `node` inside `value`, which must be a map or list matching
/// the kind of the next path step.
fn descend(
    value: Option<&mut AttributeValue>,
    node: Node,
    dialect: UpdateDialect,
) -> Result<(), ApiError> {
    match value {
        Some(AttributeValue::M(m)) if node.indexes.is_empty() => apply_map(m, node.keys, dialect),
        Some(AttributeValue::L(l)) if node.keys.is_empty() => apply_list(l, node.indexes, dialect),
        _ => Err(errors::invalid_update_path()),
    }
}

fn apply_list(
    list: &mut Vec<AttributeValue>,
    mut children: BTreeMap<usize, Node>,
    dialect: UpdateDialect,
) -> Result<(), ApiError> {
    let old = std::mem::take(list);
    let len = old.len();
    let mut out = Vec::with_capacity(len);
    for (i, mut elem) in old.into_iter().enumerate() {
        let Some(node) = children.remove(&i) else {
            out.push(elem);
            continue;
        };
        match node.op {
            Some(Op::Set(v)) => out.push(v),
            Some(Op::Remove) => {}
            Some(Op::Add(v)) => out.push(add(Some(&elem), v, dialect)?),
            Some(Op::Delete(v)) => out.extend(delete(Some(&elem), v, dialect)?),
            None => {
                descend(Some(&mut elem), node, dialect)?;
                out.push(elem);
            }
        }
    }
    // What is left indexes past the end: SET and ADD append in index order.
    for (_, node) in children {
        match node.op {
            Some(Op::Set(v)) => out.push(v),
            Some(Op::Add(v)) => out.push(add(None, v, dialect)?),
            Some(Op::Remove | Op::Delete(_)) => {}
            None => return Err(errors::invalid_update_path()),
        }
    }
    *list = out;
    Ok(())
}

fn type_error(dialect: UpdateDialect) -> ApiError {
    match dialect {
        UpdateDialect::Expression => errors::wrong_operand_type(),
        UpdateDialect::Legacy => errors::legacy_type_mismatch(),
    }
}

/// `ADD`: number addition, set union (legacy also list concatenation).
fn add(
    existing: Option<&AttributeValue>,
    v: &AttributeValue,
    dialect: UpdateDialect,
) -> Result<AttributeValue, ApiError> {
    use AttributeValue as A;
    let legacy = dialect == UpdateDialect::Legacy;
    Ok(match (existing, v) {
        (None, A::N(_) | A::Ss(_) | A::Ns(_) | A::Bs(_)) => v.clone(),
        (None, A::L(_)) if legacy => v.clone(),
        (Some(A::N(a)), A::N(b)) => A::N(a.add(b).map_err(errors::number)?),
        (Some(A::Ss(a)), A::Ss(b)) => A::Ss(union(a, b)),
        (Some(A::Ns(a)), A::Ns(b)) => A::Ns(union(a, b)),
        (Some(A::Bs(a)), A::Bs(b)) => A::Bs(union(a, b)),
        (Some(A::L(a)), A::L(b)) if legacy => A::L(a.iter().chain(b).cloned().collect()),
        _ => return Err(type_error(dialect)),
    })
}

/// `DELETE`: set difference; `None` when nothing is left (the attribute goes away).
fn delete(
    existing: Option<&AttributeValue>,
    v: &AttributeValue,
    dialect: UpdateDialect,
) -> Result<Option<AttributeValue>, ApiError> {
    use AttributeValue as A;
    let Some(existing) = existing else {
        return Ok(None);
    };
    Ok(match (existing, v) {
        (A::Ss(a), A::Ss(b)) => difference(a, b).map(A::Ss),
        (A::Ns(a), A::Ns(b)) => difference(a, b).map(A::Ns),
        (A::Bs(a), A::Bs(b)) => difference(a, b).map(A::Bs),
        _ => return Err(type_error(dialect)),
    })
}

fn union<T: Clone + Eq + Hash>(a: &[T], b: &[T]) -> Vec<T> {
    let mut seen: HashSet<&T> = a.iter().collect();
    let mut out = a.to_vec();
    for x in b {
        if seen.insert(x) {
            out.push(x.clone());
        }
    }
    out
}

fn difference<T: Clone + Eq + Hash>(a: &[T], b: &[T]) -> Option<Vec<T>> {
    let remove: HashSet<&T> = b.iter().collect();
    let out: Vec<T> = a.iter().filter(|x| !remove.contains(x)).cloned().collect();
    (!out.is_empty()).then_some(out)
}
