//! Secondary indexes on a live table: UpdateTable creating a GSI on a populated table
//! (CREATING with Backfilling, then ACTIVE) while writers keep changing it, deleting a
//! GSI (DELETING, then gone), and a backfill cut short by `kill -9` that resumes when the
//! binary restarts. `query.rs` reads maintained entries back through Query.
//!
//! The index contents are checked in the `index` keyspace itself, through
//! `eddy_engine::stored_index_entries` on the data directory once the server is stopped,
//! against entries computed from the items the test wrote. These tests need eddy's
//! storage, so they do nothing against an external endpoint.

mod query;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue as AV, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexDescription, GlobalSecondaryIndexUpdate, IndexStatus,
    Projection, ProjectionType, PutRequest, WriteRequest,
};
use eddy_e2e::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What the test believes the table holds: key → `gk` value, if any (`None`: no `gk`).
type Model = BTreeMap<String, Option<AV>>;

fn keys_only(name: &str, attr: &str) -> CreateGlobalSecondaryIndexAction {
    CreateGlobalSecondaryIndexAction::builder()
        .index_name(name)
        .key_schema(hash_key(attr))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .build()
        .expect("CreateGlobalSecondaryIndexAction")
}

/// Item `i` of the seed data: every third has no `gk`, every tenth a numeric one (not
/// indexable: the index key is a string).
fn seed(i: usize) -> (String, Option<AV>) {
    let gk = match i {
        _ if i.is_multiple_of(10) => Some(n(&i.to_string())),
        _ if i.is_multiple_of(3) => None,
        _ => Some(s(&format!("g{}", i % 4))),
    };
    (format!("k{i:05}"), gk)
}

fn to_item(key: &str, gk: &Option<AV>, pad: usize) -> Item {
    let mut it = item([("pk", s(key)), ("pad", s(&"x".repeat(pad)))]);
    if let Some(v) = gk {
        it.insert("gk".into(), v.clone());
    }
    it
}

async fn load(client: &Client, table: &str, model: &Model, pad: usize) -> TestResult {
    let all: Vec<(&String, &Option<AV>)> = model.iter().collect();
    for chunk in all.chunks(25) {
        let reqs = chunk.iter().map(|(k, g)| {
            let put = PutRequest::builder()
                .set_item(Some(to_item(k, g, pad)))
                .build();
            WriteRequest::builder()
                .put_request(put.expect("PutRequest"))
                .build()
        });
        client
            .batch_write_item()
            .request_items(table, reqs.collect())
            .send()
            .await?;
    }
    Ok(())
}

/// The KEYS_ONLY entries a model implies (string `gk` only), as canonical JSON strings.
fn expected(model: &Model) -> Vec<String> {
    let mut out: Vec<String> = model
        .iter()
        .filter_map(|(k, g)| match g {
            Some(AV::S(g)) => Some(json!({"gk": {"S": g}, "pk": {"S": k}}).to_string()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The index's status and entries as stored in the data directory (server stopped).
fn stored(dir: &Path, table: &str, index: &str) -> (String, Vec<String>) {
    let storage =
        eddy_storage_fjall::FjallStorage::open(dir, eddy_storage_fjall::FjallOptions::default())
            .expect("open data dir");
    let (status, entries) =
        eddy_engine::stored_index_entries(&storage, table, index).expect("index entries");
    let mut out: Vec<String> = entries.iter().map(Value::to_string).collect();
    out.sort();
    (status, out)
}

async fn gsi(client: &Client, table: &str, name: &str) -> Option<GlobalSecondaryIndexDescription> {
    let out = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .ok()?;
    out.table()?
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some(name))
        .cloned()
}

/// Polls DescribeTable until the index is ACTIVE; every status seen on the way must be
/// CREATING (with `Backfilling: true` on eddy). Returns the ACTIVE description.
async fn wait_active(client: &Client, table: &str, name: &str) -> GlobalSecondaryIndexDescription {
    poll_until(Duration::from_secs(120), || async {
        let g = gsi(client, table, name).await.expect("index described");
        match g.index_status() {
            Some(IndexStatus::Active) => Some(g),
            Some(IndexStatus::Creating) => {
                // AWS reports `false` while it allocates resources, then `true`; DynamoDB
                // Local always `false`; eddy backfills at once.
                if external_endpoint().is_none() {
                    assert_eq!(g.backfilling(), Some(true), "{g:?}");
                }
                None
            }
            other => panic!("unexpected index status {other:?}"),
        }
    })
    .await
    .expect("index never became ACTIVE")
}

async fn create_index(client: &Client, table: &str, name: &str) -> TestResult {
    let out = client
        .update_table()
        .table_name(table)
        .attribute_definitions(attr("gk", "S"))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(keys_only(name, "gk"))
                .build(),
        )
        .send()
        .await?;
    let desc = out.table_description().expect("TableDescription");
    let g = desc
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some(name))
        .expect("new index");
    assert_eq!(g.index_status(), Some(&IndexStatus::Creating));
    assert_eq!(
        g.backfilling(),
        Some(false),
        "not backfilling yet right after the request"
    );
    let defs: Vec<&str> = desc
        .attribute_definitions()
        .iter()
        .map(|a| a.attribute_name())
        .collect();
    assert!(defs.contains(&"gk") && defs.contains(&"pk"), "{defs:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gsi_created_on_a_busy_table_backfills_then_turns_active() -> TestResult {
    let dir = tempfile::tempdir()?;
    let srv = TestServer::start_fjall(dir.path()).await;
    if srv.is_external() {
        return Ok(());
    }
    let t = unique_name("ix-create");
    create_hash_table(&srv.client, &t).await?;
    let mut model: Model = (0..1500).map(seed).collect();
    load(&srv.client, &t, &model, 100).await?;
    create_index(&srv.client, &t, "by_gk").await?;
    // Writers change the table while the backfill runs: each owns every fourth key, so
    // the final state of each key is known.
    let mut writers = Vec::new();
    for w in 0..4usize {
        let client = srv.client.clone();
        let t = t.clone();
        writers.push(tokio::spawn(async move {
            let mut changed = Model::new();
            for i in (w..1600).step_by(4).filter(|i| !i.is_multiple_of(10)) {
                let key = format!("k{i:05}");
                let gk = match i % 3 {
                    0 => Some(s(&format!("w{w}"))),
                    1 => None,
                    _ => Some(s("moved")),
                };
                let put = client
                    .put_item()
                    .table_name(&t)
                    .set_item(Some(to_item(&key, &gk, 10)));
                put.send().await.expect("PutItem during backfill");
                changed.insert(key, gk);
            }
            changed
        }));
    }
    let active = wait_active(&srv.client, &t, "by_gk").await;
    for w in writers {
        model.extend(w.await?);
    }
    // A few more writes once ACTIVE: a delete and a key removal.
    srv.client
        .delete_item()
        .table_name(&t)
        .key("pk", s("k00001"))
        .send()
        .await?;
    model.remove("k00001");
    let strip = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("k00002"));
    strip.update_expression("REMOVE gk").send().await?;
    model.insert("k00002".into(), None);
    let want = expected(&model);
    assert!(active.item_count().is_some());
    let g = gsi(&srv.client, &t, "by_gk").await.expect("index");
    assert_eq!(g.item_count(), Some(want.len() as i64), "ItemCount");
    assert!(g.index_size_bytes() > Some(0));
    srv.shutdown().await;
    let (status, entries) = stored(dir.path(), &t, "by_gk");
    assert_eq!(status, "ACTIVE");
    assert_eq!(entries.len(), want.len());
    assert!(
        entries == want,
        "index entries differ from the table's items"
    );
    Ok(())
}

#[tokio::test]
async fn gsi_delete_turns_deleting_then_disappears_and_can_be_recreated() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("ix-delete");
    let gsi_on = |name: &str, a: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(hash_key(a))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .expect("GlobalSecondaryIndex")
    };
    srv.client
        .create_table()
        .table_name(&t)
        .key_schema(hash_key("pk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("gk", "S"))
        .attribute_definitions(attr("hk", "S"))
        .global_secondary_indexes(gsi_on("by_gk", "gk"))
        .global_secondary_indexes(gsi_on("by_hk", "hk"))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await?;
    wait_active(&srv.client, &t, "by_gk").await;
    for i in 0..40 {
        let it = item([("pk", s(&format!("k{i}"))), ("gk", s("g")), ("hk", s("h"))]);
        srv.client
            .put_item()
            .table_name(&t)
            .set_item(Some(it))
            .send()
            .await?;
    }
    let delete = DeleteGlobalSecondaryIndexAction::builder()
        .index_name("by_gk")
        .build()?;
    let out = srv
        .client
        .update_table()
        .table_name(&t)
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder().delete(delete).build(),
        )
        .send()
        .await?;
    let desc = out.table_description().expect("TableDescription");
    let status = |n: &str| {
        let g = desc
            .global_secondary_indexes()
            .iter()
            .find(|g| g.index_name() == Some(n));
        g.and_then(|g| g.index_status().cloned())
    };
    if !srv.is_external() {
        assert_eq!(status("by_gk"), Some(IndexStatus::Deleting));
        let defs: Vec<&str> = desc
            .attribute_definitions()
            .iter()
            .map(|a| a.attribute_name())
            .collect();
        assert!(
            !defs.contains(&"gk"),
            "attribute definitions keep only key attributes: {defs:?}"
        );
    }
    assert_eq!(status("by_hk"), Some(IndexStatus::Active));
    poll_until(Duration::from_secs(60), || async {
        let g = gsi(&srv.client, &t, "by_gk").await;
        if let Some(g) = &g {
            assert_eq!(g.index_status(), Some(&IndexStatus::Deleting));
        }
        g.is_none().then_some(())
    })
    .await?;
    let hk = gsi(&srv.client, &t, "by_hk").await.expect("by_hk stays");
    if !srv.is_external() {
        assert_eq!(hk.item_count(), Some(40));
    }
    // The name is free again: create it anew and wait for the backfill.
    create_index(&srv.client, &t, "by_gk").await?;
    let again = wait_active(&srv.client, &t, "by_gk").await;
    if !srv.is_external() {
        assert_eq!(again.item_count(), Some(40));
    }
    Ok(())
}

fn serve_args(dir: &Path) -> Vec<String> {
    let dir = dir.display().to_string();
    ["serve", "--data-dir", &dir, "--port", "0"]
        .map(String::from)
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_cut_by_kill_9_resumes_on_restart() -> TestResult {
    if external_endpoint().is_some() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let srv = BinaryServer::spawn(serve_args(dir.path()));
    let t = unique_name("ix-kill");
    create_hash_table(&srv.client, &t).await?;
    let model: Model = (0..6_000).map(seed).collect();
    load(&srv.client, &t, &model, 2000).await?;
    let want = expected(&model);
    // Kill the process in the middle of the backfill of ~12 MB of items (each page is
    // one batch and one fsync), after some pages are durable.
    let mut srv = Some(srv);
    let mut interrupted = false;
    for attempt in 0..3 {
        let live = srv.take().expect("server");
        let name = format!("by_gk{attempt}");
        create_index(&live.client, &t, &name).await?;
        // Wait for the first pages (a durable checkpoint), then kill at once.
        loop {
            let g = gsi(&live.client, &t, &name).await.expect("index described");
            if g.item_count() > Some(0) || g.index_status() == Some(&IndexStatus::Active) {
                break;
            }
        }
        live.kill9();
        let (status, partial) = stored(dir.path(), &t, &name);
        if status == "CREATING" && !partial.is_empty() && partial.len() < want.len() {
            interrupted = true;
            eprintln!(
                "kill -9 landed mid-backfill on attempt {attempt}: {} of {} entries",
                partial.len(),
                want.len()
            );
            // What survived the crash is a set of complete pages: all correct entries.
            assert!(
                partial.iter().all(|e| want.binary_search(e).is_ok()),
                "stray entry after crash"
            );
            let back = BinaryServer::spawn(serve_args(dir.path()));
            let g = gsi(&back.client, &t, &name)
                .await
                .expect("index survives the crash");
            assert_eq!(g.index_status(), Some(&IndexStatus::Creating));
            let active = wait_active(&back.client, &t, &name).await;
            assert_eq!(active.item_count(), Some(want.len() as i64));
            let status = back
                .terminate(Duration::from_secs(30))
                .expect("exit after SIGTERM");
            assert!(status.success());
            let (status, entries) = stored(dir.path(), &t, &name);
            assert_eq!(status, "ACTIVE");
            assert!(
                entries == want,
                "resumed index differs from the table's items"
            );
            break;
        }
        // The backfill won the race: try again with a fresh index.
        srv = Some(BinaryServer::spawn(serve_args(dir.path())));
    }
    assert!(interrupted, "kill -9 never landed during a backfill");
    Ok(())
}
