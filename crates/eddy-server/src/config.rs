//! Server settings and the static credential table.
//!
//! `eddy` has two authentication modes (see `sigv4.rs`): without credentials it behaves
//! like DynamoDB Local and accepts any well-formed SigV4 `Authorization` header; with a
//! credentials file it verifies every signature. The file format is deliberately trivial
//! (one `ACCESS_KEY_ID SECRET PRINCIPAL` per line) so operators can write it by hand and
//! so there is no parser dependency.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// Default request body limit: DynamoDB accepts requests up to 16 MiB (BatchWriteItem).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Settings of the HTTP front end.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Region this node pretends to be (used for logs and later for ARNs in other APIs).
    pub region: String,
    /// 12-digit account id this node pretends to be.
    pub account_id: String,
    /// `None`: accept any syntactically valid SigV4 header (DynamoDB Local behaviour).
    /// `Some`: verify signatures against these keys.
    pub credentials: Option<Credentials>,
    /// Largest accepted request body; larger bodies get HTTP 413.
    pub max_body_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            credentials: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// One configured access key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The secret access key (never logged).
    pub secret: String,
    /// The principal name reported to the engine for requests signed with this key.
    pub principal: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret", &"<redacted>")
            .field("principal", &self.principal)
            .finish()
    }
}

/// Access key id → secret and principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    keys: HashMap<String, Credential>,
}

/// A credentials file that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The file could not be read.
    #[error("cannot read credentials file {path}: {source}", path = .0.display(), source = .1)]
    Io(std::path::PathBuf, std::io::Error),
    /// A line does not have exactly three fields, or a key id is repeated.
    #[error("credentials file line {line}: {reason}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file holds no key at all (which would lock every client out).
    #[error("credentials file defines no access key")]
    Empty,
}

impl Credentials {
    /// Reads and parses a credentials file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CredentialsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| CredentialsError::Io(path.to_path_buf(), e))?;
        Self::parse(&text)
    }

    /// Parses `ACCESS_KEY_ID SECRET PRINCIPAL` lines; blank lines and `#` comments are
    /// ignored. Fields are separated by any run of spaces or tabs.
    pub fn parse(text: &str) -> Result<Self, CredentialsError> {
        let mut keys = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [id, secret, principal] = fields[..] else {
                return Err(CredentialsError::Parse {
                    line: i + 1,
                    reason: format!(
                        "expected `ACCESS_KEY_ID SECRET PRINCIPAL`, found {} field(s)",
                        fields.len()
                    ),
                });
            };
            let cred = Credential {
                secret: secret.to_string(),
                principal: principal.to_string(),
            };
            if keys.insert(id.to_string(), cred).is_some() {
                return Err(CredentialsError::Parse {
                    line: i + 1,
                    reason: format!("access key id {id} is defined twice"),
                });
            }
        }
        if keys.is_empty() {
            return Err(CredentialsError::Empty);
        }
        Ok(Self { keys })
    }

    /// Builds a table from `(access key id, secret, principal)` triples (tests, embedding).
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Self {
        let keys = entries
            .into_iter()
            .map(|(id, secret, principal)| {
                let cred = Credential {
                    secret: secret.into(),
                    principal: principal.into(),
                };
                (id.to_string(), cred)
            })
            .collect();
        Self { keys }
    }

    /// Looks up an access key id.
    pub fn get(&self, access_key_id: &str) -> Option<&Credential> {
        self.keys.get(access_key_id)
    }

    /// Number of configured keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_comments_and_blank_lines() {
        let c = Credentials::parse("# admin\n\nAKID1  s3cr3t\talice\n  AKID2 other bob \n");
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("AKID1").map(|k| k.principal.as_str()), Some("alice"));
        assert_eq!(c.get("AKID2").map(|k| k.secret.as_str()), Some("other"));
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn rejects_bad_lines_duplicates_and_empty_files() {
        assert!(matches!(
            Credentials::parse("a b\n"),
            Err(CredentialsError::Parse { line: 1, .. })
        ));
        assert!(matches!(
            Credentials::parse("a b c\n\na d e\n"),
            Err(CredentialsError::Parse { line: 3, .. })
        ));
        assert!(matches!(
            Credentials::parse("# only\n"),
            Err(CredentialsError::Empty)
        ));
        // Comments only start a line; a trailing `# ...` makes extra fields.
        assert!(matches!(
            Credentials::parse("a b c # note\n"),
            Err(CredentialsError::Parse { line: 1, .. })
        ));
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = Credentials::from_entries([("AKID", "topsecret", "alice")]);
        let s = format!("{c:?}");
        assert!(!s.contains("topsecret"));
        assert!(s.contains("alice"));
    }

    #[test]
    fn load_reports_missing_file() {
        let err = Credentials::load("/nonexistent/eddy-creds").err();
        assert!(matches!(err, Some(CredentialsError::Io(..))));
    }
}
