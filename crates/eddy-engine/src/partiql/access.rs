//! Key analysis of WHERE clauses: which items a statement can touch.
//!
//! - UPDATE, DELETE, `EXISTS` and the SELECTs of batches and transactions name exactly one
//!   item: the WHERE clause must be a conjunction containing an equality on every key
//!   attribute ([`single_key`]).
//! - A SELECT reads only the partitions its WHERE clause pins down (`pk = v`,
//!   `pk IN [..]`, and ORs of those), and inside them only the sort-key range its
//!   top-level conjuncts allow (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`);
//!   anything else is a full table scan ([`access`]). The whole WHERE clause is still
//!   evaluated on every item read, so the analysis only has to over-approximate.
//!
//! Sort-key bounds are built on the order-preserving key encoding of `keys.rs`
//! (docs/design/storage-keys.md), as suffixes after the partition prefix.

use super::ast::{CmpOp, Expr};
use super::value::Values;
use crate::keys::{PrimaryKey, encode_value, key_of_item};
use crate::model::{KeyAttr, KeySchema, ScalarType};
use eddy_types::{ApiError, AttributeValue, Item};
use std::ops::Bound;

/// How a SELECT reaches its items.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Every item of the table.
    Scan,
    /// These partitions (distinct, in key order), each within a sort-key range.
    Partitions(Vec<AttributeValue>, SortRange),
}

/// Bounds on the encoded sort key (the storage-key suffix after the partition prefix).
#[derive(Debug, Clone, PartialEq)]
pub struct SortRange {
    /// Lower bound.
    pub lower: Bound<Vec<u8>>,
    /// Upper bound.
    pub upper: Bound<Vec<u8>>,
}

impl Default for SortRange {
    fn default() -> Self {
        Self {
            lower: Bound::Unbounded,
            upper: Bound::Unbounded,
        }
    }
}

/// The top-level conjuncts of a condition.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match x {
            Expr::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            other => out.push(other),
        }
    }
    out
}

/// A constant operand (literal, parameter, collection of constants), not a path.
fn is_constant(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Lit(..)
            | Expr::Param(..)
            | Expr::Neg(..)
            | Expr::List(..)
            | Expr::Tuple(..)
            | Expr::Bag(..)
    )
}

/// `attr <op> constant` or `constant <op> attr` (flipped), for a top-level attribute.
fn key_comparison<'e>(e: &'e Expr, attr: &str) -> Option<(CmpOp, &'e Expr)> {
    let Expr::Cmp(op, a, b) = e else { return None };
    let is_attr = |x: &Expr| matches!(x, Expr::Path(p) if p.steps.is_empty() && p.root == attr);
    if is_attr(a) && is_constant(b) {
        return Some((*op, b));
    }
    if is_attr(b) && is_constant(a) {
        let flipped = match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => *other,
        };
        return Some((flipped, a));
    }
    None
}

/// A key value written in a WHERE clause: of the key's type, not empty.
fn key_value(attr: &KeyAttr, e: &Expr, values: Values) -> Result<AttributeValue, ApiError> {
    let v = values.value(e)?;
    let (ty, empty) = match &v {
        AttributeValue::S(s) => (Some(ScalarType::S), s.is_empty()),
        AttributeValue::N(_) => (Some(ScalarType::N), false),
        AttributeValue::B(b) => (Some(ScalarType::B), b.is_empty()),
        _ => (None, false),
    };
    if ty != Some(attr.ty) {
        return Err(type_mismatch(&attr.name));
    }
    if empty {
        let what = if attr.ty == ScalarType::S {
            "string"
        } else {
            "binary"
        };
        return Err(ApiError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {}",
            attr.name
        )));
    }
    Ok(v)
}

/// "Key attribute's data type should match its data type in table's schema: Key k"
pub fn type_mismatch(name: &str) -> ApiError {
    ApiError::validation(format!(
        "Key attribute's data type should match its data type in table's schema: Key {name}"
    ))
}

/// The one item a statement names, and how many conjuncts are not key equalities.
pub fn single_key(
    filter: Option<&Expr>,
    schema: &KeySchema,
    values: Values,
) -> Result<(PrimaryKey, usize), ApiError> {
    let missing = || {
        ApiError::validation(
            "Where clause does not contain a mandatory equality on all key attributes",
        )
    };
    let filter = filter.ok_or_else(missing)?;
    let attrs: Vec<&KeyAttr> = std::iter::once(&schema.hash)
        .chain(schema.range.as_ref())
        .collect();
    let mut found: Vec<Option<AttributeValue>> = vec![None; attrs.len()];
    let mut others = 0;
    for c in conjuncts(filter) {
        let hit = attrs
            .iter()
            .enumerate()
            .find_map(|(i, a)| match key_comparison(c, &a.name) {
                Some((CmpOp::Eq, v)) => Some((i, v)),
                _ => None,
            });
        let Some((i, v)) = hit else {
            others += 1;
            continue;
        };
        let v = key_value(attrs[i], v, values)?;
        match &found[i] {
            Some(old) if *old != v => {
                return Err(ApiError::validation(format!(
                    "Multiple conditions on same key {}. Only single item Update/Insert/Delete are supported",
                    attrs[i].name
                )));
            }
            Some(_) => others += 1,
            None => found[i] = Some(v),
        }
    }
    let mut item = Item::new();
    for (attr, v) in attrs.iter().zip(found) {
        item.insert(attr.name.clone(), v.ok_or_else(missing)?);
    }
    Ok((key_of_item(schema, &item)?, others))
}

/// The access path of a SELECT over a table (or an index) with key schema `schema`.
pub fn access(
    filter: Option<&Expr>,
    schema: &KeySchema,
    values: Values,
) -> Result<Access, ApiError> {
    let Some(filter) = filter else {
        return Ok(Access::Scan);
    };
    let Some(mut parts) = partitions(filter, &schema.hash, values)? else {
        return Ok(Access::Scan);
    };
    let mut encoded: Vec<(Vec<u8>, AttributeValue)> = parts
        .drain(..)
        .map(|v| {
            let mut e = Vec::new();
            encode_value(&v, &mut e);
            (e, v)
        })
        .collect();
    encoded.sort_by(|a, b| a.0.cmp(&b.0));
    encoded.dedup_by(|a, b| a.0 == b.0);
    let range = match &schema.range {
        Some(sk) => sort_range(filter, sk, values)?,
        None => SortRange::default(),
    };
    Ok(Access::Partitions(
        encoded.into_iter().map(|(_, v)| v).collect(),
        range,
    ))
}

/// The partition-key values a condition limits the items to, if it does.
fn partitions(
    e: &Expr,
    pk: &KeyAttr,
    values: Values,
) -> Result<Option<Vec<AttributeValue>>, ApiError> {
    Ok(match e {
        Expr::And(a, b) => match (partitions(a, pk, values)?, partitions(b, pk, values)?) {
            (Some(x), Some(y)) => Some(if x.len() <= y.len() { x } else { y }),
            (x, y) => x.or(y),
        },
        Expr::Or(a, b) => match (partitions(a, pk, values)?, partitions(b, pk, values)?) {
            (Some(mut x), Some(y)) => {
                x.extend(y);
                Some(x)
            }
            _ => None,
        },
        Expr::In(v, list, false) => match (&**v, &**list) {
            (Expr::Path(p), Expr::List(items, _)) if p.steps.is_empty() && p.root == pk.name => {
                if !items.iter().all(is_constant) || items.is_empty() {
                    return Ok(None);
                }
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(key_value(pk, x, values)?);
                }
                Some(out)
            }
            _ => None,
        },
        other => match key_comparison(other, &pk.name) {
            Some((CmpOp::Eq, v)) => Some(vec![key_value(pk, v, values)?]),
            _ => None,
        },
    })
}

/// The sort-key range the top-level conjuncts allow.
fn sort_range(filter: &Expr, sk: &KeyAttr, values: Values) -> Result<SortRange, ApiError> {
    let mut range = SortRange::default();
    let enc = |e: &Expr| -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        encode_value(&key_value(sk, e, values)?, &mut out);
        Ok(out)
    };
    for c in conjuncts(filter) {
        if let Some((op, v)) = key_comparison(c, &sk.name) {
            let k = enc(v)?;
            match op {
                CmpOp::Eq => {
                    range.raise(Bound::Included(k.clone()));
                    range.lower_to(Bound::Included(k));
                }
                CmpOp::Lt => range.lower_to(Bound::Excluded(k)),
                CmpOp::Le => range.lower_to(Bound::Included(k)),
                CmpOp::Gt => range.raise(Bound::Excluded(k)),
                CmpOp::Ge => range.raise(Bound::Included(k)),
                CmpOp::Ne => {}
            }
            continue;
        }
        match c {
            Expr::Between(v, low, high, false)
                if is_key_path(v, &sk.name) && is_constant(low) && is_constant(high) =>
            {
                range.raise(Bound::Included(enc(low)?));
                range.lower_to(Bound::Included(enc(high)?));
            }
            Expr::Call(name, args, _)
                if name.eq_ignore_ascii_case("begins_with")
                    && args.len() == 2
                    && is_key_path(&args[0], &sk.name)
                    && is_constant(&args[1]) =>
            {
                let prefix = match key_value(sk, &args[1], values)? {
                    AttributeValue::S(s) => s.into_bytes(),
                    AttributeValue::B(b) => b,
                    _ => continue,
                };
                let mut start = Vec::with_capacity(prefix.len() + 4);
                escape_unterminated(&prefix, &mut start);
                if let Some(end) = eddy_storage::prefix_successor(&start) {
                    range.lower_to(Bound::Excluded(end));
                }
                range.raise(Bound::Included(start));
            }
            _ => {}
        }
    }
    Ok(range)
}

fn is_key_path(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::Path(p) if p.steps.is_empty() && p.root == name)
}

/// The escaped bytes of `keys::encode_value` for `S`/`B`, without the terminator: the
/// common prefix of the encodings of every value starting with `bytes`.
fn escape_unterminated(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
}

impl SortRange {
    /// Tightens the lower bound.
    fn raise(&mut self, b: Bound<Vec<u8>>) {
        let tighter = match (&self.lower, &b) {
            (Bound::Unbounded, _) => true,
            (_, Bound::Unbounded) => false,
            (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y)) => y > x,
            (Bound::Included(x), Bound::Excluded(y)) => y >= x,
            (Bound::Excluded(x), Bound::Excluded(y)) => y > x,
        };
        if tighter {
            self.lower = b;
        }
    }

    /// Tightens the upper bound.
    fn lower_to(&mut self, b: Bound<Vec<u8>>) {
        let tighter = match (&self.upper, &b) {
            (Bound::Unbounded, _) => true,
            (_, Bound::Unbounded) => false,
            (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y)) => y < x,
            (Bound::Included(x), Bound::Excluded(y)) => y <= x,
            (Bound::Excluded(x), Bound::Excluded(y)) => y < x,
        };
        if tighter {
            self.upper = b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unterminated_escape_is_a_prefix_of_every_longer_value() {
        for (p, s) in [("a", "ab"), ("a\0", "a\0\0x"), ("", "x"), ("ab", "ab")] {
            let mut pre = Vec::new();
            escape_unterminated(p.as_bytes(), &mut pre);
            let mut full = Vec::new();
            encode_value(&AttributeValue::S(s.into()), &mut full);
            assert!(full.starts_with(&pre), "{p:?} / {s:?}");
        }
        let mut pre = Vec::new();
        escape_unterminated(b"ab", &mut pre);
        let mut other = Vec::new();
        encode_value(&AttributeValue::S("aa\u{7f}".into()), &mut other);
        assert!(!other.starts_with(&pre));
    }

    #[test]
    fn bounds_tighten() {
        let mut r = SortRange::default();
        r.raise(Bound::Included(vec![2]));
        r.raise(Bound::Excluded(vec![2]));
        r.raise(Bound::Included(vec![1]));
        assert_eq!(r.lower, Bound::Excluded(vec![2]));
        r.lower_to(Bound::Included(vec![9]));
        r.lower_to(Bound::Excluded(vec![9]));
        r.lower_to(Bound::Included(vec![10]));
        assert_eq!(r.upper, Bound::Excluded(vec![9]));
    }
}
