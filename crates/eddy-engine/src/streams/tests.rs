//! Engine-level stream tests over an injected manual clock: iterator lifetimes, retention
//! trimming, rollover and lineage, sequencer recovery across reopen, the ordering
//! invariant under concurrent writers (memory and fjall), change classification on every
//! write path, and `userIdentity`.
//!
//! The helpers here drive the engine through its public entry points
//! (`Engine::dynamodb`, `Engine::dynamodb_streams`) and run maintenance passes by hand.

mod classification;
mod identity;
mod iterators;
mod ordering;
mod recovery;
mod retention;
mod rollover;
mod visibility;

use crate::{Clock, Engine, EngineConfig, RequestContext, StreamConfig};
use eddy_storage::{KeyRange, Storage};
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// 2026-11-25T00:00:00Z, in milliseconds.
const T0: i64 = 1_795_564_800_000;
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;

/// A clock tests move by hand.
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl ManualClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(T0)))
    }

    fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

/// Stream settings with long periods, so the background worker never acts on its own
/// within a test; tests move the clock and call `stream_maintenance` themselves.
fn stream_config(retention_ms: i64, rollover_ms: i64, identity: bool) -> EngineConfig {
    EngineConfig {
        ttl_interval: Duration::from_secs(3600),
        streams: StreamConfig {
            retention: Duration::from_millis(retention_ms as u64),
            rollover: Duration::from_millis(rollover_ms as u64),
            identity,
        },
        ..EngineConfig::default()
    }
}

async fn open_with(
    storage: Arc<dyn Storage>,
    config: EngineConfig,
    clock: Arc<ManualClock>,
) -> Arc<Engine> {
    Engine::open_with_clock(storage, config, clock)
        .await
        .expect("open engine")
}

/// A memory engine with 24 h retention and 4 h rollover.
async fn engine() -> (Arc<Engine>, Arc<ManualClock>) {
    engine_with(stream_config(24 * HOUR_MS, 4 * HOUR_MS, false)).await
}

async fn engine_with(config: EngineConfig) -> (Arc<Engine>, Arc<ManualClock>) {
    let clock = ManualClock::new();
    let e = open_with(Arc::new(MemoryStorage::new()), config, clock.clone()).await;
    (e, clock)
}

/// The error code (`ValidationException`, ...) of an engine error.
fn code(e: &ApiError) -> String {
    let (_, ty) = e.wire();
    ty.rsplit('#').next().unwrap_or_default().to_string()
}

#[track_caller]
fn expect_err(r: Result<Value, ApiError>, want: &str) -> ApiError {
    match r {
        Ok(v) => panic!("expected {want}, got {v}"),
        Err(e) => {
            assert_eq!(code(&e), want, "{e}");
            e
        }
    }
}

async fn call_as(
    engine: &Engine,
    op: &str,
    body: Value,
    ctx: &RequestContext,
) -> Result<Value, ApiError> {
    let body = serde_json::to_vec(&body).expect("encode");
    let out = engine.dynamodb(op, &body, ctx).await?;
    Ok(serde_json::from_slice(&out).expect("decode response"))
}

async fn call(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    call_as(engine, op, body, &RequestContext::default()).await
}

async fn ok(engine: &Engine, op: &str, body: Value) -> Value {
    match call(engine, op, body.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{op} {body} failed: {e:?}"),
    }
}

async fn streams(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    let body = serde_json::to_vec(&body).expect("encode");
    let out = engine.dynamodb_streams(op, &body).await?;
    Ok(serde_json::from_slice(&out).expect("decode streams response"))
}

/// Creates table `name` (hash key `pk` S, plus range key `sk` N when `range`) with a
/// stream of `view` type; returns the stream ARN.
async fn create_table(engine: &Engine, name: &str, view: &str, range: bool) -> String {
    let mut body = json!({
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": true, "StreamViewType": view},
    });
    if range {
        body["KeySchema"]
            .as_array_mut()
            .expect("array")
            .push(json!({"AttributeName": "sk", "KeyType": "RANGE"}));
        body["AttributeDefinitions"]
            .as_array_mut()
            .expect("array")
            .push(json!({"AttributeName": "sk", "AttributeType": "N"}));
    }
    let out = ok(engine, "CreateTable", body).await;
    out["TableDescription"]["LatestStreamArn"]
        .as_str()
        .expect("LatestStreamArn")
        .to_string()
}

async fn put(engine: &Engine, table: &str, item: Value) {
    ok(engine, "PutItem", json!({"TableName": table, "Item": item})).await;
}

/// `{"pk": {"S": pk}, "v": {"N": v}}`.
fn kv(pk: &str, v: u64) -> Value {
    json!({"pk": {"S": pk}, "v": {"N": v.to_string()}})
}

/// Every shard of a stream (DescribeStream, paged with a small limit).
async fn shards(engine: &Engine, arn: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let mut body = json!({"StreamArn": arn, "Limit": 2});
        if let Some(s) = &start {
            body["ExclusiveStartShardId"] = json!(s);
        }
        let d = streams(engine, "DescribeStream", body)
            .await
            .expect("DescribeStream");
        let d = &d["StreamDescription"];
        out.extend(d["Shards"].as_array().expect("Shards").iter().cloned());
        match d.get("LastEvaluatedShardId").and_then(Value::as_str) {
            Some(s) => start = Some(s.to_string()),
            None => return out,
        }
    }
}

fn shard_id(shard: &Value) -> String {
    shard["ShardId"].as_str().expect("ShardId").to_string()
}

async fn iterator(
    engine: &Engine,
    arn: &str,
    shard: &str,
    ty: &str,
    seq: Option<&str>,
) -> Result<String, ApiError> {
    let mut body = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": ty});
    if let Some(s) = seq {
        body["SequenceNumber"] = json!(s);
    }
    let out = streams(engine, "GetShardIterator", body).await?;
    Ok(out["ShardIterator"]
        .as_str()
        .expect("ShardIterator")
        .to_string())
}

/// One GetRecords call: the records and the next iterator (None when absent).
async fn get_records(
    engine: &Engine,
    it: &str,
    limit: Option<u32>,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let mut body = json!({"ShardIterator": it});
    if let Some(l) = limit {
        body["Limit"] = json!(l);
    }
    let out = streams(engine, "GetRecords", body).await?;
    let records = out["Records"].as_array().expect("Records present").clone();
    let next = match out.get("NextShardIterator") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => panic!("NextShardIterator must be absent or a string, got {other}"),
    };
    Ok((records, next))
}

/// Reads one shard from `it` until it is exhausted: for a closed shard until
/// `NextShardIterator` is absent (returns true), for an open one until a page is empty
/// (returns false).
async fn drain(engine: &Engine, mut it: String, limit: Option<u32>) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let (records, next) = get_records(engine, &it, limit).await.expect("GetRecords");
        let empty = records.is_empty();
        out.extend(records);
        match next {
            None => return (out, true),
            Some(n) if empty => {
                let _ = n;
                return (out, false);
            }
            Some(n) => it = n,
        }
    }
    panic!("shard never drained");
}

/// A consumer following lineage: reads every retained shard from TRIM_HORIZON, parents
/// before children, and returns the records in consumption order. Asserts that every
/// closed shard ends with `NextShardIterator` absent.
async fn read_lineage(engine: &Engine, arn: &str) -> Vec<Value> {
    let all = shards(engine, arn).await;
    let ids: HashSet<String> = all.iter().map(shard_id).collect();
    let mut done: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    while done.len() < all.len() {
        let ready: Vec<&Value> = all
            .iter()
            .filter(|s| !done.contains(&shard_id(s)))
            .filter(|s| {
                s.get("ParentShardId")
                    .and_then(Value::as_str)
                    .is_none_or(|p| !ids.contains(p) || done.contains(p))
            })
            .collect();
        assert!(!ready.is_empty(), "lineage has a cycle: {all:?}");
        for s in ready {
            let id = shard_id(s);
            let it = iterator(engine, arn, &id, "TRIM_HORIZON", None)
                .await
                .expect("TRIM_HORIZON iterator");
            let (records, ended) = drain(engine, it, Some(7)).await;
            let closed = s["SequenceNumberRange"]
                .get("EndingSequenceNumber")
                .is_some();
            assert_eq!(
                ended, closed,
                "shard {id}: closed shards end, open ones do not"
            );
            out.extend(records);
            done.insert(id);
        }
    }
    out
}

/// The sequence number of a record.
fn seq(r: &Value) -> u128 {
    let s = r["dynamodb"]["SequenceNumber"]
        .as_str()
        .expect("SequenceNumber");
    assert!(
        (21..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()),
        "bad sequence number {s}"
    );
    s.parse().expect("number")
}

fn seq_str(r: &Value) -> String {
    r["dynamodb"]["SequenceNumber"]
        .as_str()
        .expect("SequenceNumber")
        .to_string()
}

/// `pk` of a record's keys.
fn rec_pk(r: &Value) -> String {
    r["dynamodb"]["Keys"]["pk"]["S"]
        .as_str()
        .expect("pk")
        .to_string()
}

/// `v` of a record's NewImage, if any.
fn rec_v(r: &Value) -> Option<u64> {
    r["dynamodb"]["NewImage"]["v"]["N"]
        .as_str()
        .map(|s| s.parse().expect("v"))
}

/// Every record of a table's single (never rolled) shard, from TRIM_HORIZON.
async fn all_records(engine: &Engine, arn: &str) -> Vec<Value> {
    read_lineage(engine, arn).await
}

/// How many records the stream keyspace holds (all streams).
fn stored_records(engine: &Engine) -> usize {
    engine
        .storage()
        .scan(
            crate::STREAM_RECORDS,
            &KeyRange::prefix(b""),
            false,
            1_000_000,
        )
        .expect("scan")
        .len()
}

/// Asserts that sequence numbers strictly increase.
#[track_caller]
fn assert_increasing(records: &[Value]) {
    for w in records.windows(2) {
        assert!(
            seq(&w[0]) < seq(&w[1]),
            "sequence numbers must increase: {} then {}",
            seq_str(&w[0]),
            seq_str(&w[1])
        );
    }
}
