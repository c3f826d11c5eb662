//! The human output of `eddy tail`: one line per stream record.
//!
//! ```text
//! 2026-11-25T21:47:53Z INSERT  orders {pk=a} seq=100000000000000000001 new {total=12.5}
//! 2026-11-25T21:47:54Z MODIFY  orders {pk=a} seq=100000000000000000002 note: ∅ → rush, total: 12.5 → 13
//! 2026-11-25T21:47:55Z REMOVE  orders {pk=a} seq=100000000000000000003 by=dynamodb.amazonaws.com old {note=rush, total=13}
//! ```
//!
//! Values are written compactly: strings bare when unambiguous (else JSON-quoted),
//! numbers as sent, binaries as `b64:…`, lists `[…]`, maps `{k=v, …}`, sets `<<…>>`.
//! Key attributes come first in key-schema order, the others alphabetically. After the
//! sequence number, MODIFY shows the changed attributes (`∅` = absent) when both images
//! are in the record, INSERT and REMOVE the non-key attributes of their image. `by=`
//! (before the details) is the record's `userIdentity` principal (TTL deletes, writes
//! under `--stream-identity`). Lines longer than the width are cut with `…`; the keys,
//! the sequence number and `by=` are always kept.

use serde_json::{Map, Value};
use std::fmt::Write as _;
use time::OffsetDateTime;
use time::format_description::FormatItem;

const TIMESTAMP: &[FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
/// Width left for the details even when keys are long.
const MIN_DETAIL: usize = 16;

/// How lines are laid out.
#[derive(Debug, Clone)]
pub struct Style {
    /// Table name shown on every line.
    pub table: String,
    /// Key attribute names, hash key first.
    pub key_names: Vec<String>,
    /// Maximum line width in characters.
    pub width: usize,
}

/// The human line of one record (a GetRecords `Records` element).
pub fn human_line(record: &Value, style: &Style) -> String {
    let d = record.get("dynamodb").unwrap_or(&Value::Null);
    let empty = Map::new();
    let image = |name: &str| d.get(name).and_then(Value::as_object);
    let keys = image("Keys").unwrap_or(&empty);
    let event = record
        .get("eventName")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let seq = d
        .get("SequenceNumber")
        .and_then(Value::as_str)
        .unwrap_or("?");

    let mut head = String::new();
    let _ = write!(
        head,
        "{} {event:<7} {} ",
        timestamp(d.get("ApproximateCreationDateTime")),
        style.table
    );
    attrs_into(&mut head, keys, &style.key_names, &[]);
    let _ = write!(head, " seq={seq}");
    if let Some(who) = record
        .get("userIdentity")
        .and_then(|u| u.get("PrincipalId"))
        .and_then(Value::as_str)
    {
        let _ = write!(head, " by={who}");
    }

    let mut detail = String::new();
    let (new, old) = (image("NewImage"), image("OldImage"));
    match (event, new, old) {
        ("MODIFY", Some(new), Some(old)) => diff_into(&mut detail, old, new, &style.key_names),
        ("REMOVE", _, Some(old)) | ("MODIFY", None, Some(old)) => {
            detail.push_str("old ");
            attrs_into(&mut detail, old, &[], &style.key_names);
        }
        (_, Some(new), _) => {
            detail.push_str("new ");
            attrs_into(&mut detail, new, &[], &style.key_names);
        }
        _ => {}
    }
    if detail.is_empty() {
        return head;
    }
    let room = style
        .width
        .saturating_sub(head.chars().count() + 1)
        .max(MIN_DETAIL);
    head.push(' ');
    head.push_str(&truncate(&detail, room));
    head
}

/// `ApproximateCreationDateTime` (epoch seconds, possibly fractional) as RFC 3339 UTC.
fn timestamp(v: Option<&Value>) -> String {
    v.and_then(Value::as_f64)
        .and_then(utc_seconds)
        .unwrap_or_else(|| "-".repeat(20))
}

/// Epoch seconds (possibly fractional) as RFC 3339 UTC, whole seconds.
pub(super) fn utc_seconds(secs: f64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(secs.floor() as i64)
        .ok()
        .and_then(|t| t.format(TIMESTAMP).ok())
}

/// `{a=1, b=x}`: `first` names in that order, then the rest alphabetically, skipping
/// `skip`.
fn attrs_into(out: &mut String, map: &Map<String, Value>, first: &[String], skip: &[String]) {
    let mut names: Vec<&String> = first.iter().filter(|n| map.contains_key(*n)).collect();
    let mut rest: Vec<&String> = map
        .keys()
        .filter(|n| !first.contains(n) && !skip.contains(n))
        .collect();
    rest.sort();
    names.extend(rest);
    out.push('{');
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        name_into(out, name);
        out.push('=');
        value_into(out, &map[name]);
    }
    out.push('}');
}

/// `a: 1 → 2, b: ∅ → x, c: y → ∅` for the non-key attributes that differ.
fn diff_into(
    out: &mut String,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    keys: &[String],
) {
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut any = false;
    for name in names.into_iter().filter(|n| !keys.contains(n)) {
        let (o, n) = (old.get(name), new.get(name));
        if o == n {
            continue;
        }
        if any {
            out.push_str(", ");
        }
        any = true;
        name_into(out, name);
        out.push_str(": ");
        opt_value_into(out, o);
        out.push_str(" → ");
        opt_value_into(out, n);
    }
    if !any {
        out.push_str("(no attribute changed)");
    }
}

fn opt_value_into(out: &mut String, v: Option<&Value>) {
    match v {
        Some(v) => value_into(out, v),
        None => out.push('∅'),
    }
}

/// One AttributeValue (`{"S": "x"}` and friends), compactly.
fn value_into(out: &mut String, av: &Value) {
    let Some((ty, v)) = av.as_object().and_then(|m| m.iter().next()) else {
        out.push_str(&av.to_string());
        return;
    };
    match (ty.as_str(), v) {
        ("S", Value::String(s)) => string_into(out, s),
        ("N", Value::String(n)) => out.push_str(n),
        ("B", Value::String(b)) => {
            let _ = write!(out, "b64:{b}");
        }
        ("BOOL", Value::Bool(b)) => {
            let _ = write!(out, "{b}");
        }
        ("NULL", _) => out.push_str("null"),
        ("SS" | "NS" | "BS", Value::Array(items)) => {
            out.push_str("<<");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let s = item.as_str().unwrap_or_default();
                match ty.as_str() {
                    "SS" => string_into(out, s),
                    "NS" => out.push_str(s),
                    _ => {
                        let _ = write!(out, "b64:{s}");
                    }
                }
            }
            out.push_str(">>");
        }
        ("L", Value::Array(items)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value_into(out, item);
            }
            out.push(']');
        }
        ("M", Value::Object(m)) => attrs_into(out, m, &[], &[]),
        _ => out.push_str(&av.to_string()),
    }
}

/// A string bare when it cannot be mistaken for anything else, otherwise JSON-quoted.
fn string_into(out: &mut String, s: &str) {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@+#".contains(&b))
        && !matches!(s, "true" | "false" | "null")
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
        && !s.starts_with("b64:");
    if plain {
        out.push_str(s);
    } else {
        out.push_str(&Value::String(s.to_string()).to_string());
    }
}

/// Attribute names: bare when simple, quoted otherwise (they may contain anything).
fn name_into(out: &mut String, name: &str) {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if plain {
        out.push_str(name);
    } else {
        out.push_str(&Value::String(name.to_string()).to_string());
    }
}

/// `s` cut to at most `max` characters, the last being `…` when cut.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn style(width: usize) -> Style {
        Style {
            table: "tab1".into(),
            key_names: vec!["pk".into(), "sk".into()],
            width,
        }
    }

    fn record(event: &str, dynamodb: Value) -> Value {
        json!({
            "eventID": "e2fd9c34eff2d779b297b26f5fef4206",
            "eventName": event,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": dynamodb,
        })
    }

    #[test]
    fn keys_only_insert() {
        let r = record(
            "INSERT",
            json!({
                "ApproximateCreationDateTime": 1_795_643_273,
                "Keys": {"pk": {"S": "a"}},
                "SequenceNumber": "100000000000000000001",
                "SizeBytes": 3,
                "StreamViewType": "KEYS_ONLY",
            }),
        );
        assert_eq!(
            human_line(&r, &style(120)),
            "2026-11-25T21:47:53Z INSERT  tab1 {pk=a} seq=100000000000000000001"
        );
    }

    #[test]
    fn insert_shows_the_new_image_without_keys() {
        let r = record(
            "INSERT",
            json!({
                "ApproximateCreationDateTime": 1_795_643_273.0,
                "Keys": {"sk": {"N": "7"}, "pk": {"S": "a b"}},
                "NewImage": {
                    "sk": {"N": "7"}, "pk": {"S": "a b"},
                    "v": {"N": "1"}, "flag": {"BOOL": true}, "gone": {"NULL": true},
                    "tags": {"SS": ["x", "1"]}, "blob": {"B": "AAE="},
                    "doc": {"M": {"list": {"L": [{"N": "1"}, {"S": ""}]}}},
                    "my attr": {"S": "true"},
                },
                "SequenceNumber": "100000000000000000002",
                "StreamViewType": "NEW_IMAGE",
            }),
        );
        assert_eq!(
            human_line(&r, &style(400)),
            "2026-11-25T21:47:53Z INSERT  tab1 {pk=\"a b\", sk=7} seq=100000000000000000002 \
             new {blob=b64:AAE=, doc={list=[1, \"\"]}, flag=true, gone=null, \"my attr\"=\"true\", tags=<<x, \"1\">>, v=1}"
        );
    }

    #[test]
    fn modify_shows_a_diff() {
        let r = record(
            "MODIFY",
            json!({
                "ApproximateCreationDateTime": 1_795_643_274,
                "Keys": {"pk": {"S": "a"}},
                "OldImage": {"pk": {"S": "a"}, "v": {"N": "1"}, "same": {"S": "s"}, "old": {"S": "x"}},
                "NewImage": {"pk": {"S": "a"}, "v": {"N": "2"}, "same": {"S": "s"}, "added": {"L": []}},
                "SequenceNumber": "100000000000000000003",
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }),
        );
        assert_eq!(
            human_line(&r, &style(200)),
            "2026-11-25T21:47:54Z MODIFY  tab1 {pk=a} seq=100000000000000000003 added: ∅ → [], old: x → ∅, v: 1 → 2"
        );
    }

    #[test]
    fn remove_by_ttl_shows_the_old_image_and_who() {
        let r = json!({
            "eventName": "REMOVE",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_795_643_275,
                "Keys": {"pk": {"S": "a"}},
                "OldImage": {"pk": {"S": "a"}, "ttl": {"N": "1795643000"}},
                "SequenceNumber": "100000000000000000004",
            },
            "userIdentity": {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"},
        });
        assert_eq!(
            human_line(&r, &style(200)),
            "2026-11-25T21:47:55Z REMOVE  tab1 {pk=a} seq=100000000000000000004 by=dynamodb.amazonaws.com old {ttl=1795643000}"
        );
    }

    #[test]
    fn modify_with_only_one_image_shows_it() {
        let r = record(
            "MODIFY",
            json!({
                "ApproximateCreationDateTime": 1_795_643_276,
                "Keys": {"pk": {"S": "a"}},
                "OldImage": {"pk": {"S": "a"}, "v": {"N": "1"}},
                "SequenceNumber": "100000000000000000005",
            }),
        );
        assert_eq!(
            human_line(&r, &style(200)),
            "2026-11-25T21:47:56Z MODIFY  tab1 {pk=a} seq=100000000000000000005 old {v=1}"
        );
    }

    #[test]
    fn long_details_are_cut_but_keys_and_seq_stay() {
        let big = "x".repeat(500);
        let r = record(
            "INSERT",
            json!({
                "ApproximateCreationDateTime": 1_795_643_273,
                "Keys": {"pk": {"S": "a"}},
                "NewImage": {"pk": {"S": "a"}, "big": {"S": big}},
                "SequenceNumber": "100000000000000000001",
            }),
        );
        let line = human_line(&r, &style(100));
        assert_eq!(line.chars().count(), 100, "{line}");
        assert!(line.starts_with(
            "2026-11-25T21:47:53Z INSERT  tab1 {pk=a} seq=100000000000000000001 new {big=xxx"
        ));
        assert!(line.ends_with("x…"));
        // A narrow terminal still shows a little of the details.
        let narrow = human_line(&r, &style(10));
        assert!(
            narrow.ends_with(&format!(" new {{big={}…", "x".repeat(MIN_DETAIL - 10))),
            "{narrow}"
        );
    }

    #[test]
    fn odd_records_do_not_panic() {
        let line = human_line(&json!({}), &style(80));
        assert_eq!(line, "-------------------- ?       tab1 {} seq=?");
        let weird = record(
            "INSERT",
            json!({"Keys": {"pk": {"X": 1}, "sk": "raw"}, "NewImage": [], "SequenceNumber": "1"}),
        );
        let line = human_line(&weird, &style(80));
        assert!(line.contains("{pk={\"X\":1}, sk=\"raw\"} seq=1"), "{line}");
    }
}
