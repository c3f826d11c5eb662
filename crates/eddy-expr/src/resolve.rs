//! Placeholder tables and the checks shared by all three grammars.
//!
//! DynamoDB validates a parsed expression in passes, and which error a client sees when
//! an expression has several depends on them, so eddy keeps the same order:
//!
//! 1. while parsing: syntax errors and redundant parentheses;
//! 2. pre-order walk: reserved words, list-index range, function names and where each
//!    function may appear (update: then duplicate sections);
//! 3. pre-order walk: `IN` list length, path nesting depth;
//! 4. post-order walk: placeholders resolved, then each node's own checks (operand count,
//!    document-path operands, operand types, distinct operands, `BETWEEN` bounds; update
//!    and projection paths: overlaps);
//! 5. conditions only: the operator count.

use crate::ast::{Path, PathElement};
use crate::errors::{self, ExprKind};
use crate::parser::{RawElem, RawPath};
use crate::reserved::is_reserved;
use eddy_types::{ApiError, AttributeValue};
use std::collections::{BTreeSet, HashMap};

/// Deepest document path DynamoDB accepts.
pub(crate) const MAX_PATH_DEPTH: usize = 32;
/// Largest list index DynamoDB accepts (Java `int`).
const MAX_INDEX: u64 = i32::MAX as u64;
/// Attribute names must be shorter than this many bytes.
const MAX_NAME_BYTES: usize = 65536;

/// Per-request placeholder tables; tracks which placeholders were used so the engine can
/// reject unused ones after parsing every expression of the request.
#[derive(Debug, Clone)]
pub struct ExprAttrs<'a> {
    names: Option<&'a HashMap<String, String>>,
    values: Option<&'a HashMap<String, AttributeValue>>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

impl<'a> ExprAttrs<'a> {
    /// Wraps the request's `ExpressionAttributeNames` and `ExpressionAttributeValues`.
    pub fn new(
        names: Option<&'a HashMap<String, String>>,
        values: Option<&'a HashMap<String, AttributeValue>>,
    ) -> Self {
        ExprAttrs {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// DynamoDB's checks of the two maps themselves, done before any expression is
    /// parsed: not empty, keys `#`/`:` followed by `[A-Za-z0-9_]+`, names non-empty and
    /// shorter than 64 KiB. (Whether the maps may be present at all depends on which
    /// expressions the request has; that is the caller's check.)
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(names) = self.names {
            if names.is_empty() {
                return Err(ApiError::validation(
                    "ExpressionAttributeNames must not be empty",
                ));
            }
            let mut keys: Vec<&String> = names.keys().collect();
            keys.sort();
            for key in &keys {
                if !valid_key(key, '#') {
                    return Err(ApiError::validation(format!(
                        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
                    )));
                }
            }
            for key in keys {
                let name = names.get(key).map_or("", String::as_str);
                if name.is_empty() {
                    return Err(ApiError::validation(format!(
                        "ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
                    )));
                }
                if name.len() >= MAX_NAME_BYTES {
                    return Err(ApiError::validation(format!(
                        "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key {key}"
                    )));
                }
            }
        }
        if let Some(values) = self.values {
            if values.is_empty() {
                return Err(ApiError::validation(
                    "ExpressionAttributeValues must not be empty",
                ));
            }
            let mut keys: Vec<&String> = values.keys().collect();
            keys.sort();
            if let Some(key) = keys.into_iter().find(|k| !valid_key(k, ':')) {
                return Err(ApiError::validation(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
        }
        Ok(())
    }

    /// "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}" /
    /// "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
    pub fn check_unused(&self) -> Result<(), ApiError> {
        if let Some(names) = self.names {
            let unused = unused_keys(names.keys(), &self.used_names);
            if !unused.is_empty() {
                return Err(ApiError::validation(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{unused}}}"
                )));
            }
        }
        if let Some(values) = self.values {
            let unused = unused_keys(values.keys(), &self.used_values);
            if !unused.is_empty() {
                return Err(ApiError::validation(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{unused}}}"
                )));
            }
        }
        Ok(())
    }

    /// The attribute name behind `#ph`, marking it used.
    pub(crate) fn name(&mut self, kind: ExprKind, ph: &str) -> Result<String, ApiError> {
        match self.names.and_then(|m| m.get(ph)) {
            Some(name) => {
                self.used_names.insert(ph.to_string());
                Ok(name.clone())
            }
            None => Err(errors::undefined_name(kind, ph)),
        }
    }

    /// The value behind `:ph`, marking it used.
    pub(crate) fn value(&mut self, kind: ExprKind, ph: &str) -> Result<AttributeValue, ApiError> {
        match self.values.and_then(|m| m.get(ph)) {
            Some(v) => {
                self.used_values.insert(ph.to_string());
                Ok(v.clone())
            }
            None => Err(errors::undefined_value(kind, ph)),
        }
    }
}

fn valid_key(key: &str, sigil: char) -> bool {
    key.strip_prefix(sigil).is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The unused keys, joined in the order DynamoDB lists them: that of a Java `HashSet`
/// of the keys (bucket order of the spread `String.hashCode`; ties by name).
fn unused_keys<'k>(keys: impl Iterator<Item = &'k String>, used: &BTreeSet<String>) -> String {
    let mut unused: Vec<&str> = keys
        .filter(|k| !used.contains(*k))
        .map(String::as_str)
        .collect();
    let mut buckets: u32 = 16;
    while unused.len() as u64 * 4 > u64::from(buckets) * 3 {
        buckets = buckets.saturating_mul(2);
    }
    let bucket = |k: &str| {
        let h = k
            .encode_utf16()
            .fold(0u32, |h, u| h.wrapping_mul(31).wrapping_add(u32::from(u)));
        (h ^ (h >> 16)) & (buckets - 1)
    };
    unused.sort_by(|a, b| bucket(a).cmp(&bucket(b)).then(a.cmp(b)));
    unused.join(", ")
}

/// Pass 2 for one path: reserved words and index range, in order.
pub(crate) fn check_path_words(kind: ExprKind, path: &RawPath) -> Result<(), ApiError> {
    for e in &path.elems {
        match e {
            RawElem::Name(name) if is_reserved(name) => {
                return Err(errors::reserved(kind, name));
            }
            RawElem::Index(digits) if parse_index(digits).is_none() => {
                return Err(errors::index_range(kind, digits));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Pass 3 for one path: nesting depth.
pub(crate) fn check_path_depth(kind: ExprKind, path: &RawPath) -> Result<(), ApiError> {
    if path.elems.len() > MAX_PATH_DEPTH {
        return Err(errors::too_deep(kind, path.elems.len()));
    }
    Ok(())
}

fn parse_index(digits: &str) -> Option<usize> {
    let n: u64 = digits.parse().ok()?;
    if n > MAX_INDEX {
        return None;
    }
    usize::try_from(n).ok()
}

/// Pass 4 for one path: placeholders replaced by names.
pub(crate) fn resolve_path(
    kind: ExprKind,
    path: &RawPath,
    attrs: &mut ExprAttrs,
) -> Result<Path, ApiError> {
    let mut elements = Vec::with_capacity(path.elems.len());
    for e in &path.elems {
        elements.push(match e {
            RawElem::Name(name) => PathElement::Attr(name.clone()),
            RawElem::NamePh(ph) => PathElement::Attr(attrs.name(kind, ph)?),
            RawElem::Index(digits) => PathElement::Index(
                parse_index(digits).ok_or_else(|| errors::index_range(kind, digits))?,
            ),
        });
    }
    Ok(Path { elements })
}

/// How two paths relate when written to or projected together.
enum Clash {
    /// One is a prefix of (or equal to) the other.
    Overlap,
    /// They diverge where one indexes a list and the other a map.
    Conflict,
}

fn clash(a: &Path, b: &Path) -> Option<Clash> {
    for (x, y) in a.elements.iter().zip(&b.elements) {
        match (x, y) {
            (PathElement::Attr(p), PathElement::Attr(q)) if p == q => {}
            (PathElement::Index(p), PathElement::Index(q)) if p == q => {}
            (PathElement::Attr(_), PathElement::Attr(_))
            | (PathElement::Index(_), PathElement::Index(_)) => return None,
            _ => return Some(Clash::Conflict),
        }
    }
    Some(Clash::Overlap)
}

/// Resolves a list of paths that must not overlap (update targets, projections).
///
/// DynamoDB works from the last path to the first: an unresolved placeholder is only
/// reported if no overlap was found among the paths after it, and an overlap is reported
/// as (earlier path, later path).
pub(crate) fn resolve_disjoint_paths(
    kind: ExprKind,
    paths: &[&RawPath],
    attrs: &mut ExprAttrs,
) -> Result<Vec<Path>, ApiError> {
    let mut resolved: Vec<Path> = Vec::with_capacity(paths.len());
    for raw in paths.iter().rev() {
        let p = resolve_path(kind, raw, attrs)?;
        for q in resolved.iter().rev() {
            match clash(&p, q) {
                Some(Clash::Overlap) => return Err(errors::paths_overlap(kind, &p, q)),
                Some(Clash::Conflict) => return Err(errors::paths_conflict(kind, &p, q)),
                None => {}
            }
        }
        resolved.push(p);
    }
    resolved.reverse();
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_validation_messages() {
        let mut names = HashMap::new();
        names.insert("#".to_string(), "x".to_string());
        let e = ExprAttrs::new(Some(&names), None).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\""
        );
        names.clear();
        names.insert("#n".to_string(), String::new());
        let e = ExprAttrs::new(Some(&names), None).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key #n"
        );
        let empty = HashMap::new();
        let e = ExprAttrs::new(None, Some(&empty)).validate().unwrap_err();
        assert_eq!(e.to_string(), "ExpressionAttributeValues must not be empty");
    }

    #[test]
    fn unused_keys_are_sorted() {
        let mut names = HashMap::new();
        names.insert("#n".to_string(), "a".to_string());
        names.insert("#m".to_string(), "b".to_string());
        let attrs = ExprAttrs::new(Some(&names), None);
        assert_eq!(
            attrs.check_unused().unwrap_err().to_string(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#m, #n}"
        );
    }
}
