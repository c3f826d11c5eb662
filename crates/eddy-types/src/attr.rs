//! `AttributeValue`: the ten DynamoDB attribute types and their JSON form.
//!
//! Decoding validates the way DynamoDB does (exactly one type tag, non-empty sets without
//! duplicates, valid numbers, base64 binaries). Validation failures are reported as serde
//! custom errors whose text starts with [`VALIDATION_MARKER`]; [`json_error_to_api`]
//! turns any `serde_json::Error` into the matching `ValidationException` or
//! `SerializationException`. The decoder itself lives in `attr/de.rs`.

mod coral;
mod de;
mod expr_values;
mod validate;

use crate::error::ApiError;
use crate::number::Number;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

pub use de::deserialize_item;
pub use expr_values::{ExpressionValues, deserialize_expression_values};

/// An item: attribute name to value. Ordered so output and storage are deterministic.
pub type Item = BTreeMap<String, AttributeValue>;

/// Prefix of serde custom-error texts that must surface as `ValidationException`.
pub const VALIDATION_MARKER: &str = "\u{1}VALIDATION:";

/// One DynamoDB attribute value.
///
/// Equality follows DynamoDB: numbers compare numerically (they are normalised) and sets
/// compare as sets, ignoring order.
#[derive(Debug, Clone)]
pub enum AttributeValue {
    /// `S`: a UTF-8 string (may be empty outside keys).
    S(String),
    /// `N`: a number.
    N(Number),
    /// `B`: binary (base64 on the wire).
    B(Vec<u8>),
    /// `SS`: a non-empty string set without duplicates.
    Ss(Vec<String>),
    /// `NS`: a non-empty number set without duplicates.
    Ns(Vec<Number>),
    /// `BS`: a non-empty binary set without duplicates.
    Bs(Vec<Vec<u8>>),
    /// `M`: a map.
    M(Item),
    /// `L`: a list.
    L(Vec<AttributeValue>),
    /// `NULL: true`.
    Null,
    /// `BOOL`.
    Bool(bool),
}

impl AttributeValue {
    /// The wire type tag: `S`, `N`, `B`, `SS`, `NS`, `BS`, `M`, `L`, `NULL`, `BOOL`.
    pub fn type_tag(&self) -> &'static str {
        match self {
            Self::S(_) => "S",
            Self::N(_) => "N",
            Self::B(_) => "B",
            Self::Ss(_) => "SS",
            Self::Ns(_) => "NS",
            Self::Bs(_) => "BS",
            Self::M(_) => "M",
            Self::L(_) => "L",
            Self::Null => "NULL",
            Self::Bool(_) => "BOOL",
        }
    }
}

impl PartialEq for AttributeValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::S(a), Self::S(b)) => a == b,
            (Self::N(a), Self::N(b)) => a == b,
            (Self::B(a), Self::B(b)) => a == b,
            (Self::Ss(a), Self::Ss(b)) => same_set(a, b),
            (Self::Ns(a), Self::Ns(b)) => same_set(a, b),
            (Self::Bs(a), Self::Bs(b)) => same_set(a, b),
            (Self::M(a), Self::M(b)) => a == b,
            (Self::L(a), Self::L(b)) => a == b,
            (Self::Null, Self::Null) => true,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            _ => false,
        }
    }
}

/// Order-insensitive set equality. Sets are validated duplicate-free, but checking both
/// inclusions keeps the answer right even for a set built carelessly in memory.
fn same_set<T: Eq + Hash>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        return a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x));
    }
    let sa: HashSet<&T> = a.iter().collect();
    let sb: HashSet<&T> = b.iter().collect();
    sa == sb
}

/// Serialises through `Display` without an intermediate `String`.
struct AsText<T>(T);

impl<T: std::fmt::Display> serde::Serialize for AsText<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Base64 (standard alphabet, padded) straight into the output.
fn b64(
    bytes: &[u8],
) -> AsText<base64::display::Base64Display<'_, 'static, base64::engine::GeneralPurpose>> {
    AsText(base64::display::Base64Display::new(bytes, &STANDARD))
}

/// `NS` members as canonical text.
struct NumSet<'a>(&'a [Number]);

impl serde::Serialize for NumSet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(AsText))
    }
}

/// `BS` members as base64.
struct BinSet<'a>(&'a [Vec<u8>]);

impl serde::Serialize for BinSet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|b| b64(b)))
    }
}

impl serde::Serialize for AttributeValue {
    /// The wire shape `{"<tag>": <value>}`; numbers as canonical text, binaries as
    /// padded standard base64, written directly into the serializer.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self {
            Self::S(v) => m.serialize_entry("S", v)?,
            Self::N(n) => m.serialize_entry("N", &AsText(n))?,
            Self::B(b) => m.serialize_entry("B", &b64(b))?,
            Self::Ss(v) => m.serialize_entry("SS", v)?,
            Self::Ns(v) => m.serialize_entry("NS", &NumSet(v))?,
            Self::Bs(v) => m.serialize_entry("BS", &BinSet(v))?,
            Self::M(v) => m.serialize_entry("M", v)?,
            Self::L(v) => m.serialize_entry("L", v)?,
            Self::Null => m.serialize_entry("NULL", &true)?,
            Self::Bool(b) => m.serialize_entry("BOOL", b)?,
        }
        m.end()
    }
}

impl<'de> serde::Deserialize<'de> for AttributeValue {
    /// Decodes and validates one attribute value (see `attr/de.rs` for the messages).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::deserialize_value(d)
    }
}

/// Encodes an item as its wire JSON object.
pub fn item_to_json(item: &Item) -> serde_json::Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), value_to_json(v)))
            .collect(),
    )
}

/// One attribute value as wire JSON.
fn value_to_json(v: &AttributeValue) -> Value {
    let b64s = |b: &[u8]| Value::String(STANDARD.encode(b));
    let (tag, inner) = match v {
        AttributeValue::S(s) => ("S", Value::String(s.clone())),
        AttributeValue::N(n) => ("N", Value::String(n.to_string())),
        AttributeValue::B(b) => ("B", b64s(b)),
        AttributeValue::Ss(v) => ("SS", v.iter().map(|s| Value::String(s.clone())).collect()),
        AttributeValue::Ns(v) => (
            "NS",
            v.iter().map(|n| Value::String(n.to_string())).collect(),
        ),
        AttributeValue::Bs(v) => ("BS", v.iter().map(|b| b64s(b)).collect()),
        AttributeValue::M(m) => ("M", item_to_json(m)),
        AttributeValue::L(l) => ("L", l.iter().map(value_to_json).collect()),
        AttributeValue::Null => ("NULL", Value::Bool(true)),
        AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
    };
    let mut m = Map::with_capacity(1);
    m.insert(tag.to_string(), inner);
    Value::Object(m)
}

/// Maps a JSON decoding error to `ValidationException` (marker present) or
/// `SerializationException`.
///
/// The position serde_json appends (` at line L column C`) is removed. Type mismatches
/// reported by derived DTOs (`invalid type: integer `5`, expected a string`) are
/// rewritten into the wording AWS's Coral JSON layer uses (`NUMBER_VALUE cannot be
/// converted to String`, taken from the dynalite suite, which records AWS's answers).
/// Malformed JSON keeps serde_json's description: AWS's exact text for a syntax error
/// was not available, and DynamoDB Local answers every such body (`{"TableName": "x"`,
/// `not json`, an empty body) with HTTP 500 `InternalFailure`, which AWS does not.
/// Local also silently coerces `{"S": 5}` and `{"TableName": 5}`; AWS rejects them with
/// a `SerializationException`, as here.
pub fn json_error_to_api(err: &serde_json::Error) -> ApiError {
    let text = err.to_string();
    let text = strip_position(&text);
    if let Some(pos) = text.find(VALIDATION_MARKER) {
        return ApiError::Validation(text[pos + VALIDATION_MARKER.len()..].to_string());
    }
    let message = match err.classify() {
        serde_json::error::Category::Data => coral::coral_type_message(text),
        _ => None,
    };
    ApiError::Serialization(message.unwrap_or_else(|| text.to_string()))
}

/// Removes serde_json's trailing ` at line L column C`, if present.
pub(crate) fn strip_position(text: &str) -> &str {
    let Some(at) = text.rfind(" at line ") else {
        return text;
    };
    let tail = &text[at + " at line ".len()..];
    let well_formed = tail.split_once(" column ").is_some_and(|(line, col)| {
        !line.is_empty()
            && !col.is_empty()
            && line.bytes().all(|c| c.is_ascii_digit())
            && col.bytes().all(|c| c.is_ascii_digit())
    });
    if well_formed { &text[..at] } else { text }
}

/// Helpers shared by the decoder tests in `attr/*.rs`.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Decodes `{"a": <value>}` as an item; the API error on failure.
    pub(crate) fn decode(value: &str) -> Result<Item, ApiError> {
        serde_json::from_str::<Item>(&format!(r#"{{"a": {value}}}"#))
            .map_err(|e| json_error_to_api(&e))
    }

    /// The `ValidationException` message `value` is refused with.
    pub(crate) fn validation(value: &str) -> String {
        match decode(value) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("{value}: {other:?}"),
        }
    }

    /// The `SerializationException` message `value` is refused with.
    pub(crate) fn serialization(value: &str) -> String {
        match decode(value) {
            Err(ApiError::Serialization(m)) => m,
            other => panic!("{value}: {other:?}"),
        }
    }

    /// The value `value` decodes to.
    pub(crate) fn one(value: &str) -> AttributeValue {
        match decode(value) {
            Ok(mut item) => item.remove("a").expect("attribute a"),
            Err(e) => panic!("{value}: {e:?}"),
        }
    }

    /// `levels` lists wrapped around `inner`.
    pub(crate) fn nest(levels: usize, inner: &str) -> String {
        (0..levels).fold(inner.to_string(), |v, _| format!(r#"{{"L": [{v}]}}"#))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn num(s: &str) -> Number {
        Number::parse(s).expect("valid number")
    }

    fn sample() -> Item {
        let mut inner = Item::new();
        inner.insert(
            "x".into(),
            AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(false)]),
        );
        let mut item = Item::new();
        item.insert("s".into(), AttributeValue::S("a\"b".into()));
        item.insert("n".into(), AttributeValue::N(num("1.50")));
        item.insert("b".into(), AttributeValue::B(b"hi!".to_vec()));
        item.insert(
            "ss".into(),
            AttributeValue::Ss(vec!["x".into(), "y".into()]),
        );
        item.insert(
            "ns".into(),
            AttributeValue::Ns(vec![num("1e2"), num("-0.5")]),
        );
        item.insert("bs".into(), AttributeValue::Bs(vec![vec![0], vec![0xFF]]));
        item.insert("m".into(), AttributeValue::M(inner));
        item.insert("t".into(), AttributeValue::Bool(true));
        item
    }

    #[test]
    fn serializes_the_wire_shape() {
        let text = serde_json::to_string(&sample()).expect("serializes");
        assert_eq!(
            text,
            r#"{"b":{"B":"aGkh"},"bs":{"BS":["AA==","/w=="]},"m":{"M":{"x":{"L":[{"NULL":true},{"BOOL":false}]}}},"n":{"N":"1.5"},"ns":{"NS":["100","-0.5"]},"s":{"S":"a\"b"},"ss":{"SS":["x","y"]},"t":{"BOOL":true}}"#
        );
        assert_eq!(
            item_to_json(&sample()),
            serde_json::from_str::<Value>(&text).expect("json")
        );
    }

    #[test]
    fn equality_ignores_set_order_only() {
        let ss = |v: &[&str]| AttributeValue::Ss(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(ss(&["a", "b"]), ss(&["b", "a"]));
        assert_ne!(ss(&["a", "b"]), ss(&["a", "c"]));
        assert_ne!(ss(&["a"]), ss(&["a", "b"]));
        let many: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let mut rev = many.clone();
        rev.reverse();
        assert_eq!(AttributeValue::Ss(many), AttributeValue::Ss(rev));
        assert_eq!(
            AttributeValue::Ns(vec![num("1"), num("2")]),
            AttributeValue::Ns(vec![num("2.0"), num("1.00")])
        );
        assert_eq!(
            AttributeValue::Bs(vec![vec![1], vec![2]]),
            AttributeValue::Bs(vec![vec![2], vec![1]])
        );
        let l = |v: Vec<AttributeValue>| AttributeValue::L(v);
        assert_ne!(
            l(vec![AttributeValue::Null, AttributeValue::Bool(true)]),
            l(vec![AttributeValue::Bool(true), AttributeValue::Null])
        );
        assert_ne!(AttributeValue::S("1".into()), AttributeValue::N(num("1")));
        assert_eq!(AttributeValue::M(sample()), AttributeValue::M(sample()));
    }

    fn api(body: &str) -> ApiError {
        match serde_json::from_str::<Item>(body) {
            Err(e) => json_error_to_api(&e),
            Ok(item) => panic!("decoded {item:?}"),
        }
    }

    #[test]
    fn errors_map_to_validation_or_serialization() {
        match api(r#"{"a": {}}"#) {
            ApiError::Validation(m) => assert_eq!(
                m,
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            ),
            other => panic!("{other:?}"),
        }
        match api(r#"{"a": {"S": 5}}"#) {
            ApiError::Serialization(m) => {
                assert_eq!(m, "NUMBER_VALUE cannot be converted to String")
            }
            other => panic!("{other:?}"),
        }
        match api(r#"{"a": {"S": "x"}"#) {
            ApiError::Serialization(m) => assert_eq!(m, "EOF while parsing an object"),
            other => panic!("{other:?}"),
        }
        // A validation message that itself mentions a position keeps it.
        match api(r#"{"a": {"SS": ["x at line 1 column 2", "x at line 1 column 2"]}}"#) {
            ApiError::Validation(m) => {
                assert!(m.ends_with(r#"column 2"] contains duplicates."#), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Dto {
        #[serde(rename = "TableName")]
        table_name: Option<String>,
        #[serde(rename = "Limit")]
        limit: Option<i32>,
        #[serde(rename = "Consistent")]
        consistent: Option<bool>,
        #[serde(rename = "Names")]
        names: Option<Vec<String>>,
    }

    #[test]
    fn dto_type_mismatches_use_coral_wording() {
        let cases = [
            (
                r#"{"TableName": 5}"#,
                "NUMBER_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName": 5.5}"#,
                "DECIMAL_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName": true}"#,
                "TRUE_VALUE cannot be converted to String",
            ),
            (
                r#"{"TableName": []}"#,
                "Unrecognized collection type class java.lang.String",
            ),
            (
                r#"{"TableName": {}}"#,
                "Start of structure or map found where not expected",
            ),
            (
                r#"{"Limit": "5"}"#,
                "STRING_VALUE cannot be converted to Integer",
            ),
            (
                r#"{"Consistent": "true"}"#,
                "Unexpected token received from parser",
            ),
            (
                r#"{"Consistent": 1}"#,
                "NUMBER_VALUE cannot be converted to Boolean",
            ),
            (r#"{"Names": "a"}"#, "Unexpected field type"),
            ("5", "Unexpected field type"),
        ];
        for (body, want) in cases {
            let err = serde_json::from_str::<Dto>(body).expect_err(body);
            match json_error_to_api(&err) {
                ApiError::Serialization(m) => assert_eq!(m, want, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn json_round_trip(item in crate::codec::tests::arb_item()) {
            let text = serde_json::to_string(&item).expect("serializes");
            let back: Item = serde_json::from_str(&text).expect("decodes");
            prop_assert_eq!(&back, &item);
            prop_assert_eq!(serde_json::to_value(&item).expect("value"), item_to_json(&item));
        }
    }
}
