//! Checks shared by CreateFunction and UpdateFunctionConfiguration, with AWS's error
//! types and wording.

use crate::error::LambdaError;
use crate::model::{valid_name, valid_role};
use crate::runtime::process::RESERVED_ENV;
use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Longest timeout (seconds).
pub const MAX_TIMEOUT: i64 = 900;
/// Memory range (MB).
pub const MEMORY_RANGE: (i64, i64) = (128, 10_240);

/// `Environment` in requests.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentInput {
    /// `Variables`.
    #[serde(default)]
    pub variables: Option<BTreeMap<String, String>>,
}

fn constraint(value: &str, member: &str, rule: &str) -> LambdaError {
    LambdaError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

pub fn name(name: &str) -> Result<(), LambdaError> {
    if valid_name(name) {
        Ok(())
    } else if name.len() > 64 {
        Err(constraint(
            name,
            "functionName",
            "Member must have length less than or equal to 64",
        ))
    } else {
        Err(constraint(
            name,
            "functionName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
        ))
    }
}

pub fn role(role: &str) -> Result<(), LambdaError> {
    if valid_role(role) {
        Ok(())
    } else {
        Err(constraint(
            role,
            "role",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ))
    }
}

pub fn timeout(t: i64) -> Result<u32, LambdaError> {
    if t < 1 {
        return Err(constraint(
            &t.to_string(),
            "timeout",
            "Member must have value greater than or equal to 1",
        ));
    }
    if t > MAX_TIMEOUT {
        return Err(constraint(
            &t.to_string(),
            "timeout",
            "Member must have value less than or equal to 900",
        ));
    }
    u32::try_from(t).map_err(|_| LambdaError::InvalidParameterValue("bad timeout".into()))
}

pub fn memory(m: i64) -> Result<u32, LambdaError> {
    if m < MEMORY_RANGE.0 {
        return Err(constraint(
            &m.to_string(),
            "memorySize",
            "Member must have value greater than or equal to 128",
        ));
    }
    if m > MEMORY_RANGE.1 {
        return Err(constraint(
            &m.to_string(),
            "memorySize",
            "Member must have value less than or equal to 10240",
        ));
    }
    u32::try_from(m).map_err(|_| LambdaError::InvalidParameterValue("bad memory size".into()))
}

pub fn description(d: &str) -> Result<(), LambdaError> {
    if d.chars().count() > 256 {
        return Err(constraint(
            d,
            "description",
            "Member must have length less than or equal to 256",
        ));
    }
    Ok(())
}

pub fn handler(h: &str) -> Result<(), LambdaError> {
    if h.len() > 128 || h.chars().any(char::is_whitespace) {
        return Err(constraint(
            h,
            "handler",
            "Member must satisfy regular expression pattern: [^\\s]+",
        ));
    }
    Ok(())
}

/// Reserved names and the 4 KB limit.
pub fn environment(vars: &BTreeMap<String, String>) -> Result<(), LambdaError> {
    let reserved: Vec<&str> = vars
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_ENV.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let bad = vars.keys().find(|k| {
        k.is_empty()
            || k.as_bytes()[0].is_ascii_digit()
            || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if let Some(k) = bad {
        return Err(constraint(
            k,
            "environment.variables",
            "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
        ));
    }
    let size = serde_json::to_vec(vars).map(|v| v.len()).unwrap_or(0);
    if size > 4096 {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {}",
            serde_json::to_string(vars).unwrap_or_default()
        )));
    }
    Ok(())
}

/// Decodes `ZipFile` (base64 in JSON).
pub fn zip_file(b64: &str) -> Result<Vec<u8>, LambdaError> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| LambdaError::InvalidParameterValue(crate::code::NOT_A_ZIP.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_reserved_names() {
        assert!(timeout(0).is_err());
        assert!(timeout(901).is_err());
        assert_eq!(timeout(900).ok(), Some(900));
        assert!(memory(127).is_err());
        assert!(memory(10_241).is_err());
        assert_eq!(memory(128).ok(), Some(128));
        let mut vars = BTreeMap::new();
        vars.insert("AWS_REGION".to_string(), "x".to_string());
        assert!(matches!(
            environment(&vars),
            Err(LambdaError::InvalidParameterValue(m)) if m.ends_with("AWS_REGION")
        ));
        let mut ok = BTreeMap::new();
        ok.insert("TABLE".to_string(), "t".to_string());
        ok.insert("AWS_ENDPOINT_URL".to_string(), "http://x".to_string());
        assert!(environment(&ok).is_ok());
        assert!(name("ok-name_1").is_ok());
        assert!(name("bad name").is_err());
    }
}
