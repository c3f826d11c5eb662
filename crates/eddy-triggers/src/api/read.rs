//! GetEventSourceMapping and ListEventSourceMappings.

use super::{ApiResult, LambdaError, Response, not_found};
use crate::{Running, Triggers};
use serde_json::{Value, json};

/// The state a stored mapping reports.
pub(crate) fn state(r: &Running) -> &'static str {
    if r.mapping.enabled {
        "Enabled"
    } else {
        "Disabled"
    }
}

impl Triggers {
    /// GetEventSourceMapping.
    pub(crate) async fn get(&self, uuid: &str) -> ApiResult {
        let all = self.mappings.lock().await;
        let r = all.get(uuid).ok_or_else(not_found)?;
        let last = r.last_result.lock().clone();
        Ok(Response::json(
            200,
            &self.render(&r.mapping, state(r), &last),
        ))
    }

    /// ListEventSourceMappings: filtered by EventSourceArn and FunctionName, paged by
    /// `Marker` (the UUID of the previous page's last mapping), at most 100 per page.
    pub(crate) async fn list(&self, query: &str) -> ApiResult {
        let mut source = None;
        let mut function = None;
        let mut marker = None;
        let mut max = 100usize;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v);
            match k {
                "EventSourceArn" => source = Some(v),
                "FunctionName" => function = Some(v),
                "Marker" => marker = Some(v),
                "MaxItems" => {
                    let n: i64 = v.parse().map_err(|_| {
                        LambdaError::Validation(format!(
                            "1 validation error detected: Value '{v}' at 'maxItems' failed to satisfy constraint: Member must be an integer"
                        ))
                    })?;
                    if !(1..=10_000).contains(&n) {
                        return Err(LambdaError::Validation(format!(
                            "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value {}",
                            if n < 1 {
                                "greater than or equal to 1"
                            } else {
                                "less than or equal to 10000"
                            }
                        )));
                    }
                    max = (n as usize).min(100);
                }
                _ => {}
            }
        }
        let function_arn = match &function {
            Some(f) => match self.shared.invoker.function_arn(f) {
                Some(a) => Some(a),
                None => return Ok(Response::json(200, &json!({"EventSourceMappings": []}))),
            },
            None => None,
        };
        let all = self.mappings.lock().await;
        let mut page: Vec<Value> = Vec::new();
        let mut more = false;
        let mut last_uuid = None;
        for (uuid, r) in all.iter() {
            if marker.as_ref().is_some_and(|m| uuid.as_str() <= m.as_str()) {
                continue;
            }
            if source
                .as_ref()
                .is_some_and(|s| *s != r.mapping.event_source_arn)
            {
                continue;
            }
            if function_arn
                .as_ref()
                .is_some_and(|f| !same_function(f, &r.mapping.function_arn))
            {
                continue;
            }
            if page.len() == max {
                more = true;
                break;
            }
            let last = r.last_result.lock().clone();
            page.push(self.render(&r.mapping, state(r), &last));
            last_uuid = Some(uuid.clone());
        }
        let mut out = json!({ "EventSourceMappings": page });
        if more && let Some(u) = last_uuid {
            out["NextMarker"] = json!(u);
        }
        Ok(Response::json(200, &out))
    }
}

/// True when two function ARNs name the same function (ignoring a qualifier on `b`
/// when `a` has none).
fn same_function(a: &str, b: &str) -> bool {
    a == b || b.strip_prefix(a).is_some_and(|rest| rest.starts_with(':'))
}

/// Decodes `%XX` escapes (and `+` as a space) of a query-string value.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Adynamodb%3Aus-east-1%3A0%3Atable%2Ft%2Fstream%2Fx"),
            "arn:aws:dynamodb:us-east-1:0:table/t/stream/x"
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%"), "100%");
        assert!(same_function("arn:f", "arn:f:PROD"));
        assert!(!same_function("arn:f", "arn:fg"));
    }
}
