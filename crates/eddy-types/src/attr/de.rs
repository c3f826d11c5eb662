//! Decoding `AttributeValue` from wire JSON with DynamoDB's validation.
//!
//! A hand-written visitor reads the type tags straight off the JSON map (no intermediate
//! `serde_json::Value`), validates each value in document order, and only then checks
//! the number of tags, as DynamoDB does (`{"S":"x","N":"abc"}` is a number error, not a
//! "more than one datatypes" error). Nulls count as absent (`{"M": null, "S": "x"}` is
//! an `S`), unknown tags are ignored (`{"X": "1"}` is "empty").
//!
//! Two error kinds, following AWS: value problems are `ValidationException` (serde
//! custom errors prefixed with [`VALIDATION_MARKER`]); JSON of the wrong kind is a
//! `SerializationException` carrying the Coral JSON layer's wording (recorded from AWS
//! by the dynalite test-suite: `NUMBER_VALUE cannot be converted to String`,
//! `Unexpected value type in payload`, ...). DynamoDB Local coerces most of these
//! (`{"S": 5}` is stored as `"5"`) or fails with HTTP 500; AWS wins.
//!
//! Messages checked against DynamoDB Local 3.3.0 and kept: empty value, more than one
//! datatype, `NULL: false`, empty SS/NS/BS (two spaces in the first two), null set
//! members, null list/map members, nesting. Where AWS differs (paritysuite captures of
//! AWS's "current" validation layer, used by PutItem, UpdateItem, DeleteItem, GetItem,
//! BatchGetItem and Query), AWS's text is used: duplicates (`Input collection ["a",
//! "b", "b"] contains duplicates.`, `...]of type BS contains duplicates.`, `Input
//! collection contains duplicates.`; Local: `[a, b, a] contains duplicates`, `Input
//! collection of type BS contains duplicates.`, `Input collection contains duplicates`)
//! and numbers (`The parameter cannot be converted to a numeric value: abc`; Local: `A
//! value provided cannot be converted into a number`). AWS wraps these in `1 validation
//! error detected: ` for PutItem/UpdateItem/DeleteItem; that envelope is the caller's.
//! Invalid base64 is a `SerializationException` on AWS (Local: HTTP 500).

use super::{AttributeValue, Item, VALIDATION_MARKER};
use crate::number::{Number, NumberError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// Nesting: the attribute itself is level 1; a list or map at this level is refused.
/// Local accepts 31 wrapped containers around a scalar and refuses 32, or 31 around an
/// empty list (AWS: "32 levels", leaf at level 32 accepted, 33 refused).
const MAX_CONTAINER_LEVEL: usize = 32;

const EMPTY: &str =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const MULTIPLE: &str = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
const INVALID: &str = "One or more parameter values were invalid: ";
const NULL_FALSE: &str = "Null attribute value types must have the value of true";
const SS_EMPTY: &str = "An string set  may not be empty";
const NS_EMPTY: &str = "An number set  may not be empty";
const BS_EMPTY: &str = "Binary sets should not be empty";
const SS_NULL: &str = "An string set may not have a null string as a member";
/// dynalite's text; Local answers a null BS member with HTTP 500.
const BS_NULL: &str = "Binary sets may not contain null or empty values";
const NESTING: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";
const NULL_VALUE: &str = "The supplied Item contains a null AttributeValue";

/// A `ValidationException` carried through serde.
fn invalid<E: de::Error>(msg: impl fmt::Display) -> E {
    E::custom(format_args!("{VALIDATION_MARKER}{msg}"))
}

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
struct StrV;

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
struct BoolV;

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
struct BlobV;

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
struct SetV<T>(T);

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

/// One attribute value at nesting `level` (`None` for JSON null).
#[derive(Clone, Copy)]
struct ValueV {
    level: usize,
}

seed_via_any!(ValueV);

/// The type tags, read without allocating.
#[derive(Clone, Copy, PartialEq)]
enum Tag {
    S,
    N,
    B,
    Ss,
    Ns,
    Bs,
    M,
    L,
    Null,
    Bool,
    Other,
}

struct TagSeed;

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = Tag;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tag, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TagSeed {
    type Value = Tag;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute type tag")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Tag, E> {
        Ok(match v {
            "S" => Tag::S,
            "N" => Tag::N,
            "B" => Tag::B,
            "SS" => Tag::Ss,
            "NS" => Tag::Ns,
            "BS" => Tag::Bs,
            "M" => Tag::M,
            "L" => Tag::L,
            "NULL" => Tag::Null,
            "BOOL" => Tag::Bool,
            _ => Tag::Other,
        })
    }
}

impl<'de> Visitor<'de> for ValueV {
    type Value = Option<AttributeValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut value = None;
        let mut tags = 0u16;
        while let Some(tag) = map.next_key_seed(TagSeed)? {
            let v = match tag {
                Tag::S => map.next_value_seed(StrV)?.map(AttributeValue::S),
                Tag::N => match map.next_value_seed(StrV)? {
                    Some(s) => Some(AttributeValue::N(number(&s)?)),
                    None => None,
                },
                Tag::B => map.next_value_seed(BlobV)?.map(AttributeValue::B),
                Tag::Ss => match map.next_value_seed(SetV(StrV))? {
                    Some(v) => Some(AttributeValue::Ss(string_set(v)?)),
                    None => None,
                },
                Tag::Ns => match map.next_value_seed(SetV(StrV))? {
                    Some(v) => Some(AttributeValue::Ns(number_set(v)?)),
                    None => None,
                },
                Tag::Bs => match map.next_value_seed(SetV(BlobV))? {
                    Some(v) => Some(AttributeValue::Bs(binary_set(v)?)),
                    None => None,
                },
                Tag::M => map
                    .next_value_seed(MapV { level: self.level })?
                    .map(AttributeValue::M),
                Tag::L => map
                    .next_value_seed(ListV { level: self.level })?
                    .map(AttributeValue::L),
                Tag::Null => match map.next_value_seed(BoolV)? {
                    Some(true) => Some(AttributeValue::Null),
                    Some(false) => return Err(invalid(format_args!("{INVALID}{NULL_FALSE}"))),
                    None => None,
                },
                Tag::Bool => map.next_value_seed(BoolV)?.map(AttributeValue::Bool),
                Tag::Other => {
                    map.next_value::<IgnoredAny>()?;
                    None
                }
            };
            if let Some(v) = v {
                tags |= 1 << (tag as u16);
                value = Some(v);
            }
        }
        match tags.count_ones() {
            0 => Err(invalid(EMPTY)),
            1 => Ok(value),
            _ => Err(invalid(MULTIPLE)),
        }
    }
    reject!(Target::Value; bool, num, str, seq);
}

/// The value of `L`: members one level deeper.
#[derive(Clone, Copy)]
struct ListV {
    level: usize,
}
seed_via_any!(ListV);

impl<'de> Visitor<'de> for ListV {
    type Value = Option<Vec<AttributeValue>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of attribute values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.level >= MAX_CONTAINER_LEVEL {
            return Err(invalid(NESTING));
        }
        let child = ValueV {
            level: self.level + 1,
        };
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(child)? {
            out.push(v.ok_or_else(|| invalid(NULL_VALUE))?);
        }
        Ok(Some(out))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    reject!(Target::List; bool, num, str, map);
}

/// The value of `M` (and, at level 0, a whole item): named members one level deeper.
#[derive(Clone, Copy)]
struct MapV {
    level: usize,
}
seed_via_any!(MapV);

impl<'de> Visitor<'de> for MapV {
    type Value = Option<Item>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of attribute values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if self.level >= MAX_CONTAINER_LEVEL {
            return Err(invalid(NESTING));
        }
        let child = ValueV {
            level: self.level + 1,
        };
        let mut out = Item::new();
        while let Some(name) = map.next_key::<String>()? {
            match map.next_value_seed(child)? {
                Some(v) => out.insert(name, v),
                None => return Err(invalid(format_args!("{NULL_VALUE}: {name} is null"))),
            };
        }
        Ok(Some(out))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    reject!(Target::AttrMap; bool, num, str, seq);
}

/// Entry point of `AttributeValue::deserialize`: a top-level attribute (level 1). A JSON
/// null here has no name to report (Local: `The supplied Item contains a null
/// AttributeValue: a is null`); use [`deserialize_item`] for that wording.
pub(super) fn deserialize_value<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<AttributeValue, D::Error> {
    ValueV { level: 1 }
        .deserialize(d)?
        .ok_or_else(|| invalid(NULL_VALUE))
}

/// Decodes an item (`Item`, `Key`, `ExpressionAttributeValues`...) with DynamoDB's
/// wording for null members; for `#[serde(deserialize_with = "...")]`. A JSON null
/// item decodes as an empty map.
pub fn deserialize_item<'de, D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
    Ok(MapV { level: 0 }.deserialize(d)?.unwrap_or_default())
}

/// Parses an `N`, with AWS's wording for text that is not a number.
fn number<E: de::Error>(s: &str) -> Result<Number, E> {
    Number::parse(s).map_err(|e| match e {
        NumberError::NotANumber => invalid(format_args!("{e}: {s}")),
        other => invalid(other),
    })
}

fn string_set<E: de::Error>(members: Vec<Option<String>>) -> Result<Vec<String>, E> {
    if members.is_empty() {
        return Err(invalid(format_args!("{INVALID}{SS_EMPTY}")));
    }
    let members: Vec<String> = members
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| invalid(format_args!("{INVALID}{SS_NULL}")))?;
    let quote = |s: &String| serde_json::Value::String(s.clone()).to_string();
    match duplicate_listing(&members, quote, ", ") {
        Some(list) => Err(invalid(format_args!(
            "{INVALID}Input collection {list} contains duplicates."
        ))),
        None => Ok(members),
    }
}

fn number_set<E: de::Error>(members: Vec<Option<String>>) -> Result<Vec<Number>, E> {
    if members.is_empty() {
        return Err(invalid(format_args!("{INVALID}{NS_EMPTY}")));
    }
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let m = m.ok_or_else(|| invalid(NumberError::NotANumber))?;
        out.push(number(&m)?);
    }
    let mut seen = HashSet::with_capacity(out.len());
    if !out.iter().all(|n| seen.insert(n)) {
        return Err(invalid(format_args!(
            "{INVALID}Input collection contains duplicates."
        )));
    }
    Ok(out)
}

fn binary_set<E: de::Error>(members: Vec<Option<Vec<u8>>>) -> Result<Vec<Vec<u8>>, E> {
    if members.is_empty() {
        return Err(invalid(format_args!("{INVALID}{BS_EMPTY}")));
    }
    let members: Vec<Vec<u8>> = members
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| invalid(format_args!("{INVALID}{BS_NULL}")))?;
    let quote = |b: &Vec<u8>| format!("\"{}\"", STANDARD.encode(b));
    match duplicate_listing(&members, quote, ",") {
        Some(list) => Err(invalid(format_args!(
            "{INVALID}Input collection {list}of type BS contains duplicates."
        ))),
        None => Ok(members),
    }
}

/// AWS's rendering of a set with a repeat: the members seen so far in byte order, then
/// the repeated member, then the rest as sent (a sorted set filled until the insert
/// fails). `None` when there is no repeat.
fn duplicate_listing<T: Ord>(
    members: &[T],
    quote: impl Fn(&T) -> String,
    sep: &str,
) -> Option<String> {
    let mut seen = BTreeSet::new();
    let (at, repeat) = members.iter().enumerate().find(|&(_, m)| !seen.insert(m))?;
    let parts: Vec<String> = seen
        .iter()
        .map(|m| quote(m))
        .chain(std::iter::once(quote(repeat)))
        .chain(members[at + 1..].iter().map(&quote))
        .collect();
    Some(format!("[{}]", parts.join(sep)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    /// Decodes `{"a": <value>}` as an item; the API error on failure.
    fn decode(value: &str) -> Result<Item, ApiError> {
        serde_json::from_str::<Item>(&format!(r#"{{"a": {value}}}"#))
            .map_err(|e| super::super::json_error_to_api(&e))
    }

    fn validation(value: &str) -> String {
        match decode(value) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("{value}: {other:?}"),
        }
    }

    fn serialization(value: &str) -> String {
        match decode(value) {
            Err(ApiError::Serialization(m)) => m,
            other => panic!("{value}: {other:?}"),
        }
    }

    fn one(value: &str) -> AttributeValue {
        match decode(value) {
            Ok(mut item) => item.remove("a").expect("attribute a"),
            Err(e) => panic!("{value}: {e:?}"),
        }
    }

    fn nest(levels: usize, inner: &str) -> String {
        (0..levels).fold(inner.to_string(), |v, _| format!(r#"{{"L": [{v}]}}"#))
    }

    #[test]
    fn messages_verified_on_dynamodb_local() {
        let p = "One or more parameter values were invalid: ";
        let cases = [
            ("{}", EMPTY.to_string()),
            (r#"{"X": "1"}"#, EMPTY.to_string()),
            (r#"{"S": null}"#, EMPTY.to_string()),
            (r#"{"L": null}"#, EMPTY.to_string()),
            (r#"{"S": "x", "N": "1"}"#, MULTIPLE.to_string()),
            (r#"{"NULL": true, "BOOL": true}"#, MULTIPLE.to_string()),
            (
                r#"{"NULL": false}"#,
                format!("{p}Null attribute value types must have the value of true"),
            ),
            (
                r#"{"S": "x", "NULL": false}"#,
                format!("{p}Null attribute value types must have the value of true"),
            ),
            (
                r#"{"SS": []}"#,
                format!("{p}An string set  may not be empty"),
            ),
            (
                r#"{"S": "x", "SS": []}"#,
                format!("{p}An string set  may not be empty"),
            ),
            (
                r#"{"NS": []}"#,
                format!("{p}An number set  may not be empty"),
            ),
            (
                r#"{"BS": []}"#,
                format!("{p}Binary sets should not be empty"),
            ),
            (
                r#"{"SS": ["a", null]}"#,
                format!("{p}An string set may not have a null string as a member"),
            ),
            (
                r#"{"L": [null]}"#,
                "The supplied Item contains a null AttributeValue".into(),
            ),
            (
                r#"{"M": {"q": null}}"#,
                "The supplied Item contains a null AttributeValue: q is null".into(),
            ),
            (r#"{"L": [{}]}"#, EMPTY.to_string()),
            (
                r#"{"M": {"x": {"SS": []}}}"#,
                format!("{p}An string set  may not be empty"),
            ),
            (
                r#"{"N": "1e126", "S": "x"}"#,
                NumberError::Overflow.to_string(),
            ),
            (r#"{"N": "1e-131"}"#, NumberError::Underflow.to_string()),
        ];
        for (value, want) in cases {
            assert_eq!(validation(value), want, "{value}");
        }
    }

    #[test]
    fn messages_in_aws_wording() {
        let p = "One or more parameter values were invalid: ";
        let cases = [
            (
                r#"{"N": "abc"}"#,
                "The parameter cannot be converted to a numeric value: abc".to_string(),
            ),
            (
                r#"{"N": ""}"#,
                "The parameter cannot be converted to a numeric value: ".into(),
            ),
            (
                r#"{"N": " 1"}"#,
                "The parameter cannot be converted to a numeric value:  1".into(),
            ),
            (
                r#"{"S": "x", "N": "abc"}"#,
                "The parameter cannot be converted to a numeric value: abc".into(),
            ),
            (
                r#"{"NS": ["1", "b", "a"]}"#,
                "The parameter cannot be converted to a numeric value: b".into(),
            ),
            (
                r#"{"NS": ["1", null]}"#,
                "The parameter cannot be converted to a numeric value".into(),
            ),
            (
                r#"{"N": "1234567890123456789012345678901234567890"}"#,
                NumberError::TooPrecise.to_string(),
            ),
            (
                r#"{"SS": ["b", "a", "b"]}"#,
                format!(r#"{p}Input collection ["a", "b", "b"] contains duplicates."#),
            ),
            (
                r#"{"SS": ["a", "a"]}"#,
                format!(r#"{p}Input collection ["a", "a"] contains duplicates."#),
            ),
            (
                r#"{"SS": ["c", "a", "c", "b"]}"#,
                format!(r#"{p}Input collection ["a", "c", "c", "b"] contains duplicates."#),
            ),
            (
                r#"{"SS": ["", ""]}"#,
                format!(r#"{p}Input collection ["", ""] contains duplicates."#),
            ),
            (
                r#"{"BS": ["/w==", "AA==", "AA=="]}"#,
                format!(
                    r#"{p}Input collection ["AA==","/w==","AA=="]of type BS contains duplicates."#
                ),
            ),
            (
                r#"{"NS": ["2", "1", "2"]}"#,
                format!("{p}Input collection contains duplicates."),
            ),
            (
                r#"{"NS": ["1", "1.0"]}"#,
                format!("{p}Input collection contains duplicates."),
            ),
            (
                r#"{"BS": ["YQ==", null]}"#,
                format!("{p}Binary sets may not contain null or empty values"),
            ),
        ];
        for (value, want) in cases {
            assert_eq!(validation(value), want, "{value}");
        }
    }

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

    #[test]
    fn accepted_shapes() {
        assert_eq!(one(r#"{"S": ""}"#), AttributeValue::S(String::new()));
        assert_eq!(one(r#"{"B": ""}"#), AttributeValue::B(Vec::new()));
        assert_eq!(one(r#"{"B": "aGkh"}"#), AttributeValue::B(b"hi!".to_vec()));
        assert_eq!(
            one(r#"{"S": "a", "S": "b"}"#),
            AttributeValue::S("b".into())
        );
        assert_eq!(
            one(r#"{"M": null, "S": "x"}"#),
            AttributeValue::S("x".into())
        );
        assert_eq!(
            one(r#"{"S": "x", "X": [1, {"y": 2}]}"#),
            AttributeValue::S("x".into())
        );
        assert_eq!(
            one(r#"{"SS": ["", "a"]}"#),
            AttributeValue::Ss(vec![String::new(), "a".into()])
        );
        assert_eq!(
            one(r#"{"BS": ["", "YQ=="]}"#),
            AttributeValue::Bs(vec![vec![], b"a".to_vec()])
        );
        assert_eq!(one(r#"{"NULL": true}"#), AttributeValue::Null);
        assert_eq!(one(r#"{"S": "\u00e9\n"}"#), AttributeValue::S("é\n".into()));
        match one(r#"{"NS": ["01", "-0.50"]}"#) {
            AttributeValue::Ns(v) => assert_eq!(
                v.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                ["1", "-0.5"]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nesting_limit_matches_dynamodb_local() {
        // 31 containers around a scalar pass; 32 containers (even an empty one) fail.
        assert!(decode(&nest(31, r#"{"S": "x"}"#)).is_ok());
        assert!(decode(&nest(30, r#"{"M": {}}"#)).is_ok());
        assert_eq!(validation(&nest(32, r#"{"S": "x"}"#)), NESTING);
        assert_eq!(validation(&nest(31, r#"{"L": []}"#)), NESTING);
        assert_eq!(validation(&nest(31, r#"{"M": {}}"#)), NESTING);
        let maps = (0..32).fold(r#"{"S": "x"}"#.to_string(), |v, _| {
            format!(r#"{{"M": {{"k": {v}}}}}"#)
        });
        assert_eq!(validation(&maps), NESTING);
        // Far deeper input stops at the limit instead of exhausting the stack.
        assert_eq!(validation(&nest(5000, r#"{"S": "x"}"#)), NESTING);
    }

    #[test]
    fn item_helper_names_null_members() {
        #[derive(serde::Deserialize)]
        struct Req {
            #[serde(rename = "Item", deserialize_with = "deserialize_item")]
            item: Item,
        }
        let err = serde_json::from_str::<Req>(r#"{"Item": {"a": {"S": "x"}, "b": null}}"#)
            .err()
            .expect("null member");
        assert!(matches!(super::super::json_error_to_api(&err),
            ApiError::Validation(m) if m == "The supplied Item contains a null AttributeValue: b is null"));
        let ok = serde_json::from_str::<Req>(r#"{"Item": {"a": {"N": "1.0"}}}"#).expect("decodes");
        assert_eq!(
            ok.item.get("a"),
            Some(&AttributeValue::N(Number::from_i64(1)))
        );
        let deep = format!(r#"{{"Item": {{"a": {}}}}}"#, nest(32, r#"{"S": "x"}"#));
        assert!(serde_json::from_str::<Req>(&deep).is_err());
    }
}
