//! Engine-level TTL tests: the UpdateTimeToLive/DescribeTimeToLive matrix with a manual
//! clock (the cooldown), and the expiry worker over a memory store.

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
async fn update_and_describe_follow_aws_with_the_cooldown() {
    let (engine, clock) = manual().await;
    create(&engine, "t_ttl", false).await;
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "DISABLED"})
    );
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "exp").await),
        "TimeToLive is already disabled"
    );

    let out = set_ttl(&engine, "t_ttl", true, "exp")
        .await
        .expect("enable");
    assert_eq!(
        out,
        json!({"TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}})
    );
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"})
    );
    // Content errors come before the cooldown.
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", true, "exp").await),
        "TimeToLive is already enabled"
    );
    let different =
        "TimeToLive is active on a different AttributeName: current AttributeName is exp";
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", true, "other").await),
        different
    );
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "other").await),
        different
    );

    let cooldown = "Time to live has been modified multiple times within a fixed interval";
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "exp").await),
        cooldown
    );
    clock.advance(HOUR_MS - 1);
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "exp").await),
        cooldown
    );
    clock.advance(1);
    let out = set_ttl(&engine, "t_ttl", false, "exp")
        .await
        .expect("disable after the cooldown");
    assert_eq!(
        out,
        json!({"TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}})
    );
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "DISABLED"})
    );
    // The disable started a new cooldown; failed attempts do not extend it.
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", true, "ttl2").await),
        cooldown
    );
    clock.advance(HOUR_MS);
    set_ttl(&engine, "t_ttl", true, "ttl2")
        .await
        .expect("enable another attribute");

    // Persisted in the catalog record: a second engine over the same store sees it.
    let (reopened, _) = open(engine.storage().clone(), Duration::from_secs(3600)).await;
    assert_eq!(
        describe(&reopened, "t_ttl").await,
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl2"})
    );
    // DescribeTable does not show TTL, and a recreated table starts without it.
    let table = call(&engine, "DescribeTable", json!({"TableName": "t_ttl"}))
        .await
        .expect("DescribeTable");
    assert!(!table.to_string().contains("ttl2"));
    call(&engine, "DeleteTable", json!({"TableName": "t_ttl"}))
        .await
        .expect("DeleteTable");
    create(&engine, "t_ttl", false).await;
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "DISABLED"})
    );
    set_ttl(&engine, "t_ttl", true, "exp")
        .await
        .expect("a new table has no cooldown");
}

#[tokio::test]
async fn request_shape_and_missing_tables() {
    let (engine, _) = manual().await;
    create(&engine, "t_shape", false).await;
    let nf = |r: Result<Value, ApiError>| matches!(r, Err(ApiError::ResourceNotFound(_)));
    assert!(nf(set_ttl(&engine, "missing", true, "exp").await));
    assert!(nf(call(
        &engine,
        "DescribeTimeToLive",
        json!({"TableName": "missing"})
    )
    .await));

    let update = |body: Value| call(&engine, "UpdateTimeToLive", body);
    let m = err_message(update(json!({"TableName": "t_shape"})).await);
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null"
    );
    let m = err_message(
        update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"AttributeName": "x"}}))
            .await,
    );
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null"
    );
    let m = err_message(
        update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": true}})).await,
    );
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null"
    );
    let m = err_message(update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": ""}})).await);
    assert_eq!(
        m,
        "1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    let long = "a".repeat(256);
    let m = err_message(update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": long}})).await);
    assert!(
        m.ends_with("Member must have length less than or equal to 255"),
        "{m}"
    );
    let m = err_message(update(json!({"TimeToLiveSpecification": {}})).await);
    assert!(
        m.starts_with("3 validation errors detected: Value null at 'tableName'"),
        "{m}"
    );
    let r = update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": "yes", "AttributeName": "x"}})).await;
    assert!(matches!(r, Err(ApiError::Serialization(_))), "{r:?}");
    set_ttl(&engine, "t_shape", true, &"a".repeat(255))
        .await
        .expect("255 characters are fine");
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
async fn the_delete_rechecks_the_item_under_its_lock() {
    let (engine, clock) = manual().await;
    create(&engine, "t_race", false).await;
    set_ttl(&engine, "t_race", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    put(
        &engine,
        "t_race",
        json!({"pk": {"S": "a"}, "exp": {"N": secs(now, -5)}}),
    )
    .await;
    put(
        &engine,
        "t_race",
        json!({"pk": {"S": "b"}, "exp": {"N": secs(now, -5)}}),
    )
    .await;
    // The scan nominated both; before the deletes ran, `a` was refreshed and `b` deleted.
    let expiry = Expiry::at(now).expect("expiry");
    let update = json!({"TableName": "t_race", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET exp = :f",
        "ExpressionAttributeValues": {":f": {"N": secs(now, 3600)}}});
    call(&engine, "UpdateItem", update)
        .await
        .expect("UpdateItem");
    call(
        &engine,
        "DeleteItem",
        json!({"TableName": "t_race", "Key": {"pk": {"S": "b"}}}),
    )
    .await
    .expect("DeleteItem");
    let entry = engine.catalog.get("t_race").expect("table");
    for pk in ["a", "b"] {
        let key = crate::keys::key_of_item(
            &entry.def.key,
            &[("pk".to_string(), eddy_types::AttributeValue::S(pk.into()))].into(),
        )
        .expect("key");
        assert!(
            !engine
                .expire_item(&entry, key, "exp", &expiry)
                .await
                .expect("expire_item")
        );
    }
    assert!(exists(&engine, "t_race", json!({"pk": {"S": "a"}})).await);
    assert!(
        !exists(&engine, "t_race", json!({"pk": {"S": "b"}})).await,
        "no resurrection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_are_never_lost() {
    let (engine, clock) = manual().await;
    create(&engine, "t_conc", false).await;
    set_ttl(&engine, "t_conc", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    let n = 400;
    for i in 0..n {
        put(
            &engine,
            "t_conc",
            json!({"pk": {"S": format!("k{i}")}, "exp": {"N": secs(now, -5)}}),
        )
        .await;
    }
    let refresher = {
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut refreshed = Vec::new();
            for i in (0..n).rev() {
                let update = json!({"TableName": "t_conc", "Key": {"pk": {"S": format!("k{i}")}},
                    "UpdateExpression": "SET exp = :f", "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":f": {"N": secs(now, 3600)}}});
                match call(&engine, "UpdateItem", update).await {
                    Ok(_) => refreshed.push(i),
                    Err(ApiError::ConditionalCheckFailed { .. }) => {}
                    Err(e) => panic!("UpdateItem: {e}"),
                }
            }
            refreshed
        })
    };
    let deleted = pass(&engine).await;
    let refreshed = refresher.await.expect("refresher");
    assert_eq!(
        deleted + refreshed.len(),
        n,
        "every item is either expired or refreshed"
    );
    for i in refreshed {
        assert!(
            exists(&engine, "t_conc", json!({"pk": {"S": format!("k{i}")}})).await,
            "refreshed k{i} was deleted"
        );
    }
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
