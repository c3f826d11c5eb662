//! Subscription filter policies: validation (at Subscribe / SetSubscriptionAttributes)
//! and matching (at Publish), for both scopes.
//!
//! A policy is a JSON object; every key must match (AND), and a key's array of conditions
//! matches when any condition matches any of the value's elements (OR). Conditions:
//! exact strings and numbers, `null`, `{"prefix"}`, `{"suffix"}`, `{"equals-ignore-case"}`,
//! `{"anything-but": v | [v...] | {"prefix"|"suffix": s}}`, `{"numeric": [op, n, ...]}`,
//! `{"exists": bool}`; `"$or": [policy, ...]`. With `FilterPolicyScope=MessageBody` keys
//! may nest (objects inside objects) and the message body must be a JSON object.

use serde_json::{Map, Value};

/// Where a policy looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The message attributes (default).
    Attributes,
    /// The message body, parsed as JSON.
    Body,
}

impl Scope {
    /// From the `FilterPolicyScope` attribute (absent = MessageAttributes).
    pub fn from_attr(v: Option<&str>) -> Self {
        if v == Some("MessageBody") {
            Self::Body
        } else {
            Self::Attributes
        }
    }
}

/// Parses and validates a policy; the error is the reason for `InvalidParameter`.
pub fn validate(text: &str, scope: Scope) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("failed to parse JSON. {e}"))?;
    let Value::Object(obj) = &v else {
        return Err("Filter policy must be a JSON object".into());
    };
    check_object(obj, scope, 0)?;
    Ok(v)
}

fn check_object(obj: &Map<String, Value>, scope: Scope, depth: usize) -> Result<(), String> {
    if depth > 5 {
        return Err("Filter policy is too deeply nested".into());
    }
    for (k, v) in obj {
        if k == "$or" {
            let Value::Array(alts) = v else {
                return Err("$or must be an array of filter policies".into());
            };
            if alts.len() < 2 {
                return Err("$or must have at least two alternatives".into());
            }
            for alt in alts {
                let Value::Object(o) = alt else {
                    return Err("$or alternatives must be JSON objects".into());
                };
                check_object(o, scope, depth + 1)?;
            }
            continue;
        }
        match v {
            Value::Array(conds) => {
                if conds.is_empty() {
                    return Err(format!("Empty arrays are not allowed ({k})"));
                }
                for c in conds {
                    check_condition(k, c)?;
                }
            }
            Value::Object(o) if scope == Scope::Body => check_object(o, scope, depth + 1)?,
            _ => {
                return Err(format!("\"{k}\" must be an object or an array"));
            }
        }
    }
    Ok(())
}

fn check_condition(key: &str, c: &Value) -> Result<(), String> {
    match c {
        Value::String(_) | Value::Number(_) | Value::Null | Value::Bool(_) => Ok(()),
        Value::Array(_) => Err(format!(
            "Match value must be String, number, true, false, or null ({key})"
        )),
        Value::Object(o) => {
            if o.len() != 1 {
                return Err(format!("Only one key allowed in match expression ({key})"));
            }
            let (op, arg) = o.iter().next().expect("one key");
            match op.as_str() {
                "prefix" | "suffix" | "equals-ignore-case" => match arg {
                    Value::String(_) => Ok(()),
                    _ => Err(format!("{op} match pattern must be a string")),
                },
                "exists" => match arg {
                    Value::Bool(_) => Ok(()),
                    _ => Err("exists match pattern must be either true or false.".into()),
                },
                "anything-but" => match arg {
                    Value::String(_) | Value::Number(_) => Ok(()),
                    Value::Array(a)
                        if !a.is_empty() && a.iter().all(|x| x.is_string() || x.is_number()) =>
                    {
                        Ok(())
                    }
                    Value::Object(inner) if inner.len() == 1 => {
                        match inner.iter().next().expect("one key") {
                            (p, Value::String(_)) if p == "prefix" || p == "suffix" => Ok(()),
                            _ => Err("Unsupported anything-but pattern".into()),
                        }
                    }
                    _ => Err(
                        "Value of anything-but must be an array or single string/number value."
                            .into(),
                    ),
                },
                "numeric" => {
                    let Value::Array(parts) = arg else {
                        return Err("Value of numeric must be an array.".into());
                    };
                    parse_numeric(parts).map(|_| ())
                }
                other => Err(format!("Unrecognized match type {other}")),
            }
        }
    }
}

type NumericTerms = Vec<(String, f64)>;

fn parse_numeric(parts: &[Value]) -> Result<NumericTerms, String> {
    if parts.is_empty() || !parts.len().is_multiple_of(2) || parts.len() > 4 {
        return Err("Invalid member in numeric match".into());
    }
    let mut out = Vec::new();
    for pair in parts.chunks(2) {
        let (Value::String(op), Value::Number(n)) = (&pair[0], &pair[1]) else {
            return Err("Invalid member in numeric match".into());
        };
        if !matches!(op.as_str(), "=" | "<" | "<=" | ">" | ">=") {
            return Err(format!("Unrecognized numeric range operator: {op}"));
        }
        out.push((op.clone(), n.as_f64().unwrap_or(f64::NAN)));
    }
    if out.len() == 2 && (out[0].0 == "=" || out[1].0 == "=") {
        return Err("Bad numeric range operator: =".into());
    }
    Ok(out)
}

/// True when the message (attributes as a JSON object, or the body) passes `policy`.
pub fn matches(policy: &Value, scope: Scope, attributes: &Map<String, Value>, body: &str) -> bool {
    let Value::Object(p) = policy else {
        return true;
    };
    match scope {
        Scope::Attributes => match_object(p, attributes),
        Scope::Body => match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(b)) => match_object(p, &b),
            _ => false,
        },
    }
}

fn match_object(policy: &Map<String, Value>, doc: &Map<String, Value>) -> bool {
    policy.iter().all(|(k, cond)| {
        if k == "$or" {
            return cond.as_array().is_some_and(|alts| {
                alts.iter()
                    .any(|a| a.as_object().is_some_and(|o| match_object(o, doc)))
            });
        }
        let value = doc.get(k);
        match cond {
            Value::Object(nested) => match value {
                Some(Value::Object(inner)) => match_object(nested, inner),
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|i| i.as_object().is_some_and(|o| match_object(nested, o))),
                _ => nested.values().all(absent_matches),
            },
            Value::Array(conds) => match value {
                None => conds.iter().any(|c| is_exists(c) == Some(false)),
                Some(v) => conds.iter().any(|c| match_value(c, v)),
            },
            _ => false,
        }
    })
}

/// A nested policy under a missing key matches only if every leaf accepts absence.
fn absent_matches(cond: &Value) -> bool {
    match cond {
        Value::Array(conds) => conds.iter().any(|c| is_exists(c) == Some(false)),
        Value::Object(o) => o.values().all(absent_matches),
        _ => false,
    }
}

fn is_exists(c: &Value) -> Option<bool> {
    c.as_object()?.get("exists")?.as_bool()
}

fn match_value(cond: &Value, v: &Value) -> bool {
    if is_exists(cond) == Some(true) {
        return true;
    }
    if is_exists(cond) == Some(false) {
        return false;
    }
    match v {
        Value::Array(items) => items.iter().any(|i| match_scalar(cond, i)),
        _ => match_scalar(cond, v),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn match_scalar(cond: &Value, v: &Value) -> bool {
    match cond {
        Value::String(s) => v.as_str() == Some(s.as_str()),
        Value::Number(n) => num(v).is_some_and(|x| Some(x) == n.as_f64()),
        Value::Null => v.is_null(),
        Value::Bool(b) => v.as_bool() == Some(*b),
        Value::Array(_) => false,
        Value::Object(o) => {
            let Some((op, arg)) = o.iter().next() else {
                return false;
            };
            match op.as_str() {
                "prefix" => v
                    .as_str()
                    .zip(arg.as_str())
                    .is_some_and(|(x, p)| x.starts_with(p)),
                "suffix" => v
                    .as_str()
                    .zip(arg.as_str())
                    .is_some_and(|(x, p)| x.ends_with(p)),
                "equals-ignore-case" => v
                    .as_str()
                    .zip(arg.as_str())
                    .is_some_and(|(x, p)| x.to_lowercase() == p.to_lowercase()),
                "anything-but" => match arg {
                    Value::Array(list) => !list.iter().any(|x| match_scalar(x, v)),
                    Value::Object(inner) => match inner.iter().next() {
                        Some((p, Value::String(s))) if p == "prefix" => {
                            v.as_str().is_some_and(|x| !x.starts_with(s.as_str()))
                        }
                        Some((p, Value::String(s))) if p == "suffix" => {
                            v.as_str().is_some_and(|x| !x.ends_with(s.as_str()))
                        }
                        _ => false,
                    },
                    other => !match_scalar(other, v),
                },
                "numeric" => {
                    let (Some(x), Some(parts)) = (num(v), arg.as_array()) else {
                        return false;
                    };
                    parse_numeric(parts).is_ok_and(|terms| {
                        terms.iter().all(|(op, n)| match op.as_str() {
                            "=" => x == *n,
                            "<" => x < *n,
                            "<=" => x <= *n,
                            ">" => x > *n,
                            ">=" => x >= *n,
                            _ => false,
                        })
                    })
                }
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn attribute_policies() {
        let p = validate(
            r#"{"store":["example_corp"],"price":[{"numeric":[">=",100,"<",200]}],"kind":[{"anything-but":["a","b"]}],"region":[{"prefix":"us-"}]}"#,
            Scope::Attributes,
        )
        .expect("valid");
        let ok = attrs(json!({"store":"example_corp","price":150,"kind":"c","region":"us-east"}));
        assert!(matches(&p, Scope::Attributes, &ok, ""));
        let mut bad = ok.clone();
        bad.insert("price".into(), json!(250));
        assert!(!matches(&p, Scope::Attributes, &bad, ""));
        let mut bad = ok.clone();
        bad.insert("kind".into(), json!("a"));
        assert!(!matches(&p, Scope::Attributes, &bad, ""));
        let mut bad = ok;
        bad.remove("store");
        assert!(!matches(&p, Scope::Attributes, &bad, ""));
    }

    #[test]
    fn arrays_exists_and_or() {
        let p = validate(
            r#"{"colors":["red"],"opt":[{"exists":false}],"$or":[{"a":["1"]},{"b":["2"]}]}"#,
            Scope::Attributes,
        )
        .expect("valid");
        assert!(matches(
            &p,
            Scope::Attributes,
            &attrs(json!({"colors":["blue","red"],"b":"2"})),
            ""
        ));
        assert!(!matches(
            &p,
            Scope::Attributes,
            &attrs(json!({"colors":["blue"],"b":"2"})),
            ""
        ));
        assert!(!matches(
            &p,
            Scope::Attributes,
            &attrs(json!({"colors":["red"],"b":"2","opt":"x"})),
            ""
        ));
        assert!(!matches(
            &p,
            Scope::Attributes,
            &attrs(json!({"colors":["red"]})),
            ""
        ));
    }

    #[test]
    fn body_scope_nests() {
        let p = validate(
            r#"{"order":{"status":["placed"],"total":[{"numeric":[">",10]}]}}"#,
            Scope::Body,
        )
        .expect("valid");
        let none = Map::new();
        assert!(matches(
            &p,
            Scope::Body,
            &none,
            r#"{"order":{"status":"placed","total":12}}"#
        ));
        assert!(!matches(
            &p,
            Scope::Body,
            &none,
            r#"{"order":{"status":"placed","total":2}}"#
        ));
        assert!(!matches(&p, Scope::Body, &none, "not json"));
        assert!(validate(r#"{"order":{"status":["placed"]}}"#, Scope::Attributes).is_err());
    }

    #[test]
    fn invalid_policies() {
        for bad in [
            "[]",
            "nope",
            r#"{"a":"x"}"#,
            r#"{"a":[]}"#,
            r#"{"a":[{"numeric":["<>",1]}]}"#,
            r#"{"a":[{"wat":1}]}"#,
            r#"{"a":[{"exists":"yes"}]}"#,
        ] {
            assert!(validate(bad, Scope::Attributes).is_err(), "{bad}");
        }
    }
}
