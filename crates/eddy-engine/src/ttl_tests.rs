//! Engine-level TTL tests over a memory store with a manual clock: the expiry rules, paging,
//! and the worker's start and stop. The API matrix is in `ttl_api_tests.rs`, the re-check
//! under the item lock and index maintenance in `ttl_write_tests.rs`.

#[path = "ttl_api_tests.rs"]
mod api;
#[path = "ttl_write_tests.rs"]
mod write;

use super::Expiry;
use crate::{Clock, Engine, EngineConfig, RequestContext};
use eddy_storage::Storage;
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// 2026-11-25T00:00:00Z, in milliseconds.
const T0: i64 = 1_795_564_800_000;
const HOUR_MS: i64 = 3_600_000;
const FIVE_YEARS: i64 = 5 * 365 * 24 * 3600;

/// A clock tests move by hand.
struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl ManualClock {
    fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

async fn open(storage: Arc<dyn Storage>, interval: Duration) -> (Arc<Engine>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock(AtomicI64::new(T0)));
    let config = EngineConfig {
        ttl_interval: interval,
        ..EngineConfig::default()
    };
    let engine = Engine::open_with_clock(storage, config, clock.clone())
        .await
        .expect("open engine");
    (engine, clock)
}

/// An engine whose worker never runs on its own (tests drive passes by hand).
async fn manual() -> (Arc<Engine>, Arc<ManualClock>) {
    open(Arc::new(MemoryStorage::new()), Duration::from_secs(3600)).await
}

async fn call(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    let body = serde_json::to_vec(&body).expect("encode");
    let out = engine
        .dynamodb(op, &body, &RequestContext::default())
        .await?;
    Ok(serde_json::from_slice(&out).expect("decode response"))
}

fn err_message(r: Result<Value, ApiError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.to_string(),
    }
}

async fn create(engine: &Engine, name: &str, range: bool) {
    let mut body = json!({
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
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
    call(engine, "CreateTable", body)
        .await
        .expect("CreateTable");
}

async fn set_ttl(
    engine: &Engine,
    table: &str,
    enabled: bool,
    attribute: &str,
) -> Result<Value, ApiError> {
    let spec = json!({"Enabled": enabled, "AttributeName": attribute});
    call(
        engine,
        "UpdateTimeToLive",
        json!({"TableName": table, "TimeToLiveSpecification": spec}),
    )
    .await
}

async fn describe(engine: &Engine, table: &str) -> Value {
    let out = call(engine, "DescribeTimeToLive", json!({"TableName": table}))
        .await
        .expect("DescribeTimeToLive");
    out["TimeToLiveDescription"].clone()
}

async fn put(engine: &Engine, table: &str, item: Value) {
    call(engine, "PutItem", json!({"TableName": table, "Item": item}))
        .await
        .expect("PutItem");
}

async fn exists(engine: &Engine, table: &str, key: Value) -> bool {
    let out = call(
        engine,
        "GetItem",
        json!({"TableName": table, "Key": key, "ConsistentRead": true}),
    )
    .await;
    out.expect("GetItem").get("Item").is_some()
}

fn secs(now_ms: i64, delta: i64) -> String {
    (now_ms / 1000 + delta).to_string()
}

async fn pass(engine: &Engine) -> usize {
    let (_tx, rx) = watch::channel(false);
    engine.expire_pass(&rx).await.expect("pass not stopped")
}

#[tokio::test]
async fn expiry_rules_for_values_and_types() {
    let (engine, clock) = manual().await;
    create(&engine, "t_rules", false).await;
    set_ttl(&engine, "t_rules", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    let cases: Vec<(&str, Value, bool)> = vec![
        ("past", json!({"N": secs(now, -10)}), true),
        (
            "fraction",
            json!({"N": format!("{}.5", secs(now, -2))}),
            true,
        ),
        (
            "exponent",
            json!({"N": format!("{}e1", (now / 1000 - 100) / 10)}),
            true,
        ),
        ("almost-5y", json!({"N": secs(now, 100 - FIVE_YEARS)}), true),
        (
            "older-than-5y",
            json!({"N": secs(now, -FIVE_YEARS - 86_400)}),
            false,
        ),
        ("zero", json!({"N": "0"}), false),
        ("future", json!({"N": secs(now, 100)}), false),
        (
            "now",
            json!({"N": format!("{}.{:03}", now / 1000, now % 1000)}),
            false,
        ),
        ("string", json!({"S": secs(now, -10)}), false),
        ("set", json!({"NS": [secs(now, -10)]}), false),
        ("list", json!({"L": [{"N": secs(now, -10)}]}), false),
        ("map", json!({"M": {"exp": {"N": secs(now, -10)}}}), false),
        ("bool", json!({"BOOL": true}), false),
    ];
    for (pk, exp, _) in &cases {
        put(&engine, "t_rules", json!({"pk": {"S": pk}, "exp": exp})).await;
    }
    put(
        &engine,
        "t_rules",
        json!({"pk": {"S": "no-attribute"}, "other": {"N": secs(now, -10)}}),
    )
    .await;
    let expected = cases.iter().filter(|c| c.2).count();
    assert_eq!(pass(&engine).await, expected);
    for (pk, _, expires) in &cases {
        assert_eq!(
            !exists(&engine, "t_rules", json!({"pk": {"S": pk}})).await,
            *expires,
            "item {pk}"
        );
    }
    assert!(exists(&engine, "t_rules", json!({"pk": {"S": "no-attribute"}})).await);
    let stats = engine.catalog.get("t_rules").expect("table").stats();
    assert_eq!(stats.item_count as usize, cases.len() + 1 - expected);
    assert_eq!(pass(&engine).await, 0, "a second pass finds nothing");
}

#[tokio::test]
async fn composite_keys_are_paged_and_disabled_tables_untouched() {
    let (engine, clock) = manual().await;
    create(&engine, "t_comp", true).await;
    create(&engine, "t_off", false).await;
    let now = clock.now_millis();
    // More than two scan pages, every third item expired.
    for i in 0..700 {
        let exp = if i % 3 == 0 {
            secs(now, -5)
        } else {
            secs(now, 3600)
        };
        put(&engine, "t_comp", json!({"pk": {"S": format!("p{}", i % 7)}, "sk": {"N": i.to_string()}, "exp": {"N": exp}})).await;
    }
    put(
        &engine,
        "t_off",
        json!({"pk": {"S": "a"}, "exp": {"N": secs(now, -5)}}),
    )
    .await;
    set_ttl(&engine, "t_comp", true, "exp")
        .await
        .expect("enable");
    assert_eq!(pass(&engine).await, (0..700).filter(|i| i % 3 == 0).count());
    for i in [0, 3, 699] {
        assert!(
            !exists(
                &engine,
                "t_comp",
                json!({"pk": {"S": format!("p{}", i % 7)}, "sk": {"N": i.to_string()}})
            )
            .await
        );
    }
    for i in [1, 2, 698] {
        assert!(
            exists(
                &engine,
                "t_comp",
                json!({"pk": {"S": format!("p{}", i % 7)}, "sk": {"N": i.to_string()}})
            )
            .await
        );
    }
    assert!(
        exists(&engine, "t_off", json!({"pk": {"S": "a"}})).await,
        "TTL is off on t_off"
    );
    // Time passes: the rest expires too.
    clock.advance(2 * HOUR_MS);
    assert_eq!(
        pass(&engine).await,
        700 - (0..700).filter(|i| i % 3 == 0).count()
    );
}

#[tokio::test]
async fn the_worker_runs_on_its_interval_and_stops_on_shutdown() {
    let (engine, clock) = open(Arc::new(MemoryStorage::new()), Duration::from_millis(20)).await;
    create(&engine, "t_live", false).await;
    set_ttl(&engine, "t_live", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    put(
        &engine,
        "t_live",
        json!({"pk": {"S": "soon"}, "exp": {"N": secs(now, 60)}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        exists(&engine, "t_live", json!({"pk": {"S": "soon"}})).await,
        "not expired yet"
    );
    clock.advance(61_000);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while exists(&engine, "t_live", json!({"pk": {"S": "soon"}})).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never deleted the expired item"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopped = tokio::time::timeout(Duration::from_secs(10), engine.shutdown()).await;
    assert!(matches!(stopped, Ok(Ok(()))), "shutdown: {stopped:?}");
    assert!(
        engine.ttl_worker.lock().is_none(),
        "shutdown takes and stops the worker"
    );
}

#[tokio::test]
async fn a_stopped_pass_ends_before_touching_anything() {
    let (engine, clock) = manual().await;
    create(&engine, "t_stop", false).await;
    set_ttl(&engine, "t_stop", true, "exp")
        .await
        .expect("enable");
    put(
        &engine,
        "t_stop",
        json!({"pk": {"S": "a"}, "exp": {"N": secs(clock.now_millis(), -5)}}),
    )
    .await;
    let (tx, rx) = watch::channel(false);
    tx.send(true).expect("send stop");
    assert_eq!(engine.expire_pass(&rx).await, Err(super::Stopped));
    assert!(exists(&engine, "t_stop", json!({"pk": {"S": "a"}})).await);
}
