//! kill -9 mid-load: after a restart on the same data directory, every acknowledged write
//! has exactly one record, no record exists for a write that was not applied, each key's
//! last record matches the item, and new writes get larger sequence numbers.

use super::*;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::types::StreamViewType;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TASKS: u64 = 8;
const KEYS_PER_TASK: u64 = 5;

fn serve_args(dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let dir = dir.display().to_string();
    let mut args: Vec<String> = ["serve", "--data-dir", &dir, "--port", "0"]
        .map(String::from)
        .to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn no_retry(client: &Client) -> Client {
    let conf = client
        .config()
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// Task `t`'s `i`-th write: key `w{t}-{i % 5}`, value `v = i` (every write changes its
/// item, so every applied write has a record).
fn key_of(t: u64, i: u64) -> String {
    format!("w{t}-{}", i % KEYS_PER_TASK)
}

type Acked = Arc<Mutex<Vec<(u64, u64)>>>;

async fn writer(client: Client, table: String, t: u64, acked: Acked) {
    for i in 0.. {
        let res = client
            .put_item()
            .table_name(&table)
            .set_item(Some(item([
                ("pk", s(&key_of(t, i))),
                ("v", n(&i.to_string())),
                ("t", n(&t.to_string())),
            ])))
            .send()
            .await;
        match res {
            Ok(_) => acked.lock().unwrap().push((t, i)),
            Err(_) => return,
        }
    }
}

fn record_write(r: &Value) -> (String, u64) {
    let pk = r["dynamodb"]["Keys"]["pk"]["S"].as_str().expect("pk");
    let v = r["dynamodb"]["NewImage"]["v"]["N"]
        .as_str()
        .expect("NewImage.v")
        .parse()
        .expect("number");
    (pk.to_string(), v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn records_match_acknowledged_writes_after_kill9() {
    kill9_mid_load(&[]).await;
}

/// The same with a shard rollover every 200 ms, so the kill also lands around shard
/// closes and the log spans a lineage of shards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn records_match_acknowledged_writes_after_kill9_with_rollovers() {
    let shards = kill9_mid_load(&["--stream-shard-rollover", "0.2"]).await;
    assert!(shards > 1, "no rollover happened");
}

/// Runs the crash scenario with extra `eddy serve` flags; returns how many shards the
/// stream has at the end.
async fn kill9_mid_load(extra: &[&str]) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = BinaryServer::spawn(serve_args(dir.path(), extra));
    let table = unique_name("st-crash");
    let arn = create_stream_table(&srv.client, &table, StreamViewType::NewAndOldImages).await;
    let client = no_retry(&srv.client);
    let acked: Acked = Arc::default();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| tokio::spawn(writer(client.clone(), table.clone(), t, acked.clone())))
        .collect();
    poll_until(Duration::from_secs(120), || async {
        (acked.lock().unwrap().len() >= 1500).then_some(())
    })
    .await
    .expect("writers make progress");
    assert!(!srv.kill9().success());
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("writer stops once the server is gone")
            .expect("writer task");
    }
    let acked = acked.lock().unwrap().clone();

    let srv = BinaryServer::spawn(serve_args(dir.path(), extra));
    let ep = srv.endpoint.clone();
    let records = read_all_raw(&ep, &arn).await;
    for w in records.windows(2) {
        assert!(seq_of(&w[0]) < seq_of(&w[1]), "sequence numbers increase");
    }

    // Every acknowledged write: exactly one record.
    let mut count: HashMap<(String, u64), usize> = HashMap::new();
    for r in &records {
        *count.entry(record_write(r)).or_default() += 1;
    }
    for &(t, i) in &acked {
        let k = (key_of(t, i), i);
        assert_eq!(count.get(&k), Some(&1), "acknowledged write {k:?}");
    }
    // Anything else is a task's single in-flight write (applied, not acknowledged).
    let mut acked_per_task: HashMap<u64, u64> = HashMap::new();
    for &(t, _) in &acked {
        *acked_per_task.entry(t).or_default() += 1;
    }
    let in_flight: HashSet<(String, u64)> = (0..TASKS)
        .map(|t| {
            let i = acked_per_task.get(&t).copied().unwrap_or(0);
            (key_of(t, i), i)
        })
        .collect();
    let acked_set: HashSet<(String, u64)> = acked.iter().map(|&(t, i)| (key_of(t, i), i)).collect();
    for (k, c) in &count {
        assert_eq!(*c, 1, "record of {k:?} duplicated");
        assert!(
            acked_set.contains(k) || in_flight.contains(k),
            "record {k:?} for a write that was never sent"
        );
    }

    // The last record of each key is the item (a record exists iff its write applied).
    let mut last: HashMap<String, Value> = HashMap::new();
    for r in &records {
        let pk = record_write(r).0;
        last.insert(pk, r["dynamodb"]["NewImage"].clone());
    }
    for t in 0..TASKS {
        for k in 0..KEYS_PER_TASK {
            let pk = format!("w{t}-{k}");
            let body =
                json!({"TableName": table, "Key": {"pk": {"S": pk}}, "ConsistentRead": true});
            let (status, got) = raw_json(&ep, "DynamoDB_20120810.GetItem", &body)
                .await
                .expect("GetItem");
            assert_eq!(status, 200, "{got}");
            assert_eq!(
                got.get("Item"),
                last.get(&pk),
                "item {pk} vs its last record"
            );
        }
    }

    // New writes continue above every earlier number.
    let high = records.iter().map(seq_of).max().expect("records");
    srv.client
        .put_item()
        .table_name(&table)
        .set_item(Some(item([("pk", s("after-restart"))])))
        .send()
        .await
        .expect("PutItem");
    let after = read_all_raw(&ep, &arn).await;
    assert_eq!(after.len(), records.len() + 1);
    let new = after.last().expect("record");
    assert_eq!(new["dynamodb"]["Keys"]["pk"], json!({"S": "after-restart"}));
    assert!(seq_of(new) > high, "{} <= {high}", seq_of(new));
    let d = raw_ok(&ep, "DescribeStream", json!({"StreamArn": arn})).await;
    d["StreamDescription"]["Shards"]
        .as_array()
        .expect("Shards")
        .len()
}
