//! ListStreams: the node's streams, newest first, optionally of one table.
//!
//! Paging is by position in the (creation time, table name) order, derived from the
//! `ExclusiveStartStreamArn` itself, so resuming works even when that stream (or its
//! table) has gone meanwhile, and never repeats a stream.

use super::{limit, parse_arn};
use crate::Engine;
use crate::ops::common::decode;
use crate::ops::constraints::Violations;
use eddy_types::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    limit: Option<i64>,
    exclusive_start_stream_arn: Option<String>,
}

impl Engine {
    /// ListStreams.
    pub(crate) fn list_streams(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Violations::new();
        c.table_name("tableName", input.table_name.as_deref(), false);
        let start = input.exclusive_start_stream_arn.as_deref();
        c.length("exclusiveStartStreamArn", start, 37, 1024);
        let max = limit(
            &mut c,
            input.limit,
            100,
            "Limit cannot be greater than the maximum allowed size: 100",
        )?;
        c.finish()?;
        // Streams sort newest first by (label, table name); labels of one format sort
        // like the times they encode.
        let after = match start {
            None => None,
            Some(arn) => {
                let p = parse_arn(arn)
                    .ok_or_else(|| ApiError::validation("Invalid ExclusiveStartStreamArn"))?;
                Some((p.label.to_string(), p.table.to_string()))
            }
        };
        let (region, account) = (&self.config.region, &self.config.account_id);
        let mut rows: Vec<(String, String, String)> = self
            .streams
            .all()
            .iter()
            .map(|s| {
                let m = s.read();
                (
                    m.label.clone(),
                    m.table_name.clone(),
                    m.arn(region, account),
                )
            })
            .filter(|(_, t, _)| input.table_name.as_ref().is_none_or(|n| n == t))
            .filter(|(l, t, _)| {
                after
                    .as_ref()
                    .is_none_or(|(al, at)| (l.as_str(), t.as_str()) < (al.as_str(), at.as_str()))
            })
            .collect();
        rows.sort_by(|a, b| (&b.0, &b.1).cmp(&(&a.0, &a.1)));
        let more = rows.len() > max;
        rows.truncate(max);
        let streams: Vec<Value> = rows
            .iter()
            .map(|(label, table, arn)| {
                json!({"StreamArn": arn, "TableName": table, "StreamLabel": label})
            })
            .collect();
        let mut out = json!({ "Streams": streams });
        if more && let Some((_, _, arn)) = rows.last() {
            out["LastEvaluatedStreamArn"] = json!(arn);
        }
        Ok(serde_json::to_vec(&out).unwrap_or_default())
    }
}
