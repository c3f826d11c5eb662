//! Engine-level index tests over the memory store: maintenance through the write path,
//! UpdateTable backfill racing concurrent writers, a backfill interrupted as by a crash
//! and resumed by a reopened engine, deletion purges and the startup sweep.
//!
//! Correctness is always checked the same way: the entries actually in the `index`
//! keyspace must equal, byte for byte, the entries computed from the items in the table.

use super::backfill::{checkpoint_key, stored_key};
use super::{INDEX, INDEX_META, entry_for};
use crate::catalog::ITEMS;
use crate::keys::table_prefix;
use crate::model::{IndexDef, IndexStatus};
use crate::{Engine, EngineConfig, RequestContext};
use eddy_storage::{KeyRange, Storage, WriteBatch};
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use eddy_types::codec::decode_item;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

type Entries = BTreeMap<Vec<u8>, Vec<u8>>;

async fn open(storage: Arc<dyn Storage>) -> Arc<Engine> {
    Engine::open(storage, EngineConfig::default())
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

async fn ok(engine: &Engine, op: &str, body: Value) -> Value {
    call(engine, op, body)
        .await
        .unwrap_or_else(|e| panic!("{op} failed: {e:?}"))
}

fn scan_all(storage: &dyn Storage, keyspace: &'static str, prefix: &[u8]) -> Entries {
    let mut out = Entries::new();
    let mut range = KeyRange::prefix(prefix);
    loop {
        let page = storage.scan(keyspace, &range, false, 500).expect("scan");
        let Some((last, _)) = page.last() else {
            return out;
        };
        range.start = Bound::Excluded(last.clone());
        out.extend(page);
    }
}

fn gsi(engine: &Engine, table: &str, name: &str) -> IndexDef {
    let t = engine.catalog.get(table).expect("table");
    let d = &t.def;
    d.gsis
        .iter()
        .chain(&d.lsis)
        .chain(&d.deleting_gsis)
        .find(|i| i.name == name)
        .expect("index")
        .clone()
}

/// The entries the items of `table` imply for index `name`.
fn expected(engine: &Engine, table: &str, name: &str) -> Entries {
    let t = engine.catalog.get(table).expect("table");
    let index = gsi(engine, table, name);
    let items = scan_all(engine.storage.as_ref(), ITEMS, &table_prefix(t.def.id));
    let mut out = Entries::new();
    for bytes in items.values() {
        let item = decode_item(bytes).expect("item");
        let key = stored_key(&t.def.key, &item).expect("key");
        if let Some(e) = entry_for(&t.def, &index, &key, &item) {
            out.insert(e.key.clone(), e.encode());
        }
    }
    out
}

fn actual(engine: &Engine, index_id: u64) -> Entries {
    scan_all(engine.storage.as_ref(), INDEX, &index_id.to_be_bytes())
}

async fn create_table(engine: &Engine, name: &str, gsis: Value) {
    let mut body = json!({
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    if let Value::Array(list) = &gsis {
        body["GlobalSecondaryIndexes"] = gsis.clone();
        for g in list {
            let attr = g["KeySchema"][0]["AttributeName"].clone();
            body["AttributeDefinitions"]
                .as_array_mut()
                .expect("defs")
                .push(json!({"AttributeName": attr, "AttributeType": "S"}));
        }
    }
    ok(engine, "CreateTable", body).await;
}

fn gsi_on(name: &str, attr: &str, projection: &str) -> Value {
    json!({
        "IndexName": name,
        "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": projection},
    })
}

async fn put(engine: &Engine, table: &str, item: Value) {
    ok(engine, "PutItem", json!({"TableName": table, "Item": item})).await;
}

/// Item `i`: every third has no `g`, every seventh a numeric `g` (not indexable as S).
fn seed_item(i: usize) -> Value {
    let mut item = json!({"pk": {"S": format!("k{i:05}")}, "v": {"N": i.to_string()}});
    if i % 7 == 0 {
        item["g"] = json!({"N": "7"});
    } else if i % 3 != 0 {
        item["g"] = json!({"S": format!("g{}", i % 5)});
    }
    item
}

async fn create_gsi(engine: &Engine, table: &str, name: &str, attr: &str) -> Value {
    let body = json!({
        "TableName": table,
        "AttributeDefinitions": [{"AttributeName": attr, "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": gsi_on(name, attr, "ALL")}],
    });
    ok(engine, "UpdateTable", body).await
}

async fn index_status(engine: &Engine, table: &str, name: &str) -> Option<String> {
    let d = ok(engine, "DescribeTable", json!({"TableName": table})).await;
    let list = d["Table"]["GlobalSecondaryIndexes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let g = list.into_iter().find(|g| g["IndexName"] == json!(name))?;
    g["IndexStatus"].as_str().map(str::to_string)
}

/// Polls DescribeTable until the index has `status` (`None`: is gone), 30 s at most.
async fn wait_status(engine: &Engine, table: &str, name: &str, status: Option<&str>) {
    let poll = async {
        while index_status(engine, table, name).await.as_deref() != status {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll)
        .await
        .expect("index status never reached");
}

#[tokio::test]
async fn writes_maintain_indexes_created_with_the_table() {
    let engine = open(Arc::new(MemoryStorage::new())).await;
    create_table(&engine, "tbl1", json!([gsi_on("by_g", "g", "KEYS_ONLY")])).await;
    for i in 0..40 {
        let mut item = seed_item(i);
        if i % 7 == 0 {
            item.as_object_mut().expect("object").remove("g");
        }
        put(&engine, "tbl1", item).await;
    }
    let update = json!({"TableName": "tbl1", "Key": {"pk": {"S": "k00001"}}, "UpdateExpression": "SET g = :g", "ExpressionAttributeValues": {":g": {"S": "moved"}}});
    ok(&engine, "UpdateItem", update).await;
    let remove = json!({"TableName": "tbl1", "Key": {"pk": {"S": "k00002"}}, "UpdateExpression": "REMOVE g"});
    ok(&engine, "UpdateItem", remove).await;
    ok(
        &engine,
        "DeleteItem",
        json!({"TableName": "tbl1", "Key": {"pk": {"S": "k00004"}}}),
    )
    .await;
    let index = gsi(&engine, "tbl1", "by_g");
    let want = expected(&engine, "tbl1", "by_g");
    assert_eq!(actual(&engine, index.id), want);
    assert_eq!(
        want.len(),
        20,
        "no g: multiples of 3 and 7; then 2 lost g and 4 was deleted"
    );
    let d = ok(&engine, "DescribeTable", json!({"TableName": "tbl1"})).await;
    assert_eq!(
        d["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"],
        json!(want.len())
    );
    assert!(d["Table"]["GlobalSecondaryIndexes"][0]["IndexSizeBytes"].as_i64() > Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_racing_writers_ends_exact() {
    let engine = open(Arc::new(MemoryStorage::new())).await;
    create_table(&engine, "tbl2", json!(null)).await;
    for i in 0..400 {
        put(&engine, "tbl2", seed_item(i)).await;
    }
    let resp = create_gsi(&engine, "tbl2", "by_g", "g").await;
    let g = &resp["TableDescription"]["GlobalSecondaryIndexes"][0];
    assert_eq!(
        (g["IndexStatus"].as_str(), g["Backfilling"].as_bool()),
        (Some("CREATING"), Some(false))
    );
    // Writers over the whole key range while the backfill runs: moves, removals,
    // new items, deletes (with valid `g` types: the CREATING index is enforced).
    let mut writers = Vec::new();
    for w in 0..4usize {
        let engine = engine.clone();
        writers.push(tokio::spawn(async move {
            for n in 0..60usize {
                let i = (n * 37 + w * 101) % 450;
                let key = json!({"pk": {"S": format!("k{i:05}")}});
                let body = match n % 4 {
                    0 => json!({"TableName": "tbl2", "Key": key, "UpdateExpression": "SET g = :g", "ExpressionAttributeValues": {":g": {"S": format!("w{w}")}}}),
                    1 => json!({"TableName": "tbl2", "Key": key, "UpdateExpression": "REMOVE g"}),
                    2 => json!({"TableName": "tbl2", "Key": key, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}}),
                    _ => json!({"TableName": "tbl2", "Key": key}),
                };
                let op = if n % 4 == 3 { "DeleteItem" } else { "UpdateItem" };
                match call(&engine, op, body).await {
                    Ok(_) => {}
                    // Items seeded with a numeric `g` violate the new index's key type:
                    // writes keeping it are refused, as on DynamoDB.
                    Err(ApiError::Validation(m)) if m.contains("Type mismatch for Index Key") => {}
                    Err(e) => panic!("{op} failed: {e:?}"),
                }
            }
        }));
    }
    let d = ok(&engine, "DescribeTable", json!({"TableName": "tbl2"})).await;
    let status = &d["Table"]["GlobalSecondaryIndexes"][0];
    if status["IndexStatus"] == json!("CREATING") {
        assert_eq!(status["Backfilling"], json!(true));
    }
    for w in writers {
        w.await.expect("writer");
    }
    wait_status(&engine, "tbl2", "by_g", Some("ACTIVE")).await;
    let index = gsi(&engine, "tbl2", "by_g");
    let want = expected(&engine, "tbl2", "by_g");
    assert!(want.len() > 100, "{}", want.len());
    assert_eq!(actual(&engine, index.id), want);
    assert!(
        engine
            .storage
            .get(INDEX_META, &checkpoint_key(index.id))
            .expect("get")
            .is_none()
    );
    assert_eq!(
        engine.indexes.stats.get(index.id).item_count,
        want.len() as i64
    );
    let t = engine.catalog.get("tbl2").expect("table");
    let names: Vec<&str> = t
        .def
        .attribute_definitions
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["pk", "g"]);
}

#[tokio::test]
async fn interrupted_backfill_resumes_after_reopen() {
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let engine = open(storage.clone()).await;
    create_table(&engine, "tbl3", json!(null)).await;
    for i in 0..200 {
        put(&engine, "tbl3", seed_item(i)).await;
    }
    // The task does three pages, then stops as if the process had died.
    engine.indexes.page_budget.store(3, Ordering::SeqCst);
    create_gsi(&engine, "tbl3", "by_g", "g").await;
    engine.indexes.idle().await;
    let index = gsi(&engine, "tbl3", "by_g");
    assert_eq!(index.status, IndexStatus::Creating);
    let done = engine
        .storage
        .get(INDEX_META, &checkpoint_key(index.id))
        .expect("get")
        .expect("checkpoint");
    let partial = actual(&engine, index.id);
    assert!(!partial.is_empty() && partial.len() < expected(&engine, "tbl3", "by_g").len());
    // Entries exist exactly for the items up to the checkpoint.
    let t = engine.catalog.get("tbl3").expect("table");
    assert!(partial.values().all(|v| {
        let item = decode_item(v).expect("entry");
        stored_key(&t.def.key, &item).expect("key").encode(t.def.id) <= done
    }));
    // Writes after the interruption (beyond and before the checkpoint) are maintained.
    put(
        &engine,
        "tbl3",
        json!({"pk": {"S": "k00001"}, "g": {"S": "late"}}),
    )
    .await;
    put(
        &engine,
        "tbl3",
        json!({"pk": {"S": "k00199"}, "g": {"S": "late"}}),
    )
    .await;
    drop(t);
    drop(engine); // no shutdown: a crash
    let engine = open(storage).await;
    assert_eq!(
        index_status(&engine, "tbl3", "by_g").await.as_deref(),
        Some("CREATING")
    );
    wait_status(&engine, "tbl3", "by_g", Some("ACTIVE")).await;
    assert_eq!(actual(&engine, index.id), expected(&engine, "tbl3", "by_g"));
    assert!(
        engine
            .storage
            .get(INDEX_META, &checkpoint_key(index.id))
            .expect("get")
            .is_none()
    );
}

#[tokio::test]
async fn deleted_index_is_purged_and_dropped() {
    let engine = open(Arc::new(MemoryStorage::new())).await;
    create_table(
        &engine,
        "tbl4",
        json!([gsi_on("by_g", "g", "ALL"), gsi_on("by_h", "h", "ALL")]),
    )
    .await;
    for i in 0..50 {
        put(
            &engine,
            "tbl4",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}, "h": {"S": "y"}}),
        )
        .await;
    }
    let (g, h) = (gsi(&engine, "tbl4", "by_g"), gsi(&engine, "tbl4", "by_h"));
    assert_eq!(actual(&engine, g.id).len(), 50);
    let body = json!({"TableName": "tbl4", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_g"}}]});
    let resp = ok(&engine, "UpdateTable", body).await;
    let desc = &resp["TableDescription"];
    let statuses: Vec<(&str, &str)> = desc["GlobalSecondaryIndexes"]
        .as_array()
        .expect("gsis")
        .iter()
        .map(|g| {
            (
                g["IndexName"].as_str().unwrap_or(""),
                g["IndexStatus"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(statuses, [("by_h", "ACTIVE"), ("by_g", "DELETING")]);
    let defs: Vec<&str> = desc["AttributeDefinitions"]
        .as_array()
        .expect("defs")
        .iter()
        .filter_map(|a| a["AttributeName"].as_str())
        .collect();
    assert_eq!(defs, ["pk", "h"]);
    // Writes no longer maintain it.
    put(
        &engine,
        "tbl4",
        json!({"pk": {"S": "new"}, "g": {"S": "x"}, "h": {"S": "y"}}),
    )
    .await;
    wait_status(&engine, "tbl4", "by_g", None).await;
    assert!(actual(&engine, g.id).is_empty());
    assert_eq!(actual(&engine, h.id).len(), 51);
    assert!(scan_all(engine.storage.as_ref(), INDEX_META, &g.id.to_be_bytes()).is_empty());
    assert!(
        engine
            .catalog
            .get("tbl4")
            .expect("table")
            .def
            .deleting_gsis
            .is_empty()
    );
}

#[tokio::test]
async fn delete_table_purges_its_index_entries_and_open_sweeps_orphans() {
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let engine = open(storage.clone()).await;
    create_table(&engine, "tbl5", json!([gsi_on("by_g", "g", "KEYS_ONLY")])).await;
    create_table(&engine, "keep", json!([gsi_on("by_g", "g", "KEYS_ONLY")])).await;
    for i in 0..30 {
        put(
            &engine,
            "tbl5",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}}),
        )
        .await;
        put(
            &engine,
            "keep",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}}),
        )
        .await;
    }
    let (gone, kept) = (gsi(&engine, "tbl5", "by_g"), gsi(&engine, "keep", "by_g"));
    ok(&engine, "DeleteTable", json!({"TableName": "tbl5"})).await;
    engine.indexes.idle().await;
    assert!(actual(&engine, gone.id).is_empty());
    assert_eq!(actual(&engine, kept.id).len(), 30);
    // Leftovers of an index no table knows (a purge cut short by a crash).
    let mut batch = WriteBatch::new();
    let orphan = 0x0123_4567_89ab_cdefu64;
    for i in 0u8..5 {
        let mut k = orphan.to_be_bytes().to_vec();
        k.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, i]);
        batch.put(INDEX, k, vec![1]);
    }
    let mut meta = orphan.to_be_bytes().to_vec();
    meta.push(b'c');
    batch.put(INDEX_META, meta, vec![1]);
    storage.commit(batch).await.expect("commit");
    drop(engine);
    let engine = open(storage).await;
    engine.indexes.idle().await;
    assert!(actual(&engine, orphan).is_empty());
    assert!(scan_all(engine.storage.as_ref(), INDEX_META, &orphan.to_be_bytes()).is_empty());
    assert_eq!(actual(&engine, kept.id).len(), 30);
}

#[tokio::test]
async fn index_statistics_survive_a_graceful_restart() {
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let engine = open(storage.clone()).await;
    create_table(&engine, "tbl6", json!([gsi_on("by_g", "g", "ALL")])).await;
    for i in 0..25 {
        put(
            &engine,
            "tbl6",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}}),
        )
        .await;
    }
    let index = gsi(&engine, "tbl6", "by_g");
    let before = engine.indexes.stats.get(index.id);
    assert_eq!(before.item_count, 25);
    let bytes = before.size_bytes;
    let mut batch = WriteBatch::new();
    engine.indexes.stats.stage_save_all(&mut batch);
    storage.commit(batch).await.expect("save");
    drop(engine);
    let engine = open(storage).await;
    let after = engine.indexes.stats.get(index.id);
    assert_eq!((after.item_count, after.size_bytes), (25, bytes));
}

#[tokio::test]
async fn writes_holding_a_stale_definition_maintain_a_new_index() {
    use crate::keys::PrimaryKey;
    use eddy_types::{AttributeValue, Item};
    let engine = open(Arc::new(MemoryStorage::new())).await;
    create_table(&engine, "tbl7", json!(null)).await;
    for i in 0..50 {
        put(
            &engine,
            "tbl7",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "old"}}),
        )
        .await;
    }
    // A request that looked the table up before the index existed...
    let stale = engine.catalog.get("tbl7").expect("table");
    engine.indexes.page_budget.store(0, Ordering::SeqCst); // backfill parked
    create_gsi(&engine, "tbl7", "by_g", "g").await;
    engine.indexes.idle().await;
    let index = gsi(&engine, "tbl7", "by_g");
    assert!(actual(&engine, index.id).is_empty());
    // ... writes after it was published: the entries follow the live definition.
    let key = |k: &str| PrimaryKey {
        hash: AttributeValue::S(k.into()),
        range: None,
    };
    let item = |k: &str, g: &str| -> Item {
        [("pk", k), ("g", g)]
            .into_iter()
            .map(|(n, v)| (n.to_string(), AttributeValue::S(v.into())))
            .collect()
    };
    let moved = item("k3", "new");
    engine
        .write_one(&stale, key("k3"), move |_| Ok(Some(moved)))
        .await
        .expect("put");
    engine
        .write_one(&stale, key("k5"), |_| Ok(None))
        .await
        .expect("delete");
    let fresh = item("k99", "new");
    engine
        .write_one(&stale, key("k99"), move |_| Ok(Some(fresh)))
        .await
        .expect("put");
    let partial = actual(&engine, index.id);
    assert_eq!(
        partial.len(),
        2,
        "k3 and k99, written through the stale entry"
    );
    // The backfill, resumed, completes the rest without disturbing them.
    engine.indexes.page_budget.store(-1, Ordering::SeqCst);
    engine.indexes.backfill("tbl7", stale.def.id, index.id);
    wait_status(&engine, "tbl7", "by_g", Some("ACTIVE")).await;
    let want = expected(&engine, "tbl7", "by_g");
    assert_eq!(want.len(), 50);
    assert_eq!(actual(&engine, index.id), want);
    assert_eq!(engine.indexes.stats.get(index.id).item_count, 50);
}
