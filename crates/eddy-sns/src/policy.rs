//! Delivery retry policies (SNS `DeliveryPolicy` → `healthyRetryPolicy`) and the delay
//! before each retry.
//!
//! AWS's phases, in order: `numNoDelayRetries` immediate retries, `numMinDelayRetries`
//! at `minDelayTarget`, a backoff phase from min to max delay shaped by
//! `backoffFunction`, then `numMaxDelayRetries` at `maxDelayTarget`; `numRetries` is the
//! total. Delays are seconds.

use serde_json::Value;
use std::time::Duration;

/// A retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total retries after the first attempt.
    pub num_retries: u32,
    /// Immediate retries first.
    pub num_no_delay: u32,
    /// Retries at the minimum delay.
    pub num_min_delay: u32,
    /// Retries at the maximum delay (last phase).
    pub num_max_delay: u32,
    /// Minimum delay (seconds).
    pub min_delay: f64,
    /// Maximum delay (seconds).
    pub max_delay: f64,
    /// linear, arithmetic, geometric or exponential.
    pub backoff: String,
}

impl RetryPolicy {
    /// AWS's default for customer-managed endpoints (http/https; eddy also uses it for
    /// email, sms and whatsapp): 3 retries, 20 s apart.
    pub fn customer_default() -> Self {
        Self {
            num_retries: 3,
            num_no_delay: 0,
            num_min_delay: 0,
            num_max_delay: 0,
            min_delay: 20.0,
            max_delay: 20.0,
            backoff: "linear".into(),
        }
    }

    /// eddy's default for its own services (sqs, lambda): 3 immediate retries, then
    /// exponential backoff from 1 s to 60 s, 50 retries in all (about 40 minutes).
    pub fn managed_default() -> Self {
        Self {
            num_retries: 50,
            num_no_delay: 3,
            num_min_delay: 0,
            num_max_delay: 0,
            min_delay: 1.0,
            max_delay: 60.0,
            backoff: "exponential".into(),
        }
    }

    /// The policy from a `healthyRetryPolicy` object, over `base` for missing fields.
    pub fn from_json(v: &Value, base: &RetryPolicy) -> Self {
        let u = |k: &str, d: u32| {
            v.get(k)
                .and_then(Value::as_u64)
                .map_or(d, |x| u32::try_from(x).unwrap_or(u32::MAX))
        };
        let f = |k: &str, d: f64| v.get(k).and_then(Value::as_f64).unwrap_or(d);
        Self {
            num_retries: u("numRetries", base.num_retries),
            num_no_delay: u("numNoDelayRetries", base.num_no_delay),
            num_min_delay: u("numMinDelayRetries", base.num_min_delay),
            num_max_delay: u("numMaxDelayRetries", base.num_max_delay),
            min_delay: f("minDelayTarget", base.min_delay),
            max_delay: f("maxDelayTarget", base.max_delay),
            backoff: v
                .get("backoffFunction")
                .and_then(Value::as_str)
                .unwrap_or(&base.backoff)
                .to_string(),
        }
    }

    /// The policy in effect for a subscription: its own `DeliveryPolicy`, else the
    /// topic's `DeliveryPolicy.<protocol>.defaultHealthyRetryPolicy`, else `base`.
    pub fn effective(
        sub_policy: Option<&str>,
        topic_policy: Option<&str>,
        protocol: &str,
        base: RetryPolicy,
    ) -> Self {
        if let Some(v) = sub_policy.and_then(|p| serde_json::from_str::<Value>(p).ok())
            && let Some(h) = v.get("healthyRetryPolicy")
        {
            return Self::from_json(h, &base);
        }
        if let Some(v) = topic_policy.and_then(|p| serde_json::from_str::<Value>(p).ok())
            && let Some(h) = v
                .get(protocol)
                .and_then(|p| p.get("defaultHealthyRetryPolicy"))
        {
            return Self::from_json(h, &base);
        }
        base
    }

    /// The delay before retry number `retry` (1-based); `None` once retries are spent.
    pub fn delay(&self, retry: u32) -> Option<Duration> {
        if retry == 0 || retry > self.num_retries {
            return None;
        }
        let secs = if retry <= self.num_no_delay {
            0.0
        } else if retry <= self.num_no_delay + self.num_min_delay {
            self.min_delay
        } else if retry > self.num_retries.saturating_sub(self.num_max_delay) {
            self.max_delay
        } else {
            let start = self.num_no_delay + self.num_min_delay;
            let phase = self
                .num_retries
                .saturating_sub(start + self.num_max_delay)
                .max(1);
            let i = f64::from(retry - start - 1);
            let n = f64::from(phase.saturating_sub(1).max(1));
            let t = (i / n).clamp(0.0, 1.0);
            let (lo, hi) = (self.min_delay.max(0.0), self.max_delay.max(self.min_delay));
            match self.backoff.as_str() {
                "exponential" | "geometric" if lo > 0.0 => lo * (hi / lo).powf(t),
                _ => lo + (hi - lo) * t,
            }
        };
        Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
    }

    /// The policy as AWS renders `EffectiveDeliveryPolicy`.
    pub fn to_effective_json(&self) -> String {
        serde_json::json!({
            "healthyRetryPolicy": {
                "minDelayTarget": self.min_delay,
                "maxDelayTarget": self.max_delay,
                "numRetries": self.num_retries,
                "numMaxDelayRetries": self.num_max_delay,
                "numNoDelayRetries": self.num_no_delay,
                "numMinDelayRetries": self.num_min_delay,
                "backoffFunction": self.backoff,
            },
            "sicklyRetryPolicy": null,
            "throttlePolicy": null,
            "guaranteed": false
        })
        .to_string()
    }
}

/// Validates a `DeliveryPolicy` attribute value; the error is the reason.
pub fn validate(text: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(text).map_err(|_| "failed to parse JSON".to_string())?;
    if !v.is_object() {
        return Err("DeliveryPolicy must be a JSON object".into());
    }
    let hrp = v.get("healthyRetryPolicy").or_else(|| {
        v.as_object()?
            .values()
            .find_map(|p| p.get("defaultHealthyRetryPolicy"))
    });
    if let Some(h) = hrp {
        let min = h.get("minDelayTarget").and_then(Value::as_f64);
        let max = h.get("maxDelayTarget").and_then(Value::as_f64);
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err("minDelayTarget must be less than or equal to maxDelayTarget".into());
        }
        if min.is_some_and(|m| m < 1.0) {
            return Err("minDelayTarget must be at least 1".into());
        }
        if let Some(b) = h.get("backoffFunction").and_then(Value::as_str)
            && !matches!(b, "linear" | "arithmetic" | "geometric" | "exponential")
        {
            return Err(format!("Invalid backoffFunction: {b}"));
        }
    }
    Ok(())
}

/// The `requestPolicy.headerContentType` of a subscription's policy, if any.
pub fn header_content_type(sub_policy: Option<&str>) -> Option<String> {
    let v: Value = serde_json::from_str(sub_policy?).ok()?;
    Some(
        v.get("requestPolicy")?
            .get("headerContentType")?
            .as_str()?
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases() {
        let p = RetryPolicy {
            num_retries: 6,
            num_no_delay: 1,
            num_min_delay: 1,
            num_max_delay: 1,
            min_delay: 1.0,
            max_delay: 8.0,
            backoff: "exponential".into(),
        };
        let d: Vec<f64> = (1..=7)
            .map(|r| p.delay(r).map_or(-1.0, |d| d.as_secs_f64()))
            .collect();
        assert_eq!(d[0], 0.0);
        assert_eq!(d[1], 1.0);
        assert!(
            d[2] >= 1.0 && d[2] <= d[3] && d[3] <= d[4] && d[4] <= 8.0,
            "{d:?}"
        );
        assert_eq!(d[5], 8.0);
        assert_eq!(d[6], -1.0);
        assert_eq!(
            RetryPolicy::customer_default().delay(3),
            Some(Duration::from_secs(20))
        );
        assert_eq!(RetryPolicy::customer_default().delay(4), None);
    }

    #[test]
    fn effective_and_validation() {
        let sub =
            r#"{"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":1,"maxDelayTarget":1}}"#;
        let p = RetryPolicy::effective(Some(sub), None, "http", RetryPolicy::customer_default());
        assert_eq!(p.num_retries, 2);
        assert_eq!(p.delay(1), Some(Duration::from_secs(1)));
        let topic = r#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":5}}}"#;
        let p = RetryPolicy::effective(None, Some(topic), "http", RetryPolicy::customer_default());
        assert_eq!(p.num_retries, 5);
        assert!(validate(sub).is_ok());
        assert!(validate("[]").is_err());
        assert!(
            validate(r#"{"healthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":1}}"#).is_err()
        );
        assert_eq!(
            header_content_type(Some(
                r#"{"requestPolicy":{"headerContentType":"application/json"}}"#
            )),
            Some("application/json".into())
        );
    }
}
