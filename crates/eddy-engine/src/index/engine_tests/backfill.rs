//! Backfill: writes through the write path, UpdateTable backfill racing writers and
//! writes holding a stale table definition, and an interrupted backfill resumed by a
//! reopened engine.

use super::*;
use crate::model::IndexStatus;
use eddy_storage::Storage;
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use eddy_types::codec::decode_item;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

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

#[tokio::test]
async fn a_backfilling_index_cannot_be_read_until_active() {
    let engine = open(Arc::new(MemoryStorage::new())).await;
    create_table(&engine, "tbl10", json!(null)).await;
    for i in 0..40 {
        put(
            &engine,
            "tbl10",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}}),
        )
        .await;
    }
    engine.indexes.page_budget.store(1, Ordering::SeqCst); // one page, then parked
    create_gsi(&engine, "tbl10", "by_g", "g").await;
    engine.indexes.idle().await;
    let query = json!({
        "TableName": "tbl10",
        "IndexName": "by_g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "x"}},
    });
    let scan = json!({"TableName": "tbl10", "IndexName": "by_g"});
    for (op, body) in [("Query", &query), ("Scan", &scan)] {
        match call(&engine, op, body.clone()).await {
            Err(ApiError::Validation(m)) => {
                assert_eq!(
                    m,
                    "Cannot read from backfilling global secondary index: by_g"
                );
            }
            other => panic!("{op} on a CREATING index: {other:?}"),
        }
    }
    let index = gsi(&engine, "tbl10", "by_g");
    engine.indexes.page_budget.store(-1, Ordering::SeqCst);
    let table_id = engine.catalog.get("tbl10").expect("table").def.id;
    engine.indexes.backfill("tbl10", table_id, index.id);
    wait_status(&engine, "tbl10", "by_g", Some("ACTIVE")).await;
    let found = ok(&engine, "Query", query).await;
    assert_eq!(found["Count"], json!(40));
}
