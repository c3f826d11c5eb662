//! Replays the cases recorded from DynamoDB (`tests/oracle/cases.jsonl`, produced by
//! `tests/oracle/record.py` against DynamoDB Local) through eddy-expr and compares the
//! outcome: the condition's truth value, the item after an update or projection, or the
//! exact `ValidationException` message.

use eddy_expr::{
    AttributeValueUpdate, ExpectedAttributeValue, ExprAttrs, ExprKind, condition_from_expected,
    parse_condition, parse_projection, parse_update, update_from_attribute_updates,
};
use eddy_types::{ApiError, AttributeValue, Item};
use serde_json::Value;
use std::collections::HashMap;

const CASES: &str = include_str!("oracle/cases.jsonl");

#[derive(Debug, PartialEq)]
enum Outcome {
    Bool(bool),
    Item(Item),
    Error(String),
}

fn decode<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("bad case value {v}: {e}"))
}

fn opt_map<T: serde::de::DeserializeOwned>(v: &Value) -> Option<HashMap<String, T>> {
    if v.is_null() { None } else { Some(decode(v)) }
}

fn item_of(v: &Value) -> Item {
    if v.is_null() { Item::new() } else { decode(v) }
}

fn err(e: ApiError) -> Outcome {
    Outcome::Error(e.to_string())
}

fn run(case: &Value) -> Outcome {
    let mode = case["mode"].as_str().unwrap_or_default();
    let expr = case["expr"].as_str().unwrap_or_default();
    let names: Option<HashMap<String, String>> = opt_map(&case["names"]);
    let values: Option<HashMap<String, AttributeValue>> = opt_map(&case["values"]);
    let mut item = item_of(&case["item"]);
    let mut attrs = ExprAttrs::new(names.as_ref(), values.as_ref());
    let result = (|| -> Result<Outcome, ApiError> {
        match mode {
            "cond" => {
                attrs.validate()?;
                let c = parse_condition(expr, ExprKind::Condition, &mut attrs)?;
                attrs.check_unused()?;
                Ok(Outcome::Bool(c.eval(&item)?))
            }
            "update" => {
                attrs.validate()?;
                let u = parse_update(expr, &mut attrs)?;
                attrs.check_unused()?;
                u.apply(&mut item)?;
                Ok(Outcome::Item(item.clone()))
            }
            "proj" => {
                attrs.validate()?;
                let p = parse_projection(expr, &mut attrs)?;
                attrs.check_unused()?;
                Ok(Outcome::Item(p.apply(&item)))
            }
            "expected" => {
                let expected: HashMap<String, ExpectedAttributeValue> = decode(&case["expected"]);
                let c = condition_from_expected(&expected, case["op"].as_str())?;
                Ok(Outcome::Bool(c.eval(&item)?))
            }
            "attribute_updates" => {
                let updates: HashMap<String, AttributeValueUpdate> = decode(&case["updates"]);
                let u = update_from_attribute_updates(&updates)?;
                u.apply(&mut item)?;
                Ok(Outcome::Item(item.clone()))
            }
            other => panic!("unknown mode {other}"),
        }
    })();
    result.unwrap_or_else(err)
}

fn expected(case: &Value) -> Option<Outcome> {
    let e = &case["expect"];
    if e.get("skip").is_some() {
        return None;
    }
    if let Some(msg) = e.get("error") {
        if e["code"] != "ValidationException" {
            return None;
        }
        return Some(Outcome::Error(msg.as_str().unwrap_or_default().to_string()));
    }
    match e.as_str() {
        Some("TRUE") => Some(Outcome::Bool(true)),
        Some("FALSE") => Some(Outcome::Bool(false)),
        _ => Some(Outcome::Item(decode(e))),
    }
}

#[test]
fn eddy_matches_recorded_dynamodb_answers() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut known = 0;
    for line in CASES.lines() {
        let case: Value = serde_json::from_str(line).expect("valid JSON line");
        let Some(want) = expected(&case) else {
            continue;
        };
        let label = match case["expr"].as_str() {
            Some(e) => e.to_string(),
            None => format!("{} {} {}", case["expected"], case["updates"], case["op"]),
        };
        let got = run(&case);
        if case.get("known_difference").is_some() {
            // Documented in cases.py; make sure eddy still answers with an error.
            assert!(
                matches!((&got, &want), (Outcome::Error(_), Outcome::Error(_))),
                "known difference changed kind: {label:?} {got:?}"
            );
            known += 1;
            continue;
        }
        checked += 1;
        if got != want {
            let short: String = label.chars().take(160).collect();
            failures.push(format!(
                "[{}] {short:?}\n    want: {want:?}\n    got:  {got:?}",
                case["mode"].as_str().unwrap_or_default()
            ));
        }
    }
    assert!(checked > 700, "only {checked} cases checked");
    assert!(known < 10, "{known} known differences");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
