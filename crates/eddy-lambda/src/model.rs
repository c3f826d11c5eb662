//! The function record (what the store persists), runtimes, names and ARNs, and the
//! `FunctionConfiguration` shape every API operation renders.
//!
//! The record is the single source of truth for a function: the API writes it, the
//! process pools read it. It is stored as JSON (one value per function in the `functions`
//! keyspace) so the format can grow fields with `#[serde(default)]` without a migration.

use crate::error::LambdaError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::macros::format_description;

/// The only version eddy has: functions are never published.
pub const LATEST: &str = "$LATEST";

/// How a function's code is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// `python3.x`: eddy's Python runtime client on the host's `python3`.
    Python,
    /// `nodejs*.x`: eddy's Node.js runtime client on the host's `node`.
    Node,
    /// `provided`, `provided.al2`, `provided.al2023`: the zip's `bootstrap` is the runtime.
    Provided,
}

/// Every value of the model's `Runtime` enum (a string outside it is a ValidationException).
const RUNTIME_ENUM: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "nodejs24.x",
    "python3.14",
    "java25",
    "dotnet10",
    "ruby4.0",
];

impl RuntimeKind {
    /// Classifies a `Runtime` parameter, with AWS's error for values outside the enum and
    /// an `InvalidParameterValueException` for runtimes eddy cannot run.
    pub fn parse(runtime: &str) -> Result<Self, LambdaError> {
        if !RUNTIME_ENUM.contains(&runtime) {
            return Err(LambdaError::Validation(format!(
                "1 validation error detected: Value '{runtime}' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
                RUNTIME_ENUM.join(", ")
            )));
        }
        if runtime.starts_with("python3.") {
            Ok(Self::Python)
        } else if runtime.starts_with("nodejs") && runtime.ends_with(".x") {
            Ok(Self::Node)
        } else if runtime.starts_with("provided") {
            Ok(Self::Provided)
        } else {
            Err(LambdaError::InvalidParameterValue(format!(
                "The runtime parameter of {runtime} is not supported by eddy. Supported runtimes: python3.x, nodejs*.x, provided, provided.al2, provided.al2023."
            )))
        }
    }
}

/// One function as persisted (JSON in the `functions` keyspace, keyed by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// Function name (the key).
    pub name: String,
    /// `Runtime` as given.
    pub runtime: String,
    /// `Role` as given (accepted and echoed).
    pub role: String,
    /// `Handler` (empty when not given).
    #[serde(default)]
    pub handler: String,
    /// `Description`.
    #[serde(default)]
    pub description: String,
    /// Seconds, 1..=900.
    pub timeout: u32,
    /// MB, 128..=10240.
    pub memory_size: u32,
    /// `Environment.Variables`; `None` when never set (the field is then omitted).
    #[serde(default)]
    pub environment: Option<BTreeMap<String, String>>,
    /// Base64 of the zip's SHA-256 (the `CodeSha256` field).
    pub code_sha256: String,
    /// Hex of the same digest: the code directory's name on disk.
    pub code_hex: String,
    /// Zip size in bytes.
    pub code_size: u64,
    /// `LastModified` in Lambda's format.
    pub last_modified: String,
    /// Changes on every update (`RevisionId`).
    pub revision_id: String,
    /// `ReservedConcurrentExecutions` (PutFunctionConcurrency), if set.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// `Architectures` (echoed; the host's architecture runs the code regardless).
    #[serde(default = "default_architectures")]
    pub architectures: Vec<String>,
    /// `Tags` given at creation.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_architectures() -> Vec<String> {
    vec!["x86_64".into()]
}

/// Lambda's timestamp format: `2026-11-25T21:47:53.000+0000`.
pub fn lambda_timestamp(t: OffsetDateTime) -> String {
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

/// `arn:aws:lambda:<region>:<account>:function:<name>`.
pub fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

/// A function reference as clients write it: a name, a full ARN or a partial ARN
/// (`123456789012:function:name`), each optionally followed by `:qualifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The bare function name.
    pub name: String,
    /// The qualifier, when one was given (`$LATEST`, a version or an alias).
    pub qualifier: Option<String>,
    /// Region named by a full ARN.
    pub region: Option<String>,
    /// Account named by a full or partial ARN.
    pub account: Option<String>,
}

impl FunctionRef {
    /// Parses `s`; `None` when it does not look like a function reference at all.
    pub fn parse(s: &str) -> Option<Self> {
        let parts: Vec<&str> = s.split(':').collect();
        let (region, account, rest): (Option<&str>, Option<&str>, &[&str]) = match parts[..] {
            [
                "arn",
                _partition,
                "lambda",
                region,
                account,
                "function",
                ref rest @ ..,
            ] => (Some(region), Some(account), rest),
            [account, "function", ref rest @ ..] => (None, Some(account), rest),
            ref rest => (None, None, rest),
        };
        let (name, qualifier) = match rest {
            [name] => (*name, None),
            [name, q] => (*name, Some((*q).to_string())),
            _ => return None,
        };
        if !valid_name(name) || qualifier.as_deref().is_some_and(|q| !valid_qualifier(q)) {
            return None;
        }
        if account.is_some_and(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Some(Self {
            name: name.to_string(),
            qualifier,
            region: region.map(str::to_string),
            account: account.map(str::to_string),
        })
    }
}

/// Function names: 1..=64 of `[a-zA-Z0-9-_]`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_qualifier(q: &str) -> bool {
    (1..=128).contains(&q.len())
        && q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'$')
}

/// The `Role` pattern of the model: `arn:aws[...]:iam::<12 digits>:role/<path+name>`.
pub fn valid_role(role: &str) -> bool {
    let Some(rest) = role.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((_, rest)) = rest.split_once(":iam::") else {
        return false;
    };
    let Some((account, name)) = rest.split_once(":role") else {
        return false;
    };
    let name = name.strip_prefix('/').unwrap_or(name);
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b))
}

/// `State` and friends as a response shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The CreateFunction response: `State: Pending` (AWS reports it while it prepares).
    Creating,
    /// An Update* response: `LastUpdateStatus: InProgress`.
    Updating,
    /// Everything else: `Active` / `Successful`.
    Settled,
}

impl FunctionRecord {
    /// The `FunctionConfiguration` JSON object.
    pub fn configuration(&self, region: &str, account: &str, phase: Phase) -> Value {
        let mut c = json!({
            "FunctionName": self.name,
            "FunctionArn": function_arn(region, account, &self.name),
            "Runtime": self.runtime,
            "Role": self.role,
            "Handler": self.handler,
            "CodeSize": self.code_size,
            "Description": self.description,
            "Timeout": self.timeout,
            "MemorySize": self.memory_size,
            "LastModified": self.last_modified,
            "CodeSha256": self.code_sha256,
            "Version": LATEST,
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": self.revision_id,
            "PackageType": "Zip",
            "Architectures": self.architectures,
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", self.name)},
        });
        if let (Some(vars), Some(obj)) = (&self.environment, c.as_object_mut()) {
            obj.insert("Environment".into(), json!({ "Variables": vars }));
        }
        if let Some(obj) = c.as_object_mut() {
            match phase {
                Phase::Creating => {
                    obj.insert("State".into(), json!("Pending"));
                    obj.insert(
                        "StateReason".into(),
                        json!("The function is being created."),
                    );
                    obj.insert("StateReasonCode".into(), json!("Creating"));
                }
                Phase::Updating => {
                    obj.insert("State".into(), json!("Active"));
                    obj.insert("LastUpdateStatus".into(), json!("InProgress"));
                    obj.insert(
                        "LastUpdateStatusReason".into(),
                        json!("The function is being created."),
                    );
                    obj.insert("LastUpdateStatusReasonCode".into(), json!("Creating"));
                }
                Phase::Settled => {
                    obj.insert("State".into(), json!("Active"));
                    obj.insert("LastUpdateStatus".into(), json!("Successful"));
                }
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_lambda_format() {
        let t = OffsetDateTime::from_unix_timestamp(1_795_643_273)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let s = lambda_timestamp(t);
        assert_eq!(s.len(), "2026-11-25T21:47:53.000+0000".len(), "{s}");
        assert!(s.ends_with(".000+0000"), "{s}");
    }

    #[test]
    fn function_refs_parse_every_form() {
        let r = FunctionRef::parse("f-1").unwrap_or_else(|| panic!("name"));
        assert_eq!((r.name.as_str(), r.qualifier), ("f-1", None));
        let r = FunctionRef::parse("f:$LATEST").unwrap_or_else(|| panic!("qualified"));
        assert_eq!(r.qualifier.as_deref(), Some("$LATEST"));
        let r = FunctionRef::parse("arn:aws:lambda:us-east-1:123456789012:function:f:prod")
            .unwrap_or_else(|| panic!("arn"));
        assert_eq!(r.name, "f");
        assert_eq!(r.region.as_deref(), Some("us-east-1"));
        assert_eq!(r.account.as_deref(), Some("123456789012"));
        assert_eq!(r.qualifier.as_deref(), Some("prod"));
        let r = FunctionRef::parse("123456789012:function:f").unwrap_or_else(|| panic!("partial"));
        assert_eq!(
            (r.name.as_str(), r.account.as_deref()),
            ("f", Some("123456789012"))
        );
        for bad in [
            "",
            "a b",
            "a:b:c",
            "arn:aws:s3:::x",
            "12:function:f",
            &"x".repeat(65),
        ] {
            assert!(FunctionRef::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn runtimes_classify() {
        assert_eq!(
            RuntimeKind::parse("python3.12").ok(),
            Some(RuntimeKind::Python)
        );
        assert_eq!(
            RuntimeKind::parse("nodejs20.x").ok(),
            Some(RuntimeKind::Node)
        );
        assert_eq!(
            RuntimeKind::parse("provided.al2023").ok(),
            Some(RuntimeKind::Provided)
        );
        assert!(matches!(
            RuntimeKind::parse("java21"),
            Err(LambdaError::InvalidParameterValue(_))
        ));
        assert!(matches!(
            RuntimeKind::parse("cobol"),
            Err(LambdaError::Validation(_))
        ));
    }

    #[test]
    fn roles_follow_the_model_pattern() {
        assert!(valid_role("arn:aws:iam::123456789012:role/lambda-role"));
        assert!(valid_role(
            "arn:aws:iam::000000000000:role/service-role/x.y@z"
        ));
        assert!(!valid_role("role"));
        assert!(!valid_role("arn:aws:iam::123:role/x"));
        assert!(!valid_role("arn:aws:iam::123456789012:user/x"));
    }
}
