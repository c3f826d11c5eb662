//! DescribeStream: a stream's status and its shards (in ShardId order, paged), or only
//! the children of one shard (`ShardFilter` CHILD_SHARDS).

use super::limit;
use crate::Engine;
use crate::ops::common::decode;
use crate::ops::constraints::Violations;
use crate::streams::meta::seq_to_wire;
use eddy_types::ApiError;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    stream_arn: Option<String>,
    limit: Option<i64>,
    exclusive_start_shard_id: Option<String>,
    shard_filter: Option<ShardFilterIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ShardFilterIn {
    #[serde(rename = "Type")]
    ty: Option<String>,
    shard_id: Option<String>,
}

impl Engine {
    /// DescribeStream.
    pub(crate) fn describe_stream(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Violations::new();
        let arn = input.stream_arn.as_deref();
        c.length("streamArn", arn, 37, 1024);
        let start = input.exclusive_start_shard_id.as_deref();
        c.length("exclusiveStartShardId", start, 28, 65);
        if let Some(f) = &input.shard_filter {
            c.not_null("shardFilter.type", f.ty.is_some());
            c.one_of("shardFilter.type", f.ty.as_deref(), &["CHILD_SHARDS"]);
            c.not_null("shardFilter.shardId", f.shard_id.is_some());
            c.length("shardFilter.shardId", f.shard_id.as_deref(), 28, 65);
        }
        let max = limit(
            &mut c,
            input.limit,
            100,
            "Limit cannot be greater than the maximum: 100",
        )?;
        c.finish()?;
        let arn = arn.ok_or_else(|| ApiError::validation("Invalid StreamArn"))?;
        let handle = self.stream_by_arn(arn)?;
        let m = handle.read();
        let parent = input
            .shard_filter
            .as_ref()
            .and_then(|f| f.shard_id.as_deref());
        // An ExclusiveStartShardId naming no shard of the stream yields no shards (AWS).
        let unknown_start = start.is_some_and(|st| m.shards.iter().all(|s| s.id != st));
        let mut shards: Vec<_> = m
            .shards
            .iter()
            .filter(|s| parent.is_none_or(|p| s.parent.as_deref() == Some(p)))
            .filter(|s| !unknown_start && start.is_none_or(|st| s.id.as_str() > st))
            .collect();
        shards.sort_by(|a, b| a.id.cmp(&b.id));
        let more = shards.len() > max;
        shards.truncate(max);
        let list: Vec<Value> = shards
            .iter()
            .map(|s| {
                let mut range = Map::new();
                range.insert("StartingSequenceNumber".into(), json!(seq_to_wire(s.start)));
                if let Some(end) = s.end {
                    range.insert("EndingSequenceNumber".into(), json!(seq_to_wire(end)));
                }
                let mut o = Map::new();
                o.insert("ShardId".into(), json!(s.id));
                o.insert("SequenceNumberRange".into(), Value::Object(range));
                if let Some(p) = &s.parent {
                    o.insert("ParentShardId".into(), json!(p));
                }
                Value::Object(o)
            })
            .collect();
        let mut d = json!({
            "StreamArn": m.arn(&self.config.region, &self.config.account_id),
            "StreamLabel": m.label,
            "StreamStatus": m.status.as_str(),
            "StreamViewType": m.view_type.as_str(),
            "CreationRequestDateTime": m.created_ms as f64 / 1000.0,
            "TableName": m.table_name,
            "KeySchema": m.key_schema.to_json(),
            "Shards": list,
        });
        if more && let Some(s) = shards.last() {
            d["LastEvaluatedShardId"] = json!(s.id);
        }
        Ok(serde_json::to_vec(&json!({ "StreamDescription": d })).unwrap_or_default())
    }
}
