//! Engine-level index tests over the memory store: maintenance through the write path,
//! UpdateTable backfill racing concurrent writers and stale definitions, a backfill
//! interrupted as by a crash and resumed by a reopened engine (`backfill.rs`); deletion
//! purges, the startup sweep and statistics (`lifecycle.rs`). This file holds the helpers.
//!
//! Correctness is always checked the same way: the entries actually in the `index`
//! keyspace must equal, byte for byte, the entries computed from the items in the table.

mod backfill;
mod lifecycle;

pub(super) use super::backfill::{checkpoint_key, stored_key};
pub(super) use super::{INDEX, INDEX_META, entry_for};
use crate::catalog::ITEMS;
use crate::keys::table_prefix;
use crate::model::IndexDef;
use crate::{Engine, EngineConfig, RequestContext};
use eddy_storage::{KeyRange, Storage};
use eddy_types::ApiError;
use eddy_types::codec::decode_item;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

pub(super) type Entries = BTreeMap<Vec<u8>, Vec<u8>>;

pub(super) async fn open(storage: Arc<dyn Storage>) -> Arc<Engine> {
    Engine::open(storage, EngineConfig::default())
        .await
        .expect("open engine")
}

pub(super) async fn call(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    let body = serde_json::to_vec(&body).expect("encode");
    let out = engine
        .dynamodb(op, &body, &RequestContext::default())
        .await?;
    Ok(serde_json::from_slice(&out).expect("decode response"))
}

pub(super) async fn ok(engine: &Engine, op: &str, body: Value) -> Value {
    call(engine, op, body)
        .await
        .unwrap_or_else(|e| panic!("{op} failed: {e:?}"))
}

pub(super) fn scan_all(storage: &dyn Storage, keyspace: &'static str, prefix: &[u8]) -> Entries {
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

pub(super) fn gsi(engine: &Engine, table: &str, name: &str) -> IndexDef {
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
pub(super) fn expected(engine: &Engine, table: &str, name: &str) -> Entries {
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

pub(super) fn actual(engine: &Engine, index_id: u64) -> Entries {
    scan_all(engine.storage.as_ref(), INDEX, &index_id.to_be_bytes())
}

pub(super) async fn create_table(engine: &Engine, name: &str, gsis: Value) {
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

pub(super) fn gsi_on(name: &str, attr: &str, projection: &str) -> Value {
    json!({
        "IndexName": name,
        "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": projection},
    })
}

pub(super) async fn put(engine: &Engine, table: &str, item: Value) {
    ok(engine, "PutItem", json!({"TableName": table, "Item": item})).await;
}

/// Item `i`: every third has no `g`, every seventh a numeric `g` (not indexable as S).
pub(super) fn seed_item(i: usize) -> Value {
    let mut item = json!({"pk": {"S": format!("k{i:05}")}, "v": {"N": i.to_string()}});
    if i.is_multiple_of(7) {
        item["g"] = json!({"N": "7"});
    } else if !i.is_multiple_of(3) {
        item["g"] = json!({"S": format!("g{}", i % 5)});
    }
    item
}

pub(super) async fn create_gsi(engine: &Engine, table: &str, name: &str, attr: &str) -> Value {
    let body = json!({
        "TableName": table,
        "AttributeDefinitions": [{"AttributeName": attr, "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": gsi_on(name, attr, "ALL")}],
    });
    ok(engine, "UpdateTable", body).await
}

pub(super) async fn index_status(engine: &Engine, table: &str, name: &str) -> Option<String> {
    let d = ok(engine, "DescribeTable", json!({"TableName": table})).await;
    let list = d["Table"]["GlobalSecondaryIndexes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let g = list.into_iter().find(|g| g["IndexName"] == json!(name))?;
    g["IndexStatus"].as_str().map(str::to_string)
}

/// Polls DescribeTable until the index has `status` (`None`: is gone), 30 s at most.
pub(super) async fn wait_status(engine: &Engine, table: &str, name: &str, status: Option<&str>) {
    let poll = async {
        while index_status(engine, table, name).await.as_deref() != status {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll)
        .await
        .expect("index status never reached");
}
