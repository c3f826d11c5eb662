//! Evaluation of conditions against an item.
//!
//! DynamoDB semantics: a comparison with a missing attribute, or between values of
//! different types, is false (never an error); `<>` is the negation of `=`; strings order
//! by their UTF-8 bytes, binaries by unsigned bytes, numbers numerically.

use crate::ast::{CompareOp, CondFunction, Condition, Operand};
use crate::path::get;
use eddy_types::{AttributeValue, Item, Number};
use std::borrow::Cow;
use std::cmp::Ordering;

impl Condition {
    /// Evaluates the condition; a missing item is evaluated as an empty map.
    pub fn eval(&self, item: &Item) -> Result<bool, eddy_types::ApiError> {
        Ok(eval(self, item))
    }
}

fn eval(c: &Condition, item: &Item) -> bool {
    match c {
        Condition::And(a, b) => eval(a, item) && eval(b, item),
        Condition::Or(a, b) => eval(a, item) || eval(b, item),
        Condition::Not(a) => !eval(a, item),
        leaf => eval_leaf(leaf, item),
    }
}

/// Comparisons and functions, kept out of [`eval`] so that its recursive frame is small.
#[inline(never)]
fn eval_leaf(c: &Condition, item: &Item) -> bool {
    match c {
        Condition::Compare(op, a, b) => {
            let (a, b) = (operand(a, item), operand(b, item));
            let (Some(a), Some(b)) = (a, b) else {
                return *op == CompareOp::Ne;
            };
            match op {
                CompareOp::Eq => *a == *b,
                CompareOp::Ne => *a != *b,
                CompareOp::Lt => compare_values(&a, &b) == Some(Ordering::Less),
                CompareOp::Le => matches!(
                    compare_values(&a, &b),
                    Some(Ordering::Less | Ordering::Equal)
                ),
                CompareOp::Gt => compare_values(&a, &b) == Some(Ordering::Greater),
                CompareOp::Ge => matches!(
                    compare_values(&a, &b),
                    Some(Ordering::Greater | Ordering::Equal)
                ),
            }
        }
        Condition::Between(v, low, high) => {
            let (Some(v), Some(low), Some(high)) =
                (operand(v, item), operand(low, item), operand(high, item))
            else {
                return false;
            };
            matches!(
                compare_values(&low, &v),
                Some(Ordering::Less | Ordering::Equal)
            ) && matches!(
                compare_values(&v, &high),
                Some(Ordering::Less | Ordering::Equal)
            )
        }
        Condition::In(v, list) => {
            let Some(v) = operand(v, item) else {
                return false;
            };
            list.iter()
                .any(|o| operand(o, item).is_some_and(|x| *x == *v))
        }
        Condition::Function(f) => function(f, item),
        Condition::Literal(b) => *b,
        Condition::And(..) | Condition::Or(..) | Condition::Not(_) => eval(c, item),
    }
}

/// The value of an operand, if it has one.
fn operand<'i>(o: &'i Operand, item: &'i Item) -> Option<Cow<'i, AttributeValue>> {
    match o {
        Operand::Path(p) => get(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(inner) => {
            let v = operand(inner, item)?;
            let n = size_of(&v)?;
            Some(Cow::Owned(AttributeValue::N(Number::from_i64(
                i64::try_from(n).unwrap_or(i64::MAX),
            ))))
        }
    }
}

/// `size()`: string length in UTF-16 code units (what DynamoDB reports), binary length,
/// element count of sets, lists and maps; nothing for other types.
fn size_of(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Null | AttributeValue::Bool(_) => return None,
    })
}

/// Orders two strings, numbers or binaries of the same type; `None` otherwise.
pub(crate) fn compare_values(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn function(f: &CondFunction, item: &Item) -> bool {
    match f {
        CondFunction::AttributeExists(p) => get(item, p).is_some(),
        CondFunction::AttributeNotExists(p) => get(item, p).is_none(),
        CondFunction::AttributeType(a, t) => match (operand(a, item), operand(t, item)) {
            (Some(v), Some(t)) => matches!(&*t, AttributeValue::S(t) if t == v.type_tag()),
            _ => false,
        },
        CondFunction::BeginsWith(a, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => match (&*a, &*b) {
                (AttributeValue::S(x), AttributeValue::S(y)) => x.starts_with(y.as_str()),
                (AttributeValue::B(x), AttributeValue::B(y)) => x.starts_with(y),
                _ => false,
            },
            _ => false,
        },
        CondFunction::Contains(a, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => contains(&a, &b),
            _ => false,
        },
    }
}

/// `contains`: substring of a string or binary, member of a set or list.
pub(crate) fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    match (haystack, needle) {
        (AttributeValue::S(x), AttributeValue::S(y)) => x.contains(y.as_str()),
        (AttributeValue::B(x), AttributeValue::B(y)) => {
            y.is_empty() || x.windows(y.len()).any(|w| w == y.as_slice())
        }
        (AttributeValue::Ss(set), AttributeValue::S(y)) => set.contains(y),
        (AttributeValue::Ns(set), AttributeValue::N(y)) => set.contains(y),
        (AttributeValue::Bs(set), AttributeValue::B(y)) => set.contains(y),
        (AttributeValue::L(list), v) => list.contains(v),
        _ => false,
    }
}
