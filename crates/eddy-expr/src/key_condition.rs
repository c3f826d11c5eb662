//! Key conditions of a Query: a parsed `KeyConditionExpression` (or the legacy
//! `KeyConditions` map) turned into at most one condition per key attribute.
//!
//! A key condition is parsed with the ordinary condition grammar
//! ([`parse_condition`](crate::parse_condition) with [`ExprKind::KeyCondition`](crate::ExprKind),
//! so syntax, placeholder, `BETWEEN`-bound and `begins_with` operand-type errors are the
//! usual ones) and then reduced here to a conjunction of simple conditions, one per
//! attribute, with DynamoDB's messages for everything a key condition may not contain.
//! Which attributes are the keys is the caller's business: the engine matches the result
//! against the table's or index's key schema ("Query condition missed key schema element",
//! "Condition parameter type does not match schema type"...), because those checks run
//! after the table and index are known.
//!
//! The walk follows DynamoDB's order: a node's operator is checked before its operands,
//! operands left to right, `AND` children left to right.

use crate::ast::{CompareOp, CondFunction, Condition, Operand, Path};
use eddy_types::{ApiError, AttributeValue};

/// The operator of one key-attribute condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOp {
    /// `=` / `EQ`.
    Eq,
    /// `<` / `LT`.
    Lt,
    /// `<=` / `LE`.
    Le,
    /// `>` / `GT`.
    Gt,
    /// `>=` / `GE`.
    Ge,
    /// `BETWEEN a AND b` / `BETWEEN` (two values, low first).
    Between,
    /// `begins_with(k, p)` / `BEGINS_WITH`.
    BeginsWith,
    /// A legacy operator that cannot use a key (`NE`, `NULL`, `NOT_NULL`, `CONTAINS`,
    /// `NOT_CONTAINS`, `IN`): only rejected once the key schema is known.
    NotIndexable,
}

/// One condition on one key attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCond {
    /// The attribute the condition constrains.
    pub name: String,
    /// The operator.
    pub op: KeyOp,
    /// Its values: one, two for `Between`, any number for `NotIndexable`.
    pub values: Vec<AttributeValue>,
}

impl KeyCond {
    /// Whether `v` (a value of the key attribute) satisfies the condition. Values of
    /// another type never do.
    pub fn matches(&self, v: &AttributeValue) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let cmp = |i: usize| {
            self.values
                .get(i)
                .and_then(|x| crate::eval::compare_values(v, x))
        };
        match self.op {
            KeyOp::Eq => cmp(0) == Some(Equal),
            KeyOp::Lt => cmp(0) == Some(Less),
            KeyOp::Le => matches!(cmp(0), Some(Less | Equal)),
            KeyOp::Gt => cmp(0) == Some(Greater),
            KeyOp::Ge => matches!(cmp(0), Some(Greater | Equal)),
            KeyOp::Between => {
                matches!(cmp(0), Some(Greater | Equal)) && matches!(cmp(1), Some(Less | Equal))
            }
            KeyOp::BeginsWith => match (v, self.values.first()) {
                (AttributeValue::S(s), Some(AttributeValue::S(p))) => s.starts_with(p.as_str()),
                (AttributeValue::B(b), Some(AttributeValue::B(p))) => b.starts_with(p),
                _ => false,
            },
            KeyOp::NotIndexable => false,
        }
    }
}

fn invalid_operator(op: &str) -> ApiError {
    ApiError::validation(format!(
        "Invalid operator used in KeyConditionExpression: {op}"
    ))
}

fn invalid_condition(detail: &str) -> ApiError {
    ApiError::validation(format!(
        "Invalid condition in KeyConditionExpression: {detail}"
    ))
}

/// Reduces a parsed `KeyConditionExpression` to one condition per attribute, in the order
/// written. Errors: `OR`/`NOT`/`IN`/`<>` and functions other than `begins_with` ("Invalid
/// operator used in KeyConditionExpression: X"), `size()` ("cannot contain nested
/// operations"), nested paths, several attributes or none in one comparison, a value as
/// the first operand of `BETWEEN`/`begins_with`, and two conditions on one attribute.
pub fn key_conditions(cond: &Condition) -> Result<Vec<KeyCond>, ApiError> {
    let mut out: Vec<KeyCond> = Vec::new();
    let mut stack = vec![cond];
    while let Some(c) = stack.pop() {
        let (op, operands): (KeyOp, Vec<&Operand>) = match c {
            Condition::And(a, b) => {
                stack.push(b);
                stack.push(a);
                continue;
            }
            Condition::Or(..) => return Err(invalid_operator("OR")),
            Condition::Not(_) => return Err(invalid_operator("NOT")),
            Condition::In(..) => return Err(invalid_operator("IN")),
            Condition::Literal(_) => return Err(invalid_condition("No key attribute specified")),
            Condition::Compare(CompareOp::Ne, ..) => return Err(invalid_operator("<>")),
            Condition::Compare(op, a, b) => (compare_op(*op), vec![a, b]),
            Condition::Between(v, low, high) => {
                if !matches!(v, Operand::Path(_)) {
                    return Err(invalid_condition(
                        "BETWEEN operator must have the key attribute as its first operand",
                    ));
                }
                (KeyOp::Between, vec![v, low, high])
            }
            Condition::Function(f) => match f {
                CondFunction::AttributeExists(_) => {
                    return Err(invalid_operator("attribute_exists"));
                }
                CondFunction::AttributeNotExists(_) => {
                    return Err(invalid_operator("attribute_not_exists"));
                }
                CondFunction::AttributeType(..) => return Err(invalid_operator("attribute_type")),
                CondFunction::Contains(..) => return Err(invalid_operator("contains")),
                CondFunction::BeginsWith(a, b) => {
                    if !matches!(a, Operand::Path(_)) {
                        return Err(invalid_condition(
                            "begins_with operator must have the key attribute as its first operand",
                        ));
                    }
                    (KeyOp::BeginsWith, vec![a, b])
                }
            },
        };
        out.push(leaf(op, &operands, &out)?);
    }
    Ok(out)
}

fn compare_op(op: CompareOp) -> KeyOp {
    match op {
        CompareOp::Eq | CompareOp::Ne => KeyOp::Eq,
        CompareOp::Lt => KeyOp::Lt,
        CompareOp::Le => KeyOp::Le,
        CompareOp::Gt => KeyOp::Gt,
        CompareOp::Ge => KeyOp::Ge,
    }
}

/// One comparison, `BETWEEN` or `begins_with`: exactly one top-level attribute among the
/// operands, the rest values.
fn leaf(op: KeyOp, operands: &[&Operand], done: &[KeyCond]) -> Result<KeyCond, ApiError> {
    let mut attr: Option<(&Path, usize)> = None;
    let mut values = Vec::new();
    for (i, o) in operands.iter().enumerate() {
        match o {
            Operand::Path(p) => {
                if attr.is_some() {
                    return Err(invalid_condition(
                        "Multiple attribute names used in one condition",
                    ));
                }
                if p.elements.len() > 1 {
                    return Err(ApiError::validation(
                        "KeyConditionExpressions cannot have conditions on nested attributes",
                    ));
                }
                attr = Some((p, i));
            }
            Operand::Size(_) => {
                return Err(ApiError::validation(
                    "KeyConditionExpressions cannot contain nested operations",
                ));
            }
            Operand::Value(v) => values.push(v.clone()),
        }
    }
    let Some((path, position)) = attr else {
        return Err(invalid_condition("No key attribute specified"));
    };
    let name = path.top_level().to_string();
    if done.iter().any(|k| k.name == name) {
        return Err(ApiError::validation(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    // `:v < k` is `k > :v`.
    let op = match (op, position) {
        (KeyOp::Lt, 1) => KeyOp::Gt,
        (KeyOp::Le, 1) => KeyOp::Ge,
        (KeyOp::Gt, 1) => KeyOp::Lt,
        (KeyOp::Ge, 1) => KeyOp::Le,
        (op, _) => op,
    };
    Ok(KeyCond { name, op, values })
}

/// Converts one validated entry of the legacy `KeyConditions` map (its operator and
/// `AttributeValueList` already checked like a filter condition, e.g. by
/// [`condition_from_expected`](crate::condition_from_expected)).
pub fn key_condition_from_legacy(name: &str, operator: &str, values: &[AttributeValue]) -> KeyCond {
    let op = match operator {
        "EQ" => KeyOp::Eq,
        "LT" => KeyOp::Lt,
        "LE" => KeyOp::Le,
        "GT" => KeyOp::Gt,
        "GE" => KeyOp::Ge,
        "BETWEEN" => KeyOp::Between,
        "BEGINS_WITH" => KeyOp::BeginsWith,
        _ => KeyOp::NotIndexable,
    };
    KeyCond {
        name: name.to_string(),
        op,
        values: values.to_vec(),
    }
}

/// Every document path a condition reads, in the order written (for the engine's checks
/// of key attributes used inside filters and key conditions).
pub fn condition_paths(cond: &Condition) -> Vec<&Path> {
    fn operand<'c>(o: &'c Operand, out: &mut Vec<&'c Path>) {
        match o {
            Operand::Path(p) => out.push(p),
            Operand::Size(inner) => operand(inner, out),
            Operand::Value(_) => {}
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![cond];
    while let Some(c) = stack.pop() {
        match c {
            Condition::And(a, b) | Condition::Or(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            Condition::Not(a) => stack.push(a),
            Condition::Compare(_, a, b) => {
                operand(a, &mut out);
                operand(b, &mut out);
            }
            Condition::Between(a, b, d) => {
                for o in [a, b, d] {
                    operand(o, &mut out);
                }
            }
            Condition::In(a, list) => {
                operand(a, &mut out);
                for o in list {
                    operand(o, &mut out);
                }
            }
            Condition::Function(f) => match f {
                CondFunction::AttributeExists(p) | CondFunction::AttributeNotExists(p) => {
                    out.push(p)
                }
                CondFunction::AttributeType(a, b)
                | CondFunction::BeginsWith(a, b)
                | CondFunction::Contains(a, b) => {
                    operand(a, &mut out);
                    operand(b, &mut out);
                }
            },
            Condition::Literal(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExprAttrs, ExprKind, parse_condition};
    use eddy_types::Number;
    use std::collections::HashMap;

    fn vals() -> HashMap<String, AttributeValue> {
        HashMap::from([
            (":p".to_string(), AttributeValue::S("a".into())),
            (":n".to_string(), AttributeValue::N(Number::from_i64(1))),
            (":m".to_string(), AttributeValue::N(Number::from_i64(5))),
        ])
    }

    fn run(text: &str) -> Result<Vec<KeyCond>, String> {
        let v = vals();
        let mut attrs = ExprAttrs::new(None, Some(&v));
        let c =
            parse_condition(text, ExprKind::KeyCondition, &mut attrs).map_err(|e| e.to_string())?;
        key_conditions(&c).map_err(|e| e.to_string())
    }

    #[test]
    fn conjunctions_become_one_condition_per_attribute() {
        let k = run("(pk = :p) AND (:n < sk)").unwrap();
        assert_eq!(k.len(), 2);
        assert_eq!((k[0].name.as_str(), k[0].op), ("pk", KeyOp::Eq));
        assert_eq!((k[1].name.as_str(), k[1].op), ("sk", KeyOp::Gt));
        let k = run("sk BETWEEN :n AND :m AND pk = :p").unwrap();
        assert_eq!((k[0].op, k[0].values.len()), (KeyOp::Between, 2));
        let k = run("pk = :p AND begins_with(sk, :p)").unwrap();
        assert_eq!(k[1].op, KeyOp::BeginsWith);
    }

    #[test]
    fn dynamodb_messages() {
        let cases = [
            (
                "pk = :p OR sk = :n",
                "Invalid operator used in KeyConditionExpression: OR",
            ),
            (
                "NOT pk = :p",
                "Invalid operator used in KeyConditionExpression: NOT",
            ),
            (
                "pk IN (:p)",
                "Invalid operator used in KeyConditionExpression: IN",
            ),
            (
                "pk <> :p",
                "Invalid operator used in KeyConditionExpression: <>",
            ),
            (
                "attribute_exists(pk)",
                "Invalid operator used in KeyConditionExpression: attribute_exists",
            ),
            (
                "pk = :p AND contains(sk, :n)",
                "Invalid operator used in KeyConditionExpression: contains",
            ),
            (
                "size(pk) = :n",
                "KeyConditionExpressions cannot contain nested operations",
            ),
            (
                "pk = sk",
                "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
            ),
            (
                ":p = :p",
                "Invalid condition in KeyConditionExpression: No key attribute specified",
            ),
            (
                "a.b = :p",
                "KeyConditionExpressions cannot have conditions on nested attributes",
            ),
            (
                "pk = :p AND pk = :p",
                "KeyConditionExpressions must only contain one condition per key",
            ),
            (
                ":n BETWEEN sk AND :m",
                "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
            ),
            (
                "begins_with(:p, sk)",
                "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
            ),
            // Operators are checked before operands: OR wins over the nested path.
            (
                "pk = :p OR a.b = :n",
                "Invalid operator used in KeyConditionExpression: OR",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(run(text).unwrap_err(), want, "{text}");
        }
    }

    #[test]
    fn matching_follows_dynamodb_order() {
        let n = |i| AttributeValue::N(Number::from_i64(i));
        let between = KeyCond {
            name: "sk".into(),
            op: KeyOp::Between,
            values: vec![n(-2), n(3)],
        };
        assert!(between.matches(&n(-2)) && between.matches(&n(3)) && !between.matches(&n(4)));
        assert!(!between.matches(&AttributeValue::S("1".into())));
        let prefix = KeyCond {
            name: "sk".into(),
            op: KeyOp::BeginsWith,
            values: vec![AttributeValue::B(vec![0, 1])],
        };
        assert!(
            prefix.matches(&AttributeValue::B(vec![0, 1, 2]))
                && !prefix.matches(&AttributeValue::B(vec![0]))
        );
        let legacy = key_condition_from_legacy("sk", "NE", &[n(1)]);
        assert_eq!(legacy.op, KeyOp::NotIndexable);
        assert!(!legacy.matches(&n(2)));
    }

    #[test]
    fn paths_in_order() {
        let v = vals();
        let mut attrs = ExprAttrs::new(None, Some(&v));
        let c = parse_condition(
            "a.b = :p AND (NOT size(c[1]) > :n OR attribute_exists(d))",
            ExprKind::Filter,
            &mut attrs,
        )
        .unwrap();
        let names: Vec<String> = condition_paths(&c).iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["[a, b]", "[c, [1]]", "[d]"]);
    }
}
