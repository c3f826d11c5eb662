//! Feeds arbitrary UTF-8 to the condition, update and projection parsers and runs every
//! successful parse on a small item. Any panic (or stack overflow) is a bug.
//!
//! ```text
//! cd fuzz && cargo +nightly fuzz run expressions
//! ```

#![no_main]

use eddy_expr::{ExprAttrs, ExprKind, parse_condition, parse_projection, parse_update};
use eddy_types::{AttributeValue, Item, Number};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fn item() -> Item {
    let mut inner = Item::new();
    inner.insert(
        "b".into(),
        AttributeValue::L(vec![AttributeValue::S("x".into()), AttributeValue::Null]),
    );
    inner.insert("s".into(), AttributeValue::Ss(vec!["a".into(), "b".into()]));
    let mut item = Item::new();
    item.insert("a".into(), AttributeValue::M(inner));
    item.insert("n".into(), AttributeValue::N(Number::from_i64(5)));
    item.insert("s".into(), AttributeValue::S("héllo".into()));
    item.insert("l".into(), AttributeValue::L(vec![AttributeValue::Bool(true)]));
    item
}

fuzz_target!(|text: &str| {
    let names: HashMap<String, String> = [("#a", "a"), ("#n", "n"), ("#d", "a.b")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let values: HashMap<String, AttributeValue> = [
        (":s", AttributeValue::S("x".into())),
        (":n", AttributeValue::N(Number::from_i64(1))),
        (":l", AttributeValue::L(vec![AttributeValue::N(Number::from_i64(2))])),
        (":ss", AttributeValue::Ss(vec!["a".into()])),
        (":b", AttributeValue::B(vec![0, 255])),
        (":t", AttributeValue::S("S".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let item = item();

    for kind in [ExprKind::Condition, ExprKind::Filter, ExprKind::KeyCondition] {
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
        if u.apply(&mut it).is_ok() {
            let _ = u.updated_paths().apply(&it);
        }
        let mut empty = Item::new();
        let _ = u.apply(&mut empty);
    }
    let mut attrs = ExprAttrs::new(Some(&names), Some(&values));
    if let Ok(p) = parse_projection(text, &mut attrs) {
        let _ = p.apply(&item);
    }
});
