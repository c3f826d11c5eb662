//! Decoding `AttributeValue` from wire JSON with DynamoDB's validation.
//!
//! A hand-written visitor reads the type tags straight off the JSON map (no intermediate
//! `serde_json::Value`), validates each value in document order, and only then checks
//! the number of tags, as DynamoDB does (`{"S":"x","N":"abc"}` is a number error, not a
//! "more than one datatypes" error). Nulls count as absent (`{"M": null, "S": "x"}` is
//! an `S`), unknown tags are ignored (`{"X": "1"}` is "empty"); both as DynamoDB Local
//! and dynalite do.
//!
//! Value problems are `ValidationException`s (texts in `validate.rs`); JSON of the wrong
//! kind is a `SerializationException` (texts in `coral.rs`).

use super::coral::{BlobV, BoolV, Found, SetV, StrV, Target, mismatch, reject, seed_via_any};
use super::validate::{
    EMPTY, INVALID, MULTIPLE, NESTING, NULL_FALSE, NULL_VALUE, binary_set, invalid, number,
    number_set, string_set,
};
use super::{AttributeValue, Item};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Nesting: the attribute itself is level 1; a list or map at this level is refused.
/// Local accepts 31 wrapped containers around a scalar and refuses 32, or 31 around an
/// empty list (AWS: "32 levels", leaf at level 32 accepted, 33 refused).
const MAX_CONTAINER_LEVEL: usize = 32;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::test_support::{decode, nest, one, validation};
    use crate::error::ApiError;
    use crate::number::{Number, NumberError};

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
