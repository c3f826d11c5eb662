//! After creation: deleting an index (DELETING, purge), DeleteTable's purge, the startup
//! sweep of orphaned entries, and statistics across a restart.

use super::*;
use eddy_storage::{Storage, WriteBatch};
use eddy_storage_mem::MemoryStorage;
use serde_json::json;
use std::sync::Arc;

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
async fn interrupted_index_deletion_finishes_after_reopen() {
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let engine = open(storage.clone()).await;
    create_table(&engine, "tbl8", json!([gsi_on("by_g", "g", "ALL")])).await;
    for i in 0..20 {
        put(
            &engine,
            "tbl8",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}}),
        )
        .await;
    }
    let index = gsi(&engine, "tbl8", "by_g");
    engine
        .indexes
        .page_budget
        .store(0, std::sync::atomic::Ordering::SeqCst);
    let body = json!({"TableName": "tbl8", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_g"}}]});
    ok(&engine, "UpdateTable", body).await;
    engine.indexes.idle().await;
    // The purge never ran: DELETING, entries still there, and writes leave them alone.
    assert_eq!(
        index_status(&engine, "tbl8", "by_g").await.as_deref(),
        Some("DELETING")
    );
    let before = actual(&engine, index.id);
    assert_eq!(before.len(), 20);
    put(
        &engine,
        "tbl8",
        json!({"pk": {"S": "k0"}, "g": {"S": "changed"}}),
    )
    .await;
    assert_eq!(actual(&engine, index.id), before);
    drop(engine); // a crash
    let engine = open(storage).await;
    assert_eq!(
        index_status(&engine, "tbl8", "by_g").await.as_deref(),
        Some("DELETING")
    );
    wait_status(&engine, "tbl8", "by_g", None).await;
    assert!(actual(&engine, index.id).is_empty());
}

#[tokio::test]
async fn deleting_an_index_being_backfilled_cancels_it() {
    let engine = open(Arc::new(MemoryStorage::new())).await;
    create_table(&engine, "tbl9", json!(null)).await;
    for i in 0..100 {
        put(
            &engine,
            "tbl9",
            json!({"pk": {"S": format!("k{i}")}, "g": {"S": "x"}}),
        )
        .await;
    }
    engine
        .indexes
        .page_budget
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let body = json!({
        "TableName": "tbl9",
        "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": gsi_on("by_g", "g", "ALL")}],
    });
    ok(&engine, "UpdateTable", body).await;
    engine.indexes.idle().await;
    let index = gsi(&engine, "tbl9", "by_g");
    assert!(
        !actual(&engine, index.id).is_empty(),
        "two pages were backfilled"
    );
    engine
        .indexes
        .page_budget
        .store(-1, std::sync::atomic::Ordering::SeqCst);
    let body = json!({"TableName": "tbl9", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_g"}}]});
    let resp = ok(&engine, "UpdateTable", body).await;
    let g = &resp["TableDescription"]["GlobalSecondaryIndexes"][0];
    assert_eq!(g["IndexStatus"], json!("DELETING"));
    wait_status(&engine, "tbl9", "by_g", None).await;
    engine.indexes.idle().await;
    assert!(actual(&engine, index.id).is_empty());
    let meta = scan_all(engine.storage.as_ref(), INDEX_META, &index.id.to_be_bytes());
    assert!(meta.is_empty(), "checkpoint and statistics are purged too");
    let t = engine.catalog.get("tbl9").expect("table");
    assert!(t.def.gsis.is_empty() && t.def.deleting_gsis.is_empty());
}
