//! Engine-level transaction tests that need control the wire cannot give: a store whose
//! commit waits at a gate (so two transactions overlap deterministically, without
//! timing), a clock moved by hand (the 10-minute token window), and a second engine over
//! the same store (token records outlive the process).

use super::idempotency::{TOKEN_WINDOW_MS, TXN_TOKENS};
use crate::{Clock, Engine, EngineConfig, RequestContext};
use eddy_storage::{KeyRange, KvPair, Storage, StorageResult, WriteBatch};
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use tokio::sync::{Notify, Semaphore};

/// A clock tests move by hand.
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A memory store whose next commit, once armed, announces itself and then waits until
/// the test opens the gate.
struct GatedStorage {
    inner: Arc<MemoryStorage>,
    armed: AtomicBool,
    entered: Arc<Notify>,
    gate: Arc<Semaphore>,
}

impl Storage for GatedStorage {
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
        self.inner.scan(keyspace, range, reverse, limit)
    }

    fn commit(&self, batch: WriteBatch) -> BoxFuture<'static, StorageResult<()>> {
        let inner = self.inner.clone();
        if !self.armed.swap(false, Ordering::SeqCst) {
            return inner.commit(batch);
        }
        let (entered, gate) = (self.entered.clone(), self.gate.clone());
        Box::pin(async move {
            entered.notify_one();
            let _permit = gate.acquire().await;
            inner.commit(batch).await
        })
    }

    fn close(&self) -> StorageResult<()> {
        self.inner.close()
    }

    fn name(&self) -> &'static str {
        "gated"
    }
}

async fn open(storage: Arc<dyn Storage>, clock: Arc<ManualClock>) -> Arc<Engine> {
    Engine::open_with_clock(storage, EngineConfig::default(), clock)
        .await
        .expect("open engine")
}

async fn call(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    let body = serde_json::to_vec(&body).expect("encode");
    let out = engine
        .dynamodb(op, &body, &RequestContext::default())
        .await?;
    Ok(serde_json::from_slice(&out).expect("decode response"))
}

async fn create_table(engine: &Engine) {
    let body = json!({
        "TableName": "txn",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    call(engine, "CreateTable", body)
        .await
        .expect("create table");
}

fn add_one(pk: &str) -> Value {
    json!({"Update": {"TableName": "txn", "Key": {"pk": {"S": pk}}, "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}}}})
}

fn put(pk: &str) -> Value {
    json!({"Put": {"TableName": "txn", "Item": {"pk": {"S": pk}}}})
}

async fn counter(engine: &Engine, pk: &str) -> Option<String> {
    let out = call(
        engine,
        "GetItem",
        json!({"TableName": "txn", "Key": {"pk": {"S": pk}}}),
    )
    .await
    .expect("get");
    out["Item"]["n"]["N"].as_str().map(str::to_string)
}

fn codes(r: Result<Value, ApiError>) -> Vec<String> {
    match r {
        Err(ApiError::TransactionCanceled { reasons, .. }) => {
            reasons.into_iter().map(|r| r.code).collect()
        }
        other => panic!("expected a cancelled transaction, got {other:?}"),
    }
}

fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock(AtomicI64::new(1_795_564_800_000)))
}

#[tokio::test]
async fn overlapping_transactions_conflict_instead_of_waiting() {
    let gated = Arc::new(GatedStorage {
        inner: Arc::new(MemoryStorage::new()),
        armed: AtomicBool::new(false),
        entered: Arc::new(Notify::new()),
        gate: Arc::new(Semaphore::new(0)),
    });
    let engine = open(gated.clone(), manual_clock()).await;
    create_table(&engine).await;
    gated.armed.store(true, Ordering::SeqCst);
    let first = {
        let engine = engine.clone();
        let body = json!({"TransactItems": [add_one("x")], "ClientRequestToken": "tok"});
        tokio::spawn(async move { call(&engine, "TransactWriteItems", body).await })
    };
    // The first transaction now holds item x and waits inside its commit.
    gated.entered.notified().await;

    let second = json!({"TransactItems": [put("y"), add_one("x")]});
    let r = call(&engine, "TransactWriteItems", second.clone()).await;
    assert_eq!(codes(r), ["None", "TransactionConflict"]);
    let get = json!({"TransactItems": [{"Get": {"TableName": "txn", "Key": {"pk": {"S": "x"}}}}]});
    assert_eq!(
        codes(call(&engine, "TransactGetItems", get.clone()).await),
        ["TransactionConflict"]
    );
    let same_token = json!({"TransactItems": [add_one("x")], "ClientRequestToken": "tok"});
    let r = call(&engine, "TransactWriteItems", same_token.clone()).await;
    assert!(
        matches!(r, Err(ApiError::TransactionInProgress(_))),
        "{r:?}"
    );

    gated.gate.add_permits(1);
    first
        .await
        .expect("join")
        .expect("first transaction commits");
    // Nothing of the cancelled transaction was written; once x is free it commits.
    assert_eq!(counter(&engine, "x").await.as_deref(), Some("1"));
    let y = call(
        &engine,
        "GetItem",
        json!({"TableName": "txn", "Key": {"pk": {"S": "y"}}}),
    )
    .await;
    assert_eq!(y.expect("get y"), json!({}));
    call(&engine, "TransactWriteItems", second)
        .await
        .expect("second transaction after the first");
    assert_eq!(counter(&engine, "x").await.as_deref(), Some("2"));
    let got = call(&engine, "TransactGetItems", get)
        .await
        .expect("read after commit");
    assert_eq!(got["Responses"][0]["Item"]["n"], json!({"N": "2"}));
    // The finished first transaction's token replays without applying again.
    call(&engine, "TransactWriteItems", same_token)
        .await
        .expect("replay");
    assert_eq!(counter(&engine, "x").await.as_deref(), Some("2"));
}

#[tokio::test]
async fn tokens_expire_after_ten_minutes_and_are_purged() {
    let clock = manual_clock();
    let storage = Arc::new(MemoryStorage::new());
    let engine = open(storage.clone(), clock.clone()).await;
    create_table(&engine).await;
    let body = json!({"TransactItems": [add_one("c")], "ClientRequestToken": "tok-1"});
    call(&engine, "TransactWriteItems", body.clone())
        .await
        .expect("first");
    clock.0.fetch_add(TOKEN_WINDOW_MS - 1, Ordering::SeqCst);
    call(&engine, "TransactWriteItems", body.clone())
        .await
        .expect("replay inside the window");
    assert_eq!(counter(&engine, "c").await.as_deref(), Some("1"));
    let other = json!({"TransactItems": [add_one("d")], "ClientRequestToken": "tok-1"});
    let r = call(&engine, "TransactWriteItems", other).await;
    assert!(
        matches!(r, Err(ApiError::IdempotentParameterMismatch(_))),
        "{r:?}"
    );

    clock.0.fetch_add(1, Ordering::SeqCst);
    call(&engine, "TransactWriteItems", body)
        .await
        .expect("a new request after the window");
    assert_eq!(counter(&engine, "c").await.as_deref(), Some("2"));
    // The expired record and its index entry were replaced: one record, one index entry.
    let all = storage
        .scan(TXN_TOKENS, &KeyRange::prefix(&[]), false, 100)
        .expect("scan");
    assert_eq!(all.len(), 2, "{all:?}");
    clock.0.fetch_add(TOKEN_WINDOW_MS, Ordering::SeqCst);
    let fresh = json!({"TransactItems": [add_one("e")], "ClientRequestToken": "tok-2"});
    call(&engine, "TransactWriteItems", fresh)
        .await
        .expect("another token");
    let all = storage
        .scan(TXN_TOKENS, &KeyRange::prefix(&[]), false, 100)
        .expect("scan");
    let keys: Vec<&[u8]> = all.iter().map(|(k, _)| k.as_slice()).collect();
    assert_eq!(keys.len(), 2, "expired tok-1 purged lazily: {keys:?}");
    assert!(
        keys.iter().any(|k| k.starts_with(b"k\x05tok-2")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn token_records_survive_a_new_engine_over_the_same_store() {
    let clock = manual_clock();
    let storage = Arc::new(MemoryStorage::new());
    let engine = open(storage.clone(), clock.clone()).await;
    create_table(&engine).await;
    let body = json!({"TransactItems": [add_one("r")], "ClientRequestToken": "restart"});
    call(&engine, "TransactWriteItems", body.clone())
        .await
        .expect("first");
    drop(engine);
    let engine = open(storage, clock).await;
    call(&engine, "TransactWriteItems", body)
        .await
        .expect("replay after reopening");
    assert_eq!(counter(&engine, "r").await.as_deref(), Some("1"));
    let other = json!({"TransactItems": [add_one("q")], "ClientRequestToken": "restart"});
    let r = call(&engine, "TransactWriteItems", other).await;
    assert!(
        matches!(r, Err(ApiError::IdempotentParameterMismatch(_))),
        "{r:?}"
    );
}

#[tokio::test]
async fn cancelled_transactions_write_nothing_and_keep_no_token() {
    let engine = open(Arc::new(MemoryStorage::new()), manual_clock()).await;
    create_table(&engine).await;
    let check = json!({"ConditionCheck": {"TableName": "txn", "Key": {"pk": {"S": "gate"}},
        "ConditionExpression": "attribute_exists(pk)"}});
    let body = json!({"TransactItems": [add_one("w"), check], "ClientRequestToken": "retry-me"});
    assert_eq!(
        codes(call(&engine, "TransactWriteItems", body.clone()).await),
        ["None", "ConditionalCheckFailed"]
    );
    assert_eq!(counter(&engine, "w").await, None);
    call(
        &engine,
        "PutItem",
        json!({"TableName": "txn", "Item": {"pk": {"S": "gate"}}}),
    )
    .await
    .expect("put");
    call(&engine, "TransactWriteItems", body)
        .await
        .expect("the retry runs");
    assert_eq!(counter(&engine, "w").await.as_deref(), Some("1"));
}
