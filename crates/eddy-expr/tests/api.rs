//! Behaviour of the public API beyond single expressions: what the engine relies on.

use eddy_expr::{
    AttributeValueUpdate, Condition, ExpectedAttributeValue, ExprAttrs, ExprKind, Path,
    PathElement, Projection, condition_from_expected, parse_condition, parse_projection,
    parse_update, projection_from_attributes_to_get, update_from_attribute_updates,
    validate_attributes_to_get,
};
use eddy_types::{AttributeValue, Item, Number};
use std::collections::HashMap;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(Number::from_i64(v))
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn values(pairs: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn cond(text: &str, vals: &HashMap<String, AttributeValue>) -> Condition {
    let mut attrs = ExprAttrs::new(None, Some(vals));
    parse_condition(text, ExprKind::Condition, &mut attrs).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn error_prefix_follows_the_parameter() {
    let vals = values(&[(":v", s("x"))]);
    for (kind, prefix) in [
        (ExprKind::Condition, "Invalid ConditionExpression: "),
        (ExprKind::Filter, "Invalid FilterExpression: "),
        (ExprKind::KeyCondition, "Invalid KeyConditionExpression: "),
    ] {
        let mut attrs = ExprAttrs::new(None, Some(&vals));
        let err = parse_condition("a = ", kind, &mut attrs)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!("{prefix}Syntax error; token: \"<EOF>\", near: \"= \"")
        );
        let mut attrs = ExprAttrs::new(None, Some(&vals));
        let long = "a".repeat(4092) + " = :v";
        let err = parse_condition(&long, kind, &mut attrs)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "{prefix}Expression size has exceeded the maximum allowed size; expression size: 4097"
            )
        );
    }
}

#[test]
fn placeholders_used_by_any_expression_count_as_used() {
    let names = HashMap::from([
        ("#a".to_string(), "a".to_string()),
        ("#p".to_string(), "p".to_string()),
    ]);
    let vals = values(&[(":v", s("x")), (":w", s("y"))]);
    let mut attrs = ExprAttrs::new(Some(&names), Some(&vals));
    attrs.validate().unwrap();
    parse_update("SET #a = :v", &mut attrs).unwrap();
    parse_condition("attribute_exists(#a)", ExprKind::Condition, &mut attrs).unwrap();
    assert_eq!(
        attrs.check_unused().unwrap_err().to_string(),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#p}"
    );
    parse_projection("#p", &mut attrs).unwrap();
    assert_eq!(
        attrs.check_unused().unwrap_err().to_string(),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"
    );
    parse_condition("#p <> :w", ExprKind::Filter, &mut attrs).unwrap();
    attrs.check_unused().unwrap();
}

#[test]
fn missing_item_is_an_empty_map() {
    let vals = values(&[(":v", s("x"))]);
    let empty = Item::new();
    let table = [
        ("attribute_not_exists(a)", true),
        ("attribute_exists(a)", false),
        ("a = :v", false),
        ("a <> :v", true),
        ("NOT a = :v", true),
        ("a < :v OR a >= :v", false),
        ("size(a) <> :v", true),
    ];
    for (text, want) in table {
        assert_eq!(cond(text, &vals).eval(&empty).unwrap(), want, "{text}");
    }
}

#[test]
fn comparisons_truth_table() {
    let vals = values(&[
        (":n", n(10)),
        (":s", s("b")),
        (":b", AttributeValue::B(vec![0x80])),
    ]);
    let it = item(&[
        ("num", n(9)),
        ("str", s("a")),
        ("bin", AttributeValue::B(vec![0x7f])),
        ("uni", s("\u{ffff}")),
        ("emoji", s("\u{1F600}")),
        ("emoji2", s("\u{1F600}")),
        ("num2", n(9)),
    ]);
    let table = [
        ("num < :n", true),
        ("num <= :n", true),
        ("num > :n", false),
        ("num = :n", false),
        ("str < :s", true),
        ("bin < :b", true),  // unsigned bytes
        ("num < :s", false), // different types: false, not an error
        ("str BETWEEN :s AND uni", false),
        ("emoji BETWEEN :s AND emoji2", true),
        ("num BETWEEN :n AND num2", false),
        ("uni < emoji", true), // UTF-8 byte order, not UTF-16
        ("num IN (:s, :n, num2)", true),
    ];
    for (text, want) in table {
        assert_eq!(cond(text, &vals).eval(&it).unwrap(), want, "{text}");
    }
}

#[test]
fn update_is_all_or_nothing() {
    let vals = values(&[(":v", s("x")), (":one", n(1))]);
    let mut attrs = ExprAttrs::new(None, Some(&vals));
    let u = parse_update("SET a = :v, b = b + :one", &mut attrs).unwrap();
    let mut it = item(&[("b", s("not a number"))]);
    let before = it.clone();
    let err = u.apply(&mut it).unwrap_err().to_string();
    assert_eq!(
        err,
        "An operand in the update expression has an incorrect data type"
    );
    assert_eq!(it, before);

    let u = parse_update("SET a = :v, m.x = :v", &mut attrs).unwrap();
    let err = u.apply(&mut it).unwrap_err().to_string();
    assert_eq!(
        err,
        "The document path provided in the update expression is invalid for update"
    );
    assert_eq!(it, before);
}

#[test]
fn updated_paths_and_top_level_names() {
    let vals = values(&[(":v", s("x")), (":one", n(1))]);
    let mut attrs = ExprAttrs::new(None, Some(&vals));
    let u = parse_update("SET a.b[1] = :v, c = :v REMOVE a.d ADD e :one", &mut attrs).unwrap();
    assert_eq!(u.top_level_names(), vec!["a", "c", "e"]);
    let p = u.updated_paths();
    assert_eq!(p.top_level_names(), vec!["a", "c", "e"]);
    let new = item(&[
        (
            "a",
            AttributeValue::M(item(&[
                ("b", AttributeValue::L(vec![s("0"), s("x")])),
                ("keep", s("k")),
            ])),
        ),
        ("c", s("x")),
        ("e", n(1)),
        ("other", s("o")),
    ]);
    let want = item(&[
        (
            "a",
            AttributeValue::M(item(&[("b", AttributeValue::L(vec![s("x")]))])),
        ),
        ("c", s("x")),
        ("e", n(1)),
    ]);
    assert_eq!(p.apply(&new), want);
}

#[test]
fn projection_keeps_the_nested_shape() {
    let it = item(&[
        (
            "a",
            AttributeValue::M(item(&[
                ("b", AttributeValue::L(vec![s("x"), s("y"), s("z")])),
                ("c", n(1)),
            ])),
        ),
        ("d", s("d")),
    ]);
    let mut attrs = ExprAttrs::new(None, None);
    let p = parse_projection("a.b[2], a.b[0], d, a.zz, q[1]", &mut attrs).unwrap();
    let want = item(&[
        (
            "a",
            AttributeValue::M(item(&[("b", AttributeValue::L(vec![s("x"), s("z")]))])),
        ),
        ("d", s("d")),
    ]);
    assert_eq!(p.apply(&it), want);
    assert_eq!(Projection::default().apply(&it), Item::new());
}

#[test]
fn legacy_dtos_deserialize_from_wire_json() {
    let expected: HashMap<String, ExpectedAttributeValue> = serde_json::from_str(
        r#"{"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]},
            "b": {"Exists": false}}"#,
    )
    .unwrap();
    let c = condition_from_expected(&expected, Some("AND")).unwrap();
    assert!(c.eval(&item(&[("a", n(3))])).unwrap());
    assert!(!c.eval(&item(&[("a", n(3)), ("b", n(0))])).unwrap());

    let updates: HashMap<String, AttributeValueUpdate> = serde_json::from_str(
        r#"{"a.b": {"Value": {"S": "x"}}, "n": {"Action": "ADD", "Value": {"N": "2"}},
            "gone": {"Action": "DELETE"}, "l": {"Action": "ADD", "Value": {"L": [{"N": "1"}]}}}"#,
    )
    .unwrap();
    let u = update_from_attribute_updates(&updates).unwrap();
    let mut it = item(&[
        ("n", n(1)),
        ("gone", s("g")),
        ("l", AttributeValue::L(vec![n(0)])),
    ]);
    u.apply(&mut it).unwrap();
    assert_eq!(
        it,
        item(&[
            ("a.b", s("x")),
            ("n", n(3)),
            ("l", AttributeValue::L(vec![n(0), n(1)]))
        ])
    );
    let mut names = u.top_level_names();
    names.sort();
    assert_eq!(names, vec!["a.b", "gone", "l", "n"]);
}

#[test]
fn attributes_to_get() {
    let names = vec!["a.b".to_string(), "c".to_string()];
    let p = projection_from_attributes_to_get(&names);
    assert_eq!(p.paths, vec![Path::attr("a.b"), Path::attr("c")]);
    assert_eq!(
        p.apply(&item(&[("a.b", s("1")), ("a", s("2")), ("c", s("3"))])),
        item(&[("a.b", s("1")), ("c", s("3"))])
    );
    validate_attributes_to_get(&names).unwrap();
    let dup = vec!["a".to_string(), "a".to_string()];
    assert_eq!(
        validate_attributes_to_get(&dup).unwrap_err().to_string(),
        "Cannot have two attributes with the same name"
    );
}

#[test]
fn empty_expected_is_true_and_paths_render_like_dynamodb() {
    assert!(
        condition_from_expected(&HashMap::new(), None)
            .unwrap()
            .eval(&Item::new())
            .unwrap()
    );
    let p = Path {
        elements: vec![
            PathElement::Attr("a".into()),
            PathElement::Index(0),
            PathElement::Attr("b".into()),
        ],
    };
    assert_eq!(p.to_string(), "[a, [0], b]");
}

#[test]
fn number_limits_in_arithmetic() {
    let vals = values(&[
        (":big", AttributeValue::N(Number::parse("9E+125").unwrap())),
        (":prec", AttributeValue::N(Number::parse("1E+38").unwrap())),
    ]);
    let mut attrs = ExprAttrs::new(None, Some(&vals));
    let mut it = item(&[
        ("n", n(5)),
        ("b", AttributeValue::N(Number::parse("9E+125").unwrap())),
    ]);
    let u = parse_update("SET b = b + :big", &mut attrs).unwrap();
    assert_eq!(
        u.apply(&mut it).unwrap_err().to_string(),
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    );
    let u = parse_update("ADD n :prec", &mut attrs).unwrap();
    assert_eq!(
        u.apply(&mut it).unwrap_err().to_string(),
        "DynamoDB only supports precision up to 38 digits"
    );
}
