//! Event filtering (`FilterCriteria`): the EventBridge-pattern subset Lambda applies to
//! stream records before batching.
//!
//! A pattern is a JSON object. Keys name fields of the record (nesting recurses); a leaf
//! is an array of alternatives, each a literal (string, number, boolean, null: compared
//! exactly, numbers by their text) or an operator object (`exists`, `prefix`, `suffix`,
//! `equals-ignore-case`, `anything-but`, `numeric`). `$or` takes a list of sub-patterns.
//! All listed fields must match (AND); a record is delivered if any filter matches (OR).
//! Patterns are parsed once, at create/update time, into [`Pattern`]; invalid ones are
//! rejected there ("Invalid filter pattern definition.").

use serde_json::{Map, Value};

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    fields: Vec<(String, Node)>,
    ors: Vec<Vec<Pattern>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Nested(Pattern),
    Leaf(Vec<Matcher>),
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    /// Exact JSON equality (numbers by text).
    Literal(Value),
    Exists(bool),
    Prefix(String),
    Suffix(String),
    EqualsIgnoreCase(String),
    AnythingBut(Vec<Value>),
    Numeric(Vec<(String, f64)>),
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern;

impl Pattern {
    /// Parses a pattern string (the `Pattern` member of a filter).
    pub fn parse(text: &str) -> Result<Self, InvalidPattern> {
        let v: Value = serde_json::from_str(text).map_err(|_| InvalidPattern)?;
        match v {
            Value::Object(m) => Self::from_map(&m),
            _ => Err(InvalidPattern),
        }
    }

    fn from_map(m: &Map<String, Value>) -> Result<Self, InvalidPattern> {
        let mut p = Pattern {
            fields: Vec::new(),
            ors: Vec::new(),
        };
        // serde_json keeps the last of duplicate keys, which is AWS's rule too.
        for (k, v) in m {
            if k == "$or" {
                let Value::Array(alts) = v else {
                    return Err(InvalidPattern);
                };
                if alts.len() < 2 {
                    return Err(InvalidPattern);
                }
                let alts = alts
                    .iter()
                    .map(|a| match a {
                        Value::Object(m) => Self::from_map(m),
                        _ => Err(InvalidPattern),
                    })
                    .collect::<Result<_, _>>()?;
                p.ors.push(alts);
                continue;
            }
            let node = match v {
                Value::Object(m) => Node::Nested(Self::from_map(m)?),
                Value::Array(alts) if !alts.is_empty() => {
                    Node::Leaf(alts.iter().map(matcher).collect::<Result<_, _>>()?)
                }
                _ => return Err(InvalidPattern),
            };
            p.fields.push((k.clone(), node));
        }
        if p.fields.is_empty() && p.ors.is_empty() {
            return Err(InvalidPattern);
        }
        Ok(p)
    }

    /// True when `record` matches.
    pub fn matches(&self, record: &Value) -> bool {
        let obj = record.as_object();
        let fields_ok = self.fields.iter().all(|(k, node)| {
            let field = obj.and_then(|o| o.get(k));
            match node {
                Node::Nested(p) => match field {
                    Some(v @ Value::Object(_)) => p.matches(v),
                    // A nested pattern over a missing object can only match through
                    // `exists: false` leaves.
                    _ => p.matches_absent(),
                },
                Node::Leaf(ms) => ms.iter().any(|m| leaf_matches(m, field)),
            }
        });
        fields_ok
            && self
                .ors
                .iter()
                .all(|alts| alts.iter().any(|p| p.matches(record)))
    }

    fn matches_absent(&self) -> bool {
        self.matches(&Value::Null)
    }
}

fn matcher(v: &Value) -> Result<Matcher, InvalidPattern> {
    let Value::Object(op) = v else {
        return Ok(Matcher::Literal(v.clone()));
    };
    if op.len() != 1 {
        return Err(InvalidPattern);
    }
    let (name, arg) = op.iter().next().ok_or(InvalidPattern)?;
    let string = || arg.as_str().map(str::to_string).ok_or(InvalidPattern);
    Ok(match name.as_str() {
        "exists" => Matcher::Exists(arg.as_bool().ok_or(InvalidPattern)?),
        "prefix" => Matcher::Prefix(string()?),
        "suffix" => Matcher::Suffix(string()?),
        "equals-ignore-case" => Matcher::EqualsIgnoreCase(string()?),
        "anything-but" => Matcher::AnythingBut(match arg {
            Value::Array(a) if !a.is_empty() && a.iter().all(is_scalar) => a.clone(),
            a if is_scalar(a) && !a.is_null() => vec![a.clone()],
            _ => return Err(InvalidPattern),
        }),
        "numeric" => Matcher::Numeric(numeric(arg)?),
        _ => return Err(InvalidPattern),
    })
}

fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
    )
}

fn numeric(arg: &Value) -> Result<Vec<(String, f64)>, InvalidPattern> {
    let Value::Array(a) = arg else {
        return Err(InvalidPattern);
    };
    if a.is_empty() || a.len() % 2 != 0 || a.len() > 4 {
        return Err(InvalidPattern);
    }
    a.chunks(2)
        .map(|c| {
            let op = c[0].as_str().ok_or(InvalidPattern)?;
            if !matches!(op, "=" | "<" | "<=" | ">" | ">=") {
                return Err(InvalidPattern);
            }
            Ok((op.to_string(), c[1].as_f64().ok_or(InvalidPattern)?))
        })
        .collect()
}

fn leaf_matches(m: &Matcher, field: Option<&Value>) -> bool {
    match (m, field) {
        (Matcher::Exists(want), f) => f.is_some() == *want,
        (_, None) => false,
        (Matcher::Literal(want), Some(v)) => literal_eq(want, v),
        (Matcher::Prefix(p), Some(Value::String(s))) => s.starts_with(p.as_str()),
        (Matcher::Suffix(p), Some(Value::String(s))) => s.ends_with(p.as_str()),
        (Matcher::EqualsIgnoreCase(p), Some(Value::String(s))) => {
            s.to_lowercase() == p.to_lowercase()
        }
        (Matcher::AnythingBut(list), Some(v)) => {
            !matches!(v, Value::Object(_) | Value::Array(_))
                && !list.iter().any(|x| literal_eq(x, v))
        }
        (Matcher::Numeric(conds), Some(Value::Number(n))) => {
            let Some(x) = n.as_f64() else { return false };
            conds.iter().all(|(op, y)| match op.as_str() {
                "=" => x == *y,
                "<" => x < *y,
                "<=" => x <= *y,
                ">" => x > *y,
                _ => x >= *y,
            })
        }
        _ => false,
    }
}

/// Literal equality: numbers by their JSON text (`300` ≠ `300.0`), arrays match when any
/// element equals the literal.
fn literal_eq(want: &Value, v: &Value) -> bool {
    match (want, v) {
        (Value::Number(a), Value::Number(b)) => a.to_string() == b.to_string(),
        (w, Value::Array(items)) if !w.is_array() => items.iter().any(|i| literal_eq(w, i)),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec() -> Value {
        json!({
            "eventName": "INSERT",
            "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
            "dynamodb": {
                "ApproximateCreationDateTime": 1700000000.0,
                "SizeBytes": 70,
                "Keys": {"pk": {"S": "o-1"}},
                "NewImage": {"pk": {"S": "o-1"}, "status": {"S": "SHIPPED"}, "n": {"N": "101"}}
            }
        })
    }

    fn m(p: &str) -> bool {
        Pattern::parse(p).expect("valid pattern").matches(&rec())
    }

    #[test]
    fn dynamodb_patterns_match_as_on_aws() {
        assert!(m(r#"{"eventName": ["INSERT"]}"#));
        assert!(!m(r#"{"eventName": ["MODIFY", "REMOVE"]}"#));
        assert!(m(
            r#"{"dynamodb": {"NewImage": {"status": {"S": ["SHIPPED"]}}}}"#
        ));
        assert!(!m(r#"{"dynamodb": {"NewImage": {"status": ["SHIPPED"]}}}"#));
        assert!(m(
            r#"{"dynamodb": {"NewImage": {"absent": [{"exists": false}]}}}"#
        ));
        assert!(m(
            r#"{"dynamodb": {"NewImage": {"status": [{"exists": true}]}}}"#
        ));
        assert!(m(
            r#"{"dynamodb": {"NewImage": {"status": {"S": [{"prefix": "SHIP"}]}}}}"#
        ));
        assert!(m(
            r#"{"dynamodb": {"NewImage": {"status": {"S": [{"suffix": "PED"}]}}}}"#
        ));
        assert!(m(
            r#"{"dynamodb": {"NewImage": {"status": {"S": [{"equals-ignore-case": "shipped"}]}}}}"#
        ));
        assert!(!m(
            r#"{"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["SHIPPED"]}]}}}}"#
        ));
        assert!(!m(
            r#"{"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 100]}]}}}}"#
        ));
        assert!(m(r#"{"dynamodb": {"NewImage": {"n": {"N": ["101"]}}}}"#));
        assert!(m(
            r#"{"dynamodb": {"SizeBytes": [{"numeric": [">", 10, "<=", 70]}]}}"#
        ));
        assert!(!m(r#"{"dynamodb": {"SizeBytes": [70.0]}}"#));
        assert!(m(
            r#"{"userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}}"#
        ));
        assert!(m(
            r#"{"$or": [{"eventName": ["REMOVE"]}, {"dynamodb": {"SizeBytes": [70]}}]}"#
        ));
        assert!(!m(
            r#"{"eventName": ["INSERT"], "dynamodb": {"SizeBytes": [1]}}"#
        ));
    }

    #[test]
    fn invalid_patterns_are_refused() {
        for bad in [
            "not json",
            "[1]",
            "{}",
            r#"{"a": "x"}"#,
            r#"{"a": []}"#,
            r#"{"a": [{"prefix": 1}]}"#,
            r#"{"a": [{"nope": 1}]}"#,
            r#"{"a": [{"numeric": [">"]}]}"#,
            r#"{"a": [{"numeric": ["!", 1]}]}"#,
            r#"{"$or": [{"a": ["x"]}]}"#,
            r#"{"a": [{"exists": true, "prefix": "x"}]}"#,
        ] {
            assert_eq!(Pattern::parse(bad), Err(InvalidPattern), "{bad}");
        }
    }
}
