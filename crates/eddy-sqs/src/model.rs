//! Queue vocabulary without I/O: names, ARNs and URLs, queue attributes (validation,
//! defaults, normalization) and message attributes.

use crate::{MessageAttribute, SqsError};
use std::collections::BTreeMap;

/// Default `VisibilityTimeout` (seconds).
pub const DEFAULT_VISIBILITY_TIMEOUT: i64 = 30;
/// Default `MessageRetentionPeriod` (seconds, 4 days).
pub const DEFAULT_RETENTION: i64 = 345_600;
/// Largest message (body plus attributes) and default `MaximumMessageSize`.
pub const MAX_MESSAGE_SIZE: i64 = 262_144;
/// Most attributes on one message.
pub const MAX_MESSAGE_ATTRIBUTES: usize = 10;

/// Attributes that CreateQueue / SetQueueAttributes accept, with their defaults
/// (`None`: not set unless given).
const SETTABLE: &[(&str, Option<&str>)] = &[
    ("DelaySeconds", Some("0")),
    ("MaximumMessageSize", Some("262144")),
    ("MessageRetentionPeriod", Some("345600")),
    ("ReceiveMessageWaitTimeSeconds", Some("0")),
    ("VisibilityTimeout", Some("30")),
    ("SqsManagedSseEnabled", Some("true")),
    ("Policy", None),
    ("RedrivePolicy", None),
    ("RedriveAllowPolicy", None),
    ("KmsMasterKeyId", None),
    ("KmsDataKeyReusePeriodSeconds", None),
];

/// Attributes only FIFO queues have; eddy has no FIFO queues.
const FIFO_ONLY: &[&str] = &[
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// Attributes computed when read (GetQueueAttributes).
pub const COMPUTED: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
];

/// The attribute map of a new queue: defaults overlaid with the given (validated)
/// values.
pub fn defaults() -> BTreeMap<String, String> {
    SETTABLE
        .iter()
        .filter_map(|(k, v)| v.map(|v| ((*k).to_string(), v.to_string())))
        .collect()
}

/// True for a name GetQueueAttributes knows (settable, computed or FIFO-only).
pub fn is_known_attribute(name: &str) -> bool {
    name == "All"
        || SETTABLE.iter().any(|(k, _)| *k == name)
        || COMPUTED.contains(&name)
        || FIFO_ONLY.contains(&name)
}

/// The dead-letter settings of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    /// ARN of the dead-letter queue.
    pub dead_letter_target_arn: String,
    /// Receives after which a message moves there (1..=1000).
    pub max_receive_count: u32,
}

impl RedrivePolicy {
    /// Parses the attribute's JSON (`maxReceiveCount` may be a number or a string).
    pub fn parse(text: &str) -> Result<Self, SqsError> {
        let bad = |why: &str| {
            SqsError::InvalidParameterValue(format!(
                "Value {text} for parameter RedrivePolicy is invalid. Reason: {why}"
            ))
        };
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| bad("Redrive policy is not a valid JSON map."))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("Redrive policy is not a valid JSON map."))?;
        let arn = obj
            .get("deadLetterTargetArn")
            .and_then(|a| a.as_str())
            .ok_or_else(|| {
                bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
            })?;
        let count = match obj.get("maxReceiveCount") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            None => {
                return Err(bad(
                    "Redrive policy does not contain mandatory attribute: maxReceiveCount.",
                ));
            }
            _ => None,
        };
        let count = count.filter(|c| (1..=1000).contains(c)).ok_or_else(|| {
            bad("Invalid value for maxReceiveCount: must be an integer from 1 to 1000.")
        })?;
        if parse_arn(arn).is_none() {
            return Err(bad("Invalid value for deadLetterTargetArn."));
        }
        Ok(Self {
            dead_letter_target_arn: arn.to_string(),
            max_receive_count: count as u32,
        })
    }

    /// The canonical JSON text (as SQS returns it).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "deadLetterTargetArn": self.dead_letter_target_arn,
            "maxReceiveCount": self.max_receive_count,
        })
        .to_string()
    }
}

/// Validates one settable attribute and returns its stored form: `Some(value)`, or
/// `None` to remove it (an empty `Policy`/`RedrivePolicy`/... clears it).
pub fn normalize_attribute(name: &str, value: &str) -> Result<Option<String>, SqsError> {
    let int = |lo: i64, hi: i64| -> Result<Option<String>, SqsError> {
        match value.trim().parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(Some(n.to_string())),
            _ => Err(SqsError::InvalidAttributeValue(format!(
                "Invalid value for the parameter {name}."
            ))),
        }
    };
    match name {
        "DelaySeconds" => int(0, 900),
        "MaximumMessageSize" => int(1024, MAX_MESSAGE_SIZE),
        "MessageRetentionPeriod" => int(60, 1_209_600),
        "ReceiveMessageWaitTimeSeconds" => int(0, 20),
        "VisibilityTimeout" => int(0, 43_200),
        "KmsDataKeyReusePeriodSeconds" => int(60, 86_400),
        "SqsManagedSseEnabled" => match value {
            "true" | "false" => Ok(Some(value.to_string())),
            _ => Err(SqsError::InvalidAttributeValue(format!(
                "Invalid value for the parameter {name}."
            ))),
        },
        "RedrivePolicy" if value.is_empty() => Ok(None),
        "RedrivePolicy" => Ok(Some(RedrivePolicy::parse(value)?.to_json())),
        "Policy" | "RedriveAllowPolicy" if value.is_empty() => Ok(None),
        "Policy" | "RedriveAllowPolicy" => {
            let v: serde_json::Value = serde_json::from_str(value).map_err(|_| {
                SqsError::InvalidAttributeValue(format!("Invalid value for the parameter {name}."))
            })?;
            if !v.is_object() {
                return Err(SqsError::InvalidAttributeValue(format!(
                    "Invalid value for the parameter {name}."
                )));
            }
            Ok(Some(value.to_string()))
        }
        "KmsMasterKeyId" if value.is_empty() => Ok(None),
        "KmsMasterKeyId" => Ok(Some(value.to_string())),
        "FifoQueue" if value == "false" => Ok(None),
        n if FIFO_ONLY.contains(&n) => Err(fifo_unsupported()),
        n if COMPUTED.contains(&n) || n == "All" => Err(SqsError::InvalidAttributeName(format!(
            "Attribute {n} cannot be set."
        ))),
        n => Err(SqsError::InvalidAttributeName(format!(
            "Unknown Attribute {n}."
        ))),
    }
}

/// eddy implements standard queues only.
pub fn fifo_unsupported() -> SqsError {
    SqsError::UnsupportedOperation(
        "FIFO queues are not supported by eddy: create a standard queue (a name without the .fifo suffix)."
            .into(),
    )
}

/// Checks a queue name: 1-80 characters, letters, digits, `-` and `_`.
pub fn validate_queue_name(name: &str) -> Result<(), SqsError> {
    if name.ends_with(".fifo") {
        return Err(fifo_unsupported());
    }
    let ok = !name.is_empty()
        && name.len() <= 80
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SqsError::InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
                .into(),
        ))
    }
}

/// `arn:aws:sqs:<region>:<account>:<name>` split into (region, account, name).
pub fn parse_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let _partition = parts.next()?;
    if parts.next()? != "sqs" {
        return None;
    }
    let region = parts.next()?;
    let account = parts.next()?;
    let name = parts.next()?;
    if name.is_empty() || name.contains(':') {
        return None;
    }
    Some((region, account, name))
}

/// The (account, name) a queue URL names: its last two path segments. A bare queue name
/// (no `/`) is accepted too, with no account.
pub fn parse_queue_url(url: &str) -> Option<(Option<&str>, &str)> {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut segs = path.rsplit('/').filter(|s| !s.is_empty());
    let name = segs.next()?;
    let account = segs.next();
    Some((account, name))
}

/// Checks a message body: not empty, only the characters SQS allows.
pub fn validate_body(body: &str) -> Result<(), SqsError> {
    if body.is_empty() {
        return Err(SqsError::MissingParameter(
            "The request must contain the parameter MessageBody.".into(),
        ));
    }
    let allowed = |c: char| matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}');
    if let Some(bad) = body.chars().find(|c| !allowed(*c)) {
        return Err(SqsError::InvalidMessageContents(format!(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (found #x{:X})",
            bad as u32
        )));
    }
    Ok(())
}

/// Validates message attributes; returns their size (names, types and values).
pub fn validate_message_attributes(
    attributes: &[(String, MessageAttribute)],
) -> Result<usize, SqsError> {
    if attributes.len() > MAX_MESSAGE_ATTRIBUTES {
        return Err(SqsError::InvalidParameterValue(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}].",
            attributes.len()
        )));
    }
    let mut size = 0;
    let mut seen = std::collections::HashSet::new();
    for (name, attr) in attributes {
        validate_attribute_name(name)?;
        if !seen.insert(name.as_str()) {
            return Err(SqsError::InvalidParameterValue(format!(
                "Message attribute name '{name}' is duplicated."
            )));
        }
        let base = attr.data_type.split('.').next().unwrap_or("");
        let label_ok = attr
            .data_type
            .split_once('.')
            .is_none_or(|(_, l)| !l.is_empty() && l.len() <= 256);
        if attr.data_type.is_empty() {
            return Err(SqsError::InvalidParameterValue(format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            )));
        }
        if !matches!(base, "String" | "Number" | "Binary") || !label_ok {
            return Err(SqsError::InvalidParameterValue(format!(
                "The type of message attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
            )));
        }
        let missing = || {
            SqsError::InvalidParameterValue(format!(
                "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{base}'."
            ))
        };
        let value_len = if base == "Binary" {
            match &attr.binary_value {
                Some(b) if !b.is_empty() => b.len(),
                _ => return Err(missing()),
            }
        } else {
            match &attr.string_value {
                Some(s) if !s.is_empty() => {
                    if base == "Number" && !is_number(s) {
                        return Err(SqsError::InvalidParameterValue(format!(
                            "Can't cast the value of message (user) attribute '{name}' to a number."
                        )));
                    }
                    validate_body(s).map_err(|_| {
                        SqsError::InvalidParameterValue(format!(
                            "Message attribute '{name}' contains invalid characters."
                        ))
                    })?;
                    s.len()
                }
                _ => return Err(missing()),
            }
        };
        size += name.len() + attr.data_type.len() + value_len;
    }
    Ok(size)
}

fn validate_attribute_name(name: &str) -> Result<(), SqsError> {
    let lower = name.to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.");
    if ok {
        Ok(())
    } else {
        Err(SqsError::InvalidParameterValue(format!(
            "Message attribute name '{name}' is invalid."
        )))
    }
}

/// SQS Number: up to 38 significant digits, within ±10^126 (checked loosely: a decimal
/// with optional sign, fraction and exponent).
fn is_number(s: &str) -> bool {
    let s = s.trim();
    let (mantissa, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (s, None),
    };
    let m = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    let digits_ok = !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    let significant = int.trim_start_matches('0').len() + frac.len();
    digits_ok && exp_ok && significant <= 38
}

/// True when `name` is selected by a `MessageAttributeNames` list (`All`, `.*`, exact
/// names, or `prefix.*`).
pub fn attribute_selected(selectors: &[String], name: &str) -> bool {
    selectors.iter().any(|s| {
        s == "All"
            || s == ".*"
            || s == name
            || s.strip_suffix(".*")
                .is_some_and(|p| name.starts_with(p) && name[p.len()..].starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names() {
        assert!(validate_queue_name("orders-1_x").is_ok());
        assert!(validate_queue_name(&"a".repeat(80)).is_ok());
        assert!(matches!(
            validate_queue_name(&"a".repeat(81)),
            Err(SqsError::InvalidParameterValue(_))
        ));
        assert!(validate_queue_name("").is_err());
        assert!(validate_queue_name("a b").is_err());
        assert!(matches!(
            validate_queue_name("q.fifo"),
            Err(SqsError::UnsupportedOperation(_))
        ));
    }

    #[test]
    fn arns_and_urls() {
        assert_eq!(
            parse_arn("arn:aws:sqs:us-east-1:000000000000:q1"),
            Some(("us-east-1", "000000000000", "q1"))
        );
        assert_eq!(parse_arn("arn:aws:sns:us-east-1:0:q1"), None);
        assert_eq!(parse_arn("q1"), None);
        assert_eq!(
            parse_queue_url("http://127.0.0.1:8000/000000000000/q1"),
            Some((Some("000000000000"), "q1"))
        );
        assert_eq!(
            parse_queue_url("https://sqs.us-east-1.amazonaws.com/123/q1/"),
            Some((Some("123"), "q1"))
        );
        assert_eq!(parse_queue_url("q1"), Some((None, "q1")));
        assert_eq!(parse_queue_url("http://host"), None);
    }

    #[test]
    fn attribute_values_are_range_checked_and_normalized() {
        assert_eq!(
            normalize_attribute("VisibilityTimeout", "060").ok(),
            Some(Some("60".into()))
        );
        assert!(matches!(
            normalize_attribute("VisibilityTimeout", "43201"),
            Err(SqsError::InvalidAttributeValue(_))
        ));
        assert!(matches!(
            normalize_attribute("DelaySeconds", "x"),
            Err(SqsError::InvalidAttributeValue(_))
        ));
        assert!(matches!(
            normalize_attribute("Nope", "1"),
            Err(SqsError::InvalidAttributeName(_))
        ));
        assert!(matches!(
            normalize_attribute("FifoQueue", "true"),
            Err(SqsError::UnsupportedOperation(_))
        ));
        let rp = normalize_attribute(
            "RedrivePolicy",
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}"#,
        )
        .expect("valid");
        assert_eq!(
            rp.as_deref(),
            Some(
                r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}"#
            )
        );
        assert!(normalize_attribute("RedrivePolicy", r#"{"maxReceiveCount":3}"#).is_err());
        assert!(
            normalize_attribute(
                "RedrivePolicy",
                r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:d","maxReceiveCount":0}"#
            )
            .is_err()
        );
        assert_eq!(normalize_attribute("RedrivePolicy", "").ok(), Some(None));
    }

    #[test]
    fn message_attributes_are_validated() {
        let s = |t: &str, v: &str| MessageAttribute {
            data_type: t.into(),
            string_value: Some(v.into()),
            binary_value: None,
        };
        assert!(validate_message_attributes(&[("a".into(), s("String", "x"))]).is_ok());
        assert!(validate_message_attributes(&[("a".into(), s("Number.int", "-1.5e3"))]).is_ok());
        assert!(validate_message_attributes(&[("a".into(), s("Number", "1x"))]).is_err());
        assert!(validate_message_attributes(&[("a".into(), s("Str", "x"))]).is_err());
        assert!(validate_message_attributes(&[("a".into(), s("String", ""))]).is_err());
        assert!(validate_message_attributes(&[("AWS.x".into(), s("String", "x"))]).is_err());
        assert!(validate_message_attributes(&[("a..b".into(), s("String", "x"))]).is_err());
        let many: Vec<_> = (0..11)
            .map(|i| (format!("a{i}"), s("String", "x")))
            .collect();
        assert!(validate_message_attributes(&many).is_err());
        let bin = MessageAttribute {
            data_type: "Binary".into(),
            string_value: None,
            binary_value: Some(vec![1]),
        };
        assert_eq!(
            validate_message_attributes(&[("b".into(), bin)]).ok(),
            Some(8)
        );
    }

    #[test]
    fn bodies_reject_forbidden_characters() {
        assert!(validate_body("hello\tworld\n").is_ok());
        assert!(matches!(
            validate_body(""),
            Err(SqsError::MissingParameter(_))
        ));
        assert!(matches!(
            validate_body("a\u{1}b"),
            Err(SqsError::InvalidMessageContents(_))
        ));
    }

    #[test]
    fn attribute_name_selectors() {
        let sel = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(attribute_selected(&sel(&["All"]), "x"));
        assert!(attribute_selected(&sel(&[".*"]), "x"));
        assert!(attribute_selected(&sel(&["x"]), "x"));
        assert!(attribute_selected(&sel(&["foo.*"]), "foo.bar"));
        assert!(!attribute_selected(&sel(&["foo.*"]), "foobar"));
        assert!(!attribute_selected(&sel(&["y"]), "x"));
    }
}
