//! Request-shape constraints checked before any semantic validation, reported the way
//! AWS's front end (Coral) does: every violation of a request is collected, in the order
//! of the operation's members in the service model, and rendered as
//! `N validation error(s) detected: Value X at 'member' failed to satisfy constraint: ...`
//! joined by `; `. DynamoDB Local drops the count prefix and stops at the first violation;
//! AWS is the reference here (see docs/compatibility.md).

use eddy_types::ApiError;

/// `ReturnValue` enum in the order AWS prints it.
pub const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];
/// `ReturnConsumedCapacity`.
pub const RETURN_CONSUMED_CAPACITY: &[&str] = &["INDEXES", "TOTAL", "NONE"];
/// `ReturnItemCollectionMetrics`.
pub const RETURN_ITEM_COLLECTION_METRICS: &[&str] = &["SIZE", "NONE"];
/// `ReturnValuesOnConditionCheckFailure`.
pub const RETURN_VALUES_ON_CCF: &[&str] = &["ALL_OLD", "NONE"];
/// `BillingMode`.
pub const BILLING_MODE: &[&str] = &["PROVISIONED", "PAY_PER_REQUEST"];
/// `ScalarAttributeType`.
pub const SCALAR_TYPE: &[&str] = &["B", "N", "S"];
/// `KeyType`.
pub const KEY_TYPE: &[&str] = &["HASH", "RANGE"];
/// `ConditionalOperator`.
pub const CONDITIONAL_OPERATOR: &[&str] = &["AND", "OR"];
/// `TableClass`.
pub const TABLE_CLASS: &[&str] = &["STANDARD", "STANDARD_INFREQUENT_ACCESS"];
/// Collected constraint violations of one request.
#[derive(Default)]
pub struct Violations(Vec<String>);

impl Violations {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A table or index name: required (when `required`), 3..=255 chars, `[a-zA-Z0-9_.-]+`.
    pub fn table_name(&mut self, member: &str, v: Option<&str>, required: bool) {
        let Some(name) = v else {
            if required {
                self.push(None, member, "Member must not be null");
            }
            return;
        };
        let len = name.chars().count();
        if len < 3 {
            self.push(
                Some(name),
                member,
                "Member must have length greater than or equal to 3",
            );
        }
        if len > 255 {
            self.push(
                Some(name),
                member,
                "Member must have length less than or equal to 255",
            );
        }
        let pattern_ok = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !pattern_ok {
            self.push(
                Some(name),
                member,
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            );
        }
    }

    /// A required member of any type (only its presence is checked).
    pub fn not_null(&mut self, member: &str, present: bool) {
        if !present {
            self.push(None, member, "Member must not be null");
        }
    }

    /// A string member's length in `min..=max` characters (absent values pass).
    pub fn length(&mut self, member: &str, v: Option<&str>, min: usize, max: usize) {
        let Some(s) = v else { return };
        let len = s.chars().count();
        if len < min {
            self.push(
                Some(s),
                member,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if len > max {
            self.push(
                Some(s),
                member,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// A list member's length in `min..=max` elements; `rendered` is how the list is
    /// echoed in the message (AWS prints the whole list).
    pub fn list_length(
        &mut self,
        member: &str,
        rendered: &str,
        len: usize,
        min: usize,
        max: usize,
    ) {
        if len < min {
            self.push(
                Some(rendered),
                member,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if len > max {
            self.push(
                Some(rendered),
                member,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// An enum member.
    pub fn one_of(&mut self, member: &str, v: Option<&str>, allowed: &[&str]) {
        if let Some(v) = v
            && !allowed.contains(&v)
        {
            let set = format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            );
            self.push(Some(v), member, &set);
        }
    }

    /// An integer member of at least `min` (absent values pass).
    pub fn min_value(&mut self, member: &str, v: Option<i64>, min: i64) {
        if let Some(v) = v
            && v < min
        {
            let rendered = v.to_string();
            let rule = format!("Member must have value greater than or equal to {min}");
            self.push(Some(&rendered), member, &rule);
        }
    }

    /// Ok when nothing was violated, else the combined ValidationException.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ApiError::validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(ApiError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_coral() {
        let mut v = Violations::new();
        v.table_name("tableName", None, true);
        v.one_of("returnValues", Some("X"), &["A", "B"]);
        let msg = v.finish().unwrap_err().to_string();
        assert_eq!(
            msg,
            "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value 'X' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [A, B]"
        );
        let mut v = Violations::new();
        v.table_name("tableName", Some("ok_name"), true);
        assert!(v.finish().is_ok());
    }
}
