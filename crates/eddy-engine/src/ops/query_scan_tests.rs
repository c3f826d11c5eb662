//! Engine-level Query/Scan tests over a storage wrapper that counts what is read: a Query
//! costs what it returns, not what the table holds, and a Scan streams in bounded chunks.

use crate::{Engine, EngineConfig, RequestContext};
use eddy_storage::{KeyRange, KvPair, Storage, StorageResult, WriteBatch};
use eddy_storage_mem::MemoryStorage;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the pairs scans return, and the largest single scan.
#[derive(Default)]
struct Counting {
    inner: MemoryStorage,
    pairs: AtomicUsize,
    largest: AtomicUsize,
}

impl Counting {
    fn take(&self) -> (usize, usize) {
        (
            self.pairs.swap(0, Ordering::SeqCst),
            self.largest.swap(0, Ordering::SeqCst),
        )
    }
}

impl Storage for Counting {
    fn get(&self, keyspace: &'static str, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.inner.get(keyspace, key)
    }

    fn scan(
        &self,
        keyspace: &'static str,
        range: &KeyRange,
        reverse: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>> {
        let out = self.inner.scan(keyspace, range, reverse, limit)?;
        self.pairs.fetch_add(out.len(), Ordering::SeqCst);
        self.largest.fetch_max(out.len(), Ordering::SeqCst);
        Ok(out)
    }

    fn commit(&self, batch: WriteBatch) -> BoxFuture<'static, StorageResult<()>> {
        self.inner.commit(batch)
    }

    fn close(&self) -> StorageResult<()> {
        self.inner.close()
    }

    fn name(&self) -> &'static str {
        "counting"
    }
}

async fn call(engine: &Engine, op: &str, body: Value) -> Value {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let out = engine
        .dynamodb(op, &bytes, &RequestContext::default())
        .await;
    let out = out.unwrap_or_else(|e| panic!("{op} failed: {e}"));
    serde_json::from_slice(&out).unwrap_or_default()
}

async fn setup(other_items: usize) -> (Arc<Engine>, Arc<Counting>) {
    let storage = Arc::new(Counting::default());
    let engine = Engine::open(storage.clone(), EngineConfig::default())
        .await
        .unwrap_or_else(|e| panic!("open: {e}"));
    let table = json!({
        "TableName": "qst",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    call(&engine, "CreateTable", table).await;
    for sk in 0..1000 {
        let item =
            json!({"TableName": "qst", "Item": {"pk": {"S": "hot"}, "sk": {"N": sk.to_string()}}});
        call(&engine, "PutItem", item).await;
    }
    let pad = "p".repeat(300);
    for i in 0..other_items {
        let item = json!({"TableName": "qst", "Item": {"pk": {"S": format!("other{}", i % 97)}, "sk": {"N": i.to_string()}, "pad": {"S": pad}}});
        call(&engine, "PutItem", item).await;
    }
    storage.take();
    (engine, storage)
}

fn hot_query(limit: usize) -> Value {
    json!({"TableName": "qst", "KeyConditionExpression": "pk = :p AND sk >= :s",
        "ExpressionAttributeValues": {":p": {"S": "hot"}, ":s": {"N": "500"}}, "Limit": limit})
}

#[tokio::test]
async fn a_query_reads_what_it_returns_whatever_the_table_size() {
    for other in [0, 20_000] {
        let (engine, storage) = setup(other).await;
        let out = call(&engine, "Query", hot_query(10)).await;
        assert_eq!(out["Count"], 10);
        assert_eq!(out["Items"][0]["sk"]["N"], "500");
        assert_eq!(out["LastEvaluatedKey"]["sk"]["N"], "509");
        assert_eq!(storage.take().0, 10, "table with {other} other items");
        let out = call(&engine, "Query", hot_query(1000)).await;
        assert_eq!(out["Count"], 500);
        let (pairs, largest) = storage.take();
        assert_eq!(pairs, 500);
        assert!(largest <= 256, "chunks grow gradually: {largest}");
    }
}

#[tokio::test]
async fn a_scan_streams_in_bounded_chunks() {
    let (engine, storage) = setup(9_000).await;
    let mut start = Value::Null;
    let (mut seen, mut pages) = (0, 0);
    loop {
        let mut body = json!({"TableName": "qst", "Select": "COUNT"});
        if !start.is_null() {
            body["ExclusiveStartKey"] = start.clone();
        }
        let out = call(&engine, "Scan", body).await;
        seen += out["ScannedCount"].as_u64().unwrap_or_default();
        pages += 1;
        let (pairs, largest) = storage.take();
        assert!(
            largest <= 1024,
            "one storage read holds at most 1024 entries: {largest}"
        );
        // Reads past the page end are bounded by the chunk sizing (sized from the average
        // item so far; this table mixes 20- and 320-byte items, so allow some slack).
        let scanned = out["ScannedCount"].as_u64().unwrap_or_default() as usize;
        assert!(
            pairs <= scanned + scanned / 10 + 16,
            "read {pairs} entries for a page of {scanned}"
        );
        match out.get("LastEvaluatedKey") {
            Some(k) => start = k.clone(),
            None => break,
        }
    }
    assert_eq!(seen, 10_000);
    assert_eq!(pages, 3, "about 2.9 MB of items");
    let out = call(
        &engine,
        "Scan",
        json!({"TableName": "qst", "Limit": 2500, "Select": "COUNT"}),
    )
    .await;
    assert_eq!(out["ScannedCount"], 2500);
    assert_eq!(storage.take().0, 2500);
}
