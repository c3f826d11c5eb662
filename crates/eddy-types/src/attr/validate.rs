//! DynamoDB's checks on decoded values: numbers, sets (empty, null members,
//! duplicates), and the exact texts of the resulting `ValidationException`s.
//!
//! Texts verified on DynamoDB Local 3.3.0 and kept: empty value, more than one datatype,
//! `NULL: false`, empty SS/NS/BS (two spaces in the first two), null set members, null
//! list/map members, nesting. Where AWS differs (paritysuite captures of AWS's "current"
//! validation layer, used by PutItem, UpdateItem, DeleteItem, GetItem, BatchGetItem and
//! Query), AWS's text is used: duplicates (`Input collection ["a", "b", "b"] contains
//! duplicates.`, `...]of type BS contains duplicates.`, `Input collection contains
//! duplicates.`; Local: `[a, b, a] contains duplicates`, `Input collection of type BS
//! contains duplicates.`, `Input collection contains duplicates`) and numbers (`The
//! parameter cannot be converted to a numeric value: abc`; Local: `A value provided
//! cannot be converted into a number`). AWS wraps these in `1 validation error detected:
//! ` for PutItem/UpdateItem/DeleteItem; that envelope is the caller's business.

use super::VALIDATION_MARKER;
use crate::number::{Number, NumberError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de;
use std::collections::{BTreeSet, HashSet};
use std::fmt;

pub(super) const EMPTY: &str =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
pub(super) const MULTIPLE: &str = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
pub(super) const INVALID: &str = "One or more parameter values were invalid: ";
pub(super) const NULL_FALSE: &str = "Null attribute value types must have the value of true";
pub(super) const SS_EMPTY: &str = "An string set  may not be empty";
pub(super) const NS_EMPTY: &str = "An number set  may not be empty";
pub(super) const BS_EMPTY: &str = "Binary sets should not be empty";
pub(super) const SS_NULL: &str = "An string set may not have a null string as a member";
/// dynalite's text; Local answers a null BS member with HTTP 500.
pub(super) const BS_NULL: &str = "Binary sets may not contain null or empty values";
pub(super) const NESTING: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";
pub(super) const NULL_VALUE: &str = "The supplied Item contains a null AttributeValue";

/// A `ValidationException` carried through serde.
pub(super) fn invalid<E: de::Error>(msg: impl fmt::Display) -> E {
    E::custom(format_args!("{VALIDATION_MARKER}{msg}"))
}

/// Parses an `N`, with AWS's wording for text that is not a number.
pub(super) fn number<E: de::Error>(s: &str) -> Result<Number, E> {
    Number::parse(s).map_err(|e| match e {
        NumberError::NotANumber => invalid(format_args!("{e}: {s}")),
        other => invalid(other),
    })
}

pub(super) fn string_set<E: de::Error>(members: Vec<Option<String>>) -> Result<Vec<String>, E> {
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

pub(super) fn number_set<E: de::Error>(members: Vec<Option<String>>) -> Result<Vec<Number>, E> {
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

pub(super) fn binary_set<E: de::Error>(members: Vec<Option<Vec<u8>>>) -> Result<Vec<Vec<u8>>, E> {
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
    use crate::attr::test_support::validation;

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
}
