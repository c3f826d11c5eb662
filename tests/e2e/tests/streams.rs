//! DynamoDB Streams end to end: the four operations through aws-sdk-dynamodbstreams
//! (`sdk`), the exact GetRecords JSON against hand-written golden fixtures (`golden`), and
//! a kill -9 of the binary mid-load checked against the acknowledged writes (`crash`).

mod crash;
mod golden;
mod sdk;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{BillingMode, StreamSpecification, StreamViewType};
use eddy_e2e::*;
use serde_json::{Value, json};
use std::collections::HashSet;

/// `DynamoDBStreams_20120810.<op>`.
fn target(op: &str) -> String {
    format!("DynamoDBStreams_20120810.{op}")
}

/// Creates table `name` (hash key `pk` S) with a stream of `view`; returns its ARN.
async fn create_stream_table(client: &Client, name: &str, view: StreamViewType) -> String {
    let spec = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(view.clone())
        .build()
        .expect("stream specification");
    let out = client
        .create_table()
        .table_name(name)
        .key_schema(hash_key("pk"))
        .attribute_definitions(attr("pk", "S"))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(spec)
        .send()
        .await
        .expect("CreateTable");
    let desc = out.table_description().expect("TableDescription");
    let spec = desc.stream_specification().expect("StreamSpecification");
    assert!(spec.stream_enabled());
    assert_eq!(spec.stream_view_type(), Some(&view));
    wait_active(client, name).await.expect("ACTIVE");
    desc.latest_stream_arn()
        .expect("LatestStreamArn")
        .to_string()
}

/// A raw Streams call that must succeed.
async fn raw_ok(endpoint: &str, op: &str, body: Value) -> Value {
    let (status, out) = raw_json(endpoint, &target(op), &body)
        .await
        .unwrap_or_else(|e| panic!("{op}: {e}"));
    assert_eq!(status, 200, "{op} {body}: {out}");
    out
}

/// Every record of a stream over raw HTTP: each shard from TRIM_HORIZON, parents before
/// children, closed shards until `NextShardIterator` is absent, open ones until an empty
/// page.
async fn read_all_raw(endpoint: &str, arn: &str) -> Vec<Value> {
    let mut shards = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let mut body = json!({"StreamArn": arn});
        if let Some(s) = &start {
            body["ExclusiveStartShardId"] = json!(s);
        }
        let d = raw_ok(endpoint, "DescribeStream", body).await;
        let d = &d["StreamDescription"];
        shards.extend(d["Shards"].as_array().expect("Shards").iter().cloned());
        match d.get("LastEvaluatedShardId").and_then(Value::as_str) {
            Some(s) => start = Some(s.to_string()),
            None => break,
        }
    }
    let id = |s: &Value| s["ShardId"].as_str().expect("ShardId").to_string();
    let ids: HashSet<String> = shards.iter().map(id).collect();
    let mut done = HashSet::new();
    let mut out = Vec::new();
    while done.len() < shards.len() {
        let ready: Vec<&Value> = shards
            .iter()
            .filter(|s| !done.contains(&id(s)))
            .filter(|s| {
                s.get("ParentShardId")
                    .and_then(Value::as_str)
                    .is_none_or(|p| !ids.contains(p) || done.contains(p))
            })
            .collect();
        assert!(!ready.is_empty(), "shard lineage has a cycle");
        for s in ready {
            let body =
                json!({"StreamArn": arn, "ShardId": id(s), "ShardIteratorType": "TRIM_HORIZON"});
            let it = raw_ok(endpoint, "GetShardIterator", body).await;
            let mut it = it["ShardIterator"].as_str().expect("iterator").to_string();
            loop {
                let page = raw_ok(endpoint, "GetRecords", json!({"ShardIterator": it})).await;
                let records = page["Records"].as_array().expect("Records present");
                let empty = records.is_empty();
                out.extend(records.iter().cloned());
                match page.get("NextShardIterator").and_then(Value::as_str) {
                    Some(next) if !empty => it = next.to_string(),
                    _ => break,
                }
            }
            done.insert(id(s));
        }
    }
    out
}

/// A record's sequence number as a big integer (checking its shape).
fn seq_of(r: &Value) -> u128 {
    let s = r["dynamodb"]["SequenceNumber"]
        .as_str()
        .expect("SequenceNumber");
    assert!(
        (21..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()),
        "bad SequenceNumber {s}"
    );
    s.parse().expect("digits")
}
