//! The AWS query protocol's request side: `application/x-www-form-urlencoded` pairs,
//! flattened lists (`X.member.N`) and maps (`X.entry.N.key` / `.value`).

use crate::error::{SnsError, SnsResult};
use std::collections::HashMap;

/// Decoded request parameters (later duplicates win, as on AWS).
#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    /// Decodes a form body or a query string; `+` is a space.
    pub fn parse(input: &[u8]) -> Self {
        let mut p = Self::default();
        p.extend(input);
        p
    }

    /// Adds the pairs of another form/query string.
    pub fn extend(&mut self, input: &[u8]) {
        for pair in input.split(|b| *b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            self.map.insert(decode(k), decode(v));
        }
    }

    /// Sets a parameter (requests built inside eddy rather than decoded).
    pub fn set(&mut self, name: &str, value: &str) {
        self.map.insert(name.to_string(), value.to_string());
    }

    /// A parameter, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// A required parameter.
    pub fn required(&self, name: &str) -> SnsResult<&str> {
        self.get(name).ok_or_else(|| SnsError::missing(name))
    }

    /// A boolean parameter (`true`/`false`, case-insensitive); absent is `None`.
    pub fn bool(&self, name: &str) -> SnsResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(SnsError::invalid_param(format!(
                "{name}: '{v}' is not a boolean"
            ))),
        }
    }

    /// `prefix.entry.N.key` / `prefix.entry.N.value` (or `Name`/`Value` spellings) in
    /// index order.
    pub fn map_entries(&self, prefix: &str, key: &str, value: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for n in 1.. {
            let k = self.get(&format!("{prefix}.entry.{n}.{key}"));
            let v = self.get(&format!("{prefix}.entry.{n}.{value}"));
            match (k, v) {
                (None, None) => break,
                (k, v) => out.push((
                    k.unwrap_or_default().to_string(),
                    v.unwrap_or_default().to_string(),
                )),
            }
        }
        out
    }

    /// `prefix.member.N` values in index order.
    pub fn members(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        for n in 1.. {
            match self.get(&format!("{prefix}.member.{n}")) {
                Some(v) => out.push(v.to_string()),
                None => break,
            }
        }
        out
    }

    /// True when any `prefix.member.N...` key exists for `n`.
    pub fn has_member(&self, prefix: &str, n: usize) -> bool {
        let p = format!("{prefix}.member.{n}.");
        self.map.keys().any(|k| k.starts_with(&p))
    }

    /// A sub-view: every key starting with `prefix.` with the prefix removed.
    pub fn sub(&self, prefix: &str) -> Params {
        let p = format!("{prefix}.");
        Params {
            map: self
                .map
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&p).map(|s| (s.to_string(), v.clone())))
                .collect(),
        }
    }
}

fn decode(raw: &[u8]) -> String {
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-encodes a query-string component (unreserved characters kept).
pub fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_lists_and_maps() {
        let p = Params::parse(
            b"Action=Publish&Message=a+b%26c&Attributes.entry.1.key=K&Attributes.entry.1.value=V&Attributes.entry.2.key=L&Attributes.entry.2.value=&TagKeys.member.1=x&TagKeys.member.2=y",
        );
        assert_eq!(p.get("Action"), Some("Publish"));
        assert_eq!(p.get("Message"), Some("a b&c"));
        assert_eq!(
            p.map_entries("Attributes", "key", "value"),
            vec![("K".into(), "V".into()), ("L".into(), String::new())]
        );
        assert_eq!(p.members("TagKeys"), vec!["x", "y"]);
        assert!(p.required("Nope").is_err());
        assert_eq!(p.sub("Attributes.entry.1").get("key"), Some("K"));
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
