//! `ExpressionAttributeValues` decoding with DynamoDB's error wrapping.
//!
//! An invalid value inside `ExpressionAttributeValues` is reported by DynamoDB (Local and
//! AWS alike) as `ExpressionAttributeValues contains invalid value: <reason> for key :v`,
//! not with the bare reason an invalid attribute in `Item` gets. Request DTOs use
//! [`deserialize_expression_values`] through `#[serde(deserialize_with = ...)]`.

use super::{AttributeValue, VALIDATION_MARKER, strip_position};
use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};
use std::collections::HashMap;
use std::fmt;

/// The decoded `ExpressionAttributeValues` map (absent or JSON null → `None`).
pub type ExpressionValues = Option<HashMap<String, AttributeValue>>;

/// Decodes `ExpressionAttributeValues`, wrapping value validation errors the way
/// DynamoDB does. Use with `#[serde(default, deserialize_with = ...)]`.
pub fn deserialize_expression_values<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<ExpressionValues, D::Error> {
    d.deserialize_option(ValuesV)
}

struct ValuesV;

impl<'de> Visitor<'de> for ValuesV {
    type Value = ExpressionValues;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of expression attribute values")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            match map.next_value::<AttributeValue>() {
                Ok(v) => {
                    out.insert(key, v);
                }
                Err(e) => {
                    let text = e.to_string();
                    let Some(pos) = text.find(VALIDATION_MARKER) else {
                        return Err(e);
                    };
                    let reason = strip_position(&text[pos + VALIDATION_MARKER.len()..]);
                    return Err(de::Error::custom(format_args!(
                        "{VALIDATION_MARKER}ExpressionAttributeValues contains invalid value: {reason} for key {key}"
                    )));
                }
            }
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::json_error_to_api;

    #[derive(serde::Deserialize)]
    struct Req {
        #[serde(default, deserialize_with = "deserialize_expression_values")]
        values: ExpressionValues,
    }

    #[test]
    fn invalid_values_name_their_key() {
        let err = serde_json::from_str::<Req>(r#"{"values": {":v": {"SS": []}}}"#)
            .err()
            .map(|e| json_error_to_api(&e).to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :v"
            )
        );
    }

    #[test]
    fn valid_and_absent_maps_decode() {
        let r: Req = serde_json::from_str(r#"{"values": {":v": {"S": "x"}}}"#).unwrap();
        assert_eq!(r.values.map(|m| m.len()), Some(1));
        let r: Req = serde_json::from_str(r#"{}"#).unwrap();
        assert!(r.values.is_none());
        let r: Req = serde_json::from_str(r#"{"values": null}"#).unwrap();
        assert!(r.values.is_none());
    }
}
