//! Reading JSON scalars and arrays with the AWS Coral JSON layer's answers for values
//! of the wrong JSON kind.
//!
//! AWS rejects `{"S": 5}` with a `SerializationException` (`NUMBER_VALUE cannot be
//! converted to String`); the wording table comes from the dynalite test-suite, which
//! records AWS's answers. DynamoDB Local coerces most of these (`{"S": 5}` is stored as
//! `"5"`) or fails with HTTP 500 `InternalFailure`; AWS wins. The same table rewrites
//! serde's `invalid type` errors from derived request DTOs (see `json_error_to_api`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What a JSON value turned out to be, for type-mismatch messages.
#[derive(Clone, Copy)]
pub(super) enum Found {
    True,
    False,
    Int,
    Float,
    Str,
    Seq,
    Map,
}

/// What the request shape wanted there.
#[derive(Clone, Copy)]
pub(super) enum Target {
    Str,
    Bool,
    Integer,
    Long,
    Blob,
    List,
    AttrMap,
    Struct,
    Value,
}

/// The Coral JSON layer's wording for a value of the wrong JSON kind.
pub(super) fn mismatch(target: Target, found: Found) -> String {
    const START_MAP: &str = "Start of structure or map found where not expected";
    let java = match target {
        Target::Str => "String",
        Target::Bool => "Boolean",
        Target::Integer => "Integer",
        Target::Long => "Long",
        _ => "",
    };
    match (target, found) {
        (Target::Str | Target::Bool | Target::Integer | Target::Long, found) => match found {
            Found::True => format!("TRUE_VALUE cannot be converted to {java}"),
            Found::False => format!("FALSE_VALUE cannot be converted to {java}"),
            Found::Int => format!("NUMBER_VALUE cannot be converted to {java}"),
            Found::Float => format!("DECIMAL_VALUE cannot be converted to {java}"),
            Found::Str if java == "Boolean" => "Unexpected token received from parser".into(),
            Found::Str => format!("STRING_VALUE cannot be converted to {java}"),
            Found::Seq => format!("Unrecognized collection type class java.lang.{java}"),
            Found::Map => START_MAP.into(),
        },
        (Target::Blob, Found::Seq) => "Unrecognized collection type class java.nio.ByteBuffer".into(),
        (Target::Blob, Found::Map) | (Target::List, Found::Map) => START_MAP.into(),
        (Target::Blob, _) => "only base-64-encoded strings are convertible to bytes".into(),
        (Target::AttrMap, Found::Seq) => "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>".into(),
        (Target::Struct, Found::Seq) => "Start of list found where not expected".into(),
        (Target::List | Target::AttrMap | Target::Struct, _) => "Unexpected field type".into(),
        (Target::Value, Found::Seq) => "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue".into(),
        (Target::Value, _) => "Unexpected value type in payload".into(),
    }
}

/// Rewrites serde's `invalid type: X, expected Y` (from derived request DTOs) into the
/// Coral wording; `None` when the text is something else.
pub(super) fn coral_type_message(text: &str) -> Option<String> {
    let (unexpected, expected) = text
        .strip_prefix("invalid type: ")?
        .split_once(", expected ")?;
    let found = match unexpected {
        "boolean `true`" => Found::True,
        "boolean `false`" => Found::False,
        "sequence" => Found::Seq,
        "map" => Found::Map,
        u if u.starts_with("integer ") => Found::Int,
        u if u.starts_with("floating point ") => Found::Float,
        u if u.starts_with("string ") || u.starts_with("character ") => Found::Str,
        _ => return None,
    };
    let target = match expected {
        "a string" | "a borrowed string" | "a character" => Target::Str,
        "a boolean" => Target::Bool,
        "i8" | "i16" | "i32" | "u8" | "u16" | "u32" => Target::Integer,
        "i64" | "u64" | "isize" | "usize" | "i128" | "u128" => Target::Long,
        "a sequence" | "a tuple" => Target::List,
        "a map" => Target::Struct,
        e if e.starts_with("struct ") => Target::Struct,
        _ => return None,
    };
    Some(mismatch(target, found))
}

/// Generates `visit_*` methods that reject JSON kinds with the Coral wording.
macro_rules! reject {
    ($target:expr; $($kind:ident),*) => { $( reject!(@one $target, $kind); )* };
    (@one $t:expr, bool) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(E::custom(mismatch($t, if v { Found::True } else { Found::False })))
        }
    };
    (@one $t:expr, num) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom(mismatch($t, Found::Int)))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom(mismatch($t, Found::Int)))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom(mismatch($t, Found::Float)))
        }
    };
    (@one $t:expr, str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(E::custom(mismatch($t, Found::Str)))
        }
    };
    (@one $t:expr, seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom(mismatch($t, Found::Seq)))
        }
    };
    (@one $t:expr, map) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom(mismatch($t, Found::Map)))
        }
    };
}

/// Implements `DeserializeSeed` for a copyable visitor through `deserialize_any`, so
/// that every JSON kind reaches the visitor and gets DynamoDB's message.
macro_rules! seed_via_any {
    ($ty:ty) => {
        impl<'de> DeserializeSeed<'de> for $ty {
            type Value = <$ty as Visitor<'de>>::Value;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
    };
}

/// A JSON string (`None` for null).
#[derive(Clone, Copy)]
pub(super) struct StrV;

impl<'de> Visitor<'de> for StrV {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    reject!(Target::Str; bool, num, seq, map);
}
seed_via_any!(StrV);

/// A JSON boolean (`None` for null).
#[derive(Clone, Copy)]
pub(super) struct BoolV;

impl<'de> Visitor<'de> for BoolV {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    reject!(Target::Bool; num, str, seq, map);
}
seed_via_any!(BoolV);

/// A base64 string decoded to bytes (`None` for null).
#[derive(Clone, Copy)]
pub(super) struct BlobV;

impl<'de> Visitor<'de> for BlobV {
    type Value = Option<Vec<u8>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a base64 string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        decode_base64(v).map(Some)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    reject!(Target::Blob; bool, num, seq, map);
}
seed_via_any!(BlobV);

/// Strict padded standard base64, with AWS's `SerializationException` texts (dynalite
/// suite: `Base64 encoded length is expected a multiple of 4 bytes but found: 5`,
/// `Invalid last non-pad Base64 character dectected` [sic]). The text for a character
/// outside the alphabet is a best guess. Local is lenient (accepts `YR==` and a
/// trailing newline) or fails with HTTP 500.
fn decode_base64<E: de::Error>(v: &str) -> Result<Vec<u8>, E> {
    if !v.len().is_multiple_of(4) {
        return Err(E::custom(format_args!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {}",
            v.len()
        )));
    }
    STANDARD.decode(v).map_err(|e| match e {
        base64::DecodeError::InvalidByte(_, b) if b != b'=' => E::custom(format_args!(
            "Invalid Base64 character: '{}'",
            char::from(b)
        )),
        _ => E::custom("Invalid last non-pad Base64 character dectected"),
    })
}

/// A JSON array of set members read through `elem` (`None` for null).
#[derive(Clone, Copy)]
pub(super) struct SetV<T>(pub(super) T);

impl<'de, T> Visitor<'de> for SetV<T>
where
    T: DeserializeSeed<'de> + Copy,
{
    type Value = Option<Vec<T::Value>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(self.0)? {
            out.push(v);
        }
        Ok(Some(out))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    reject!(Target::List; bool, num, str, map);
}

impl<'de, T: DeserializeSeed<'de> + Copy> DeserializeSeed<'de> for SetV<T> {
    type Value = Option<Vec<T::Value>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

pub(super) use {reject, seed_via_any};

#[cfg(test)]
mod tests {
    use crate::attr::test_support::serialization;

    #[test]
    fn wrong_json_kinds_are_serialization_errors() {
        let cases = [
            (r#"{"S": 5}"#, "NUMBER_VALUE cannot be converted to String"),
            (
                r#"{"S": 1.5}"#,
                "DECIMAL_VALUE cannot be converted to String",
            ),
            (r#"{"S": true}"#, "TRUE_VALUE cannot be converted to String"),
            (
                r#"{"S": false}"#,
                "FALSE_VALUE cannot be converted to String",
            ),
            (
                r#"{"S": []}"#,
                "Unrecognized collection type class java.lang.String",
            ),
            (
                r#"{"S": {}}"#,
                "Start of structure or map found where not expected",
            ),
            (r#"{"N": 1}"#, "NUMBER_VALUE cannot be converted to String"),
            (
                r#"{"BOOL": "true"}"#,
                "Unexpected token received from parser",
            ),
            (
                r#"{"NULL": 1}"#,
                "NUMBER_VALUE cannot be converted to Boolean",
            ),
            (
                r#"{"BOOL": 1.5}"#,
                "DECIMAL_VALUE cannot be converted to Boolean",
            ),
            (
                r#"{"BOOL": []}"#,
                "Unrecognized collection type class java.lang.Boolean",
            ),
            (
                r#"{"B": 5}"#,
                "only base-64-encoded strings are convertible to bytes",
            ),
            (
                r#"{"B": []}"#,
                "Unrecognized collection type class java.nio.ByteBuffer",
            ),
            (
                r#"{"B": "23456"}"#,
                "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
            ),
            (
                r#"{"B": "YQ==\n"}"#,
                "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
            ),
            (
                r#"{"B": "=+/="}"#,
                "Invalid last non-pad Base64 character dectected",
            ),
            (
                r#"{"B": "+/+="}"#,
                "Invalid last non-pad Base64 character dectected",
            ),
            (
                r#"{"B": "YR=="}"#,
                "Invalid last non-pad Base64 character dectected",
            ),
            (r#"{"B": "a!b="}"#, "Invalid Base64 character: '!'"),
            (r#"{"SS": "a"}"#, "Unexpected field type"),
            (
                r#"{"SS": [1]}"#,
                "NUMBER_VALUE cannot be converted to String",
            ),
            (r#"{"L": 5}"#, "Unexpected field type"),
            (
                r#"{"L": {}}"#,
                "Start of structure or map found where not expected",
            ),
            (r#"{"M": "x"}"#, "Unexpected field type"),
            (
                r#"{"M": []}"#,
                "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
            ),
            ("5", "Unexpected value type in payload"),
            (r#""x""#, "Unexpected value type in payload"),
            (
                "[]",
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
            ),
            (r#"{"L": [5]}"#, "Unexpected value type in payload"),
        ];
        for (value, want) in cases {
            assert_eq!(serialization(value), want, "{value}");
        }
    }
}
