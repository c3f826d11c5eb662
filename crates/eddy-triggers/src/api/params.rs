//! Parameter checks shared by Create and Update, in AWS's order: model constraints
//! (ValidationException, Coral wording) first, then the service's own rules
//! (InvalidParameterValueException).

use super::LambdaError;
use crate::filter::Pattern;
use serde_json::Value;

/// Collects model-constraint violations.
#[derive(Default)]
pub(crate) struct Checks(Vec<String>);

impl Checks {
    /// Records one violation.
    pub(crate) fn push(&mut self, v: String) {
        self.0.push(v);
    }

    /// An integer member within `min..=max`; returns it.
    pub(crate) fn int(
        &mut self,
        v: &Value,
        key: &str,
        member: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let x = v.get(key)?;
        let Some(n) = x.as_i64() else {
            self.0.push(format!(
                "Value '{x}' at '{member}' failed to satisfy constraint: Member must be an integer"
            ));
            return None;
        };
        if n < min {
            self.0.push(format!("Value '{n}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}"));
        } else if n > max {
            self.0.push(format!("Value '{n}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}"));
        }
        Some(n)
    }

    /// The combined ValidationException, if anything was violated.
    pub(crate) fn finish(self) -> Result<(), LambdaError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(LambdaError::Validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(LambdaError::Validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// A boolean member.
pub(crate) fn boolean(v: &Value, key: &str) -> Result<Option<bool>, LambdaError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(LambdaError::InvalidParameterValue(format!(
            "{key} must be a boolean"
        ))),
    }
}

/// `MaximumRecordAgeInSeconds`: -1, or 60..=604800 (0..59 is inside the model range but
/// refused by the service).
pub(crate) fn check_record_age(age: Option<i64>) -> Result<(), LambdaError> {
    match age {
        Some(a) if a != -1 && (0..60).contains(&a) => Err(LambdaError::InvalidParameterValue(
            "MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800 seconds"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// `FilterCriteria`: `Some(patterns)` when present (`{}` or no `Filters` clears them).
pub(crate) fn filters(v: &Value) -> Result<Option<Vec<String>>, LambdaError> {
    let Some(fc) = v.get("FilterCriteria") else {
        return Ok(None);
    };
    let invalid =
        || LambdaError::InvalidParameterValue("Invalid filter pattern definition.".into());
    let list = match fc.get("Filters") {
        None | Some(Value::Null) => return Ok(Some(Vec::new())),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(invalid()),
    };
    if list.len() > 5 {
        return Err(LambdaError::InvalidParameterValue(
            "The maximum number of filters per event source mapping is 5.".into(),
        ));
    }
    let mut out = Vec::new();
    for f in list {
        let p = f
            .get("Pattern")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        if p.chars().count() > 4096 {
            return Err(invalid());
        }
        Pattern::parse(p).map_err(|_| invalid())?;
        out.push(p.to_string());
    }
    Ok(Some(out))
}

/// `DestinationConfig`: `Some(Some(arn))` / `Some(None)` when present.
pub(crate) fn destination(v: &Value) -> Result<Option<Option<String>>, LambdaError> {
    let Some(dc) = v.get("DestinationConfig") else {
        return Ok(None);
    };
    if dc.get("OnSuccess").is_some_and(|s| !s.is_null()) {
        return Err(LambdaError::InvalidParameterValue(
            "Unsupported DestinationConfig parameter for given event source mapping type.".into(),
        ));
    }
    let dest = dc
        .get("OnFailure")
        .and_then(|f| f.get("Destination"))
        .and_then(Value::as_str);
    match dest {
        None | Some("") => Ok(Some(None)),
        Some(d)
            if ["arn:aws:sqs:", "arn:aws:sns:", "arn:aws:s3:"]
                .iter()
                .any(|p| d.starts_with(p)) =>
        {
            Ok(Some(Some(d.to_string())))
        }
        Some(d) => Err(LambdaError::InvalidParameterValue(format!(
            "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination={d})) is invalid."
        ))),
    }
}

/// `FunctionResponseTypes`: at most one, `ReportBatchItemFailures`.
pub(crate) fn response_types(v: &Value, checks: &mut Checks) -> Option<Vec<String>> {
    let list = v.get("FunctionResponseTypes")?.as_array()?;
    if list.len() > 1 {
        checks.0.push(format!(
            "Value '{}' at 'functionResponseTypes' failed to satisfy constraint: Member must have length less than or equal to 1",
            Value::Array(list.clone())
        ));
    }
    let mut out = Vec::new();
    for t in list {
        let s = t.as_str().unwrap_or_default();
        if s != "ReportBatchItemFailures" {
            checks.0.push(format!(
                "Value '[{s}]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]"
            ));
        }
        out.push(s.to_string());
    }
    Some(out)
}
