//! No input makes a parser panic or exhaust the stack: random bytes, random token
//! soups, and the deepest nestings that fit in DynamoDB's 4 KB expression limit, run on
//! a thread with a small stack (tokio's default worker stack is 2 MiB).

use eddy_expr::{ExprAttrs, ExprKind, parse_condition, parse_projection, parse_update};
use eddy_types::{AttributeValue, Item, Number};
use proptest::prelude::*;
use std::collections::HashMap;

fn values() -> HashMap<String, AttributeValue> {
    [
        (":v", AttributeValue::S("x".into())),
        (":n", AttributeValue::N(Number::from_i64(1))),
        (":l", AttributeValue::L(vec![AttributeValue::Null])),
        (":ss", AttributeValue::Ss(vec!["a".into()])),
        (":m", AttributeValue::M(Item::new())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn names() -> HashMap<String, String> {
    HashMap::from([
        ("#n".to_string(), "a".to_string()),
        ("#m".to_string(), "m".to_string()),
    ])
}

fn sample_item() -> Item {
    let mut inner = Item::new();
    inner.insert(
        "b".into(),
        AttributeValue::L(vec![AttributeValue::S("x".into())]),
    );
    let mut item = Item::new();
    item.insert("a".into(), AttributeValue::M(inner));
    item.insert("n".into(), AttributeValue::N(Number::from_i64(5)));
    item.insert(
        "l".into(),
        AttributeValue::L(vec![AttributeValue::Bool(true)]),
    );
    item
}

/// Runs every parser on `text`, and whatever parses on a small item.
fn exercise(text: &str) {
    let (names, values) = (names(), values());
    let item = sample_item();
    for kind in [
        ExprKind::Condition,
        ExprKind::Filter,
        ExprKind::KeyCondition,
    ] {
        let mut attrs = ExprAttrs::new(Some(&names), Some(&values));
        if let Ok(c) = parse_condition(text, kind, &mut attrs) {
            let _ = c.eval(&item);
            let _ = c.eval(&Item::new());
            let _ = attrs.check_unused();
        }
    }
    let mut attrs = ExprAttrs::new(Some(&names), Some(&values));
    if let Ok(u) = parse_update(text, &mut attrs) {
        let mut it = item.clone();
        let _ = u.apply(&mut it);
        let _ = u.updated_paths().apply(&it);
        let _ = u.top_level_names();
    }
    let mut attrs = ExprAttrs::new(Some(&names), Some(&values));
    if let Ok(p) = parse_projection(text, &mut attrs) {
        let _ = p.apply(&item);
    }
}

/// Runs `f` on a thread with a 1 MiB stack; a stack overflow aborts the test binary.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic");
}

#[test]
fn deepest_nestings_fit_a_small_stack() {
    let fill = |unit: &str, tail: &str, close: &str| {
        let n = (4096 - tail.len()) / (unit.len() + close.len());
        unit.repeat(n) + tail + &close.repeat(n)
    };
    let cases = vec![
        fill("NOT ", "a = :v", ""),
        fill("(", "a = :v", ")"),
        fill("(", "a", ""),
        fill("NOT (", "a = :v", ")"),
        fill("(a = :v AND ", "a = :v", ")"),
        fill("(a = :v OR NOT ", "a = :v", ")"),
        fill("size(", "a", ")") + " = :n",
        fill("a = (", ":v", ")"),
        fill("a IN (", ":v", ")"),
        // The deepest valid conditions: 300 operators, nested to the left and right.
        "(".repeat(140) + "a = :v" + &" AND a = :v)".repeat(140),
        "NOT ".repeat(299) + "a = :v",
        "NOT (".repeat(150) + "a = :v" + &")".repeat(150),
        fill("SET a = if_not_exists(a, ", ":n", ")"),
        fill("SET a = list_append(", ":l", ", :l)"),
        "SET a = ".to_string() + &"(".repeat(4080) + ":n",
        "SET a = ".to_string() + &"(".repeat(2040) + ":n" + &")".repeat(2040),
        fill("a.", "b", ""),
        fill("a[0]", "", ""),
        ",".repeat(4096),
    ];
    for text in cases {
        assert!(text.len() <= 4200);
        on_small_stack(move || exercise(&text));
    }
}

#[test]
fn valid_deep_conditions_evaluate() {
    on_small_stack(|| {
        let values = values();
        let text = "(".repeat(140) + "a = :v" + &" OR a = :v)".repeat(140) + " OR n = :n";
        let mut attrs = ExprAttrs::new(None, Some(&values));
        let c = parse_condition(&text, ExprKind::Condition, &mut attrs).unwrap();
        let mut item = Item::new();
        item.insert("n".into(), AttributeValue::N(Number::from_i64(1)));
        assert!(c.eval(&item).unwrap());
        let text = "NOT ".repeat(300) + "a = :v";
        let mut attrs = ExprAttrs::new(None, Some(&values));
        let err = parse_condition(&text, ExprKind::Condition, &mut attrs).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
        );
    });
}

const TOKENS: &[&str] = &[
    "a",
    "b",
    "#n",
    "#m",
    "#x",
    ":v",
    ":n",
    ":l",
    ":ss",
    ":m",
    ":x",
    "name",
    "size",
    "0",
    "1",
    "10",
    "2147483648",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "+",
    "-",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "SET",
    "REMOVE",
    "ADD",
    "DELETE",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "if_not_exists",
    "list_append",
    "foo",
    ":S",
    "$",
    "é",
    "\"",
    " ",
    "\t",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|toks| {
        let mut out = String::new();
        for (i, t) in toks.iter().enumerate() {
            // Mostly spaced, sometimes glued, so tokens also merge.
            if i % 3 != 0 {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soups_never_panic(text in soup()) {
        exercise(&text);
    }

    #[test]
    fn random_printable_text_never_panics(text in "[ -~]{0,80}") {
        exercise(&text);
    }
}
