//! Durability of acknowledged writes across crashes (SIGKILL), graceful shutdown (SIGTERM)
//! and in-process restarts.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as AV;
use eddy_e2e::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn serve_args(dir: &std::path::Path) -> Vec<String> {
    vec![
        "serve".into(),
        "--data-dir".into(),
        dir.display().to_string(),
        "--port".into(),
        "0".into(),
    ]
}

/// A client that fails fast instead of retrying against a dead server.
fn no_retry(client: &Client) -> Client {
    let conf = client
        .config()
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// The item written for `key`: its value is derived from the key, so it can be checked.
fn value_for(key: &str) -> Item {
    item([
        ("pk", s(key)),
        ("v", s(&format!("value of {key}"))),
        ("n", n(&format!("{}.25", key.len()))),
        ("b", AV::B(Blob::new(key.as_bytes().to_vec()))),
        ("l", AV::L(vec![s(key), AV::Bool(true)])),
    ])
}

type Acked = Arc<Mutex<Vec<String>>>;

/// Writes `prefix-{task}-{i}` for i in 0..count, recording each acknowledged key; stops at
/// the first error (the server is gone).
async fn writer(client: Client, t: String, prefix: String, task: u32, count: u32, acked: Acked) {
    for i in 0..count {
        let key = format!("{prefix}-{task}-{i}");
        let res = client
            .put_item()
            .table_name(&t)
            .set_item(Some(value_for(&key)))
            .send()
            .await;
        match res {
            Ok(_) => acked.lock().unwrap().push(key),
            Err(_) => return,
        }
    }
}

async fn assert_all_present(client: &Client, t: &str, keys: &[String]) -> TestResult {
    for key in keys {
        let got = client
            .get_item()
            .table_name(t)
            .key("pk", s(key))
            .consistent_read(true)
            .send()
            .await?;
        assert_eq!(
            got.item(),
            Some(&value_for(key)),
            "acknowledged item {key} lost or changed"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() -> TestResult {
    let dir = tempfile::tempdir()?;
    let srv = BinaryServer::spawn(serve_args(dir.path()));
    let t = unique_name("du-kill");
    create_hash_table(&srv.client, &t).await?;
    let client = no_retry(&srv.client);

    // first batch: 500 items from 8 tasks, all must be acknowledged
    let acked: Acked = Arc::default();
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let count = if task < 4 { 63 } else { 62 };
            tokio::spawn(writer(
                client.clone(),
                t.clone(),
                "first".into(),
                task,
                count,
                acked.clone(),
            ))
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    assert_eq!(
        acked.lock().unwrap().len(),
        500,
        "first batch must all succeed"
    );

    // second batch: still writing when the process is killed
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            tokio::spawn(writer(
                client.clone(),
                t.clone(),
                "second".into(),
                task,
                100_000,
                acked.clone(),
            ))
        })
        .collect();
    poll_until(Duration::from_secs(60), || async {
        (acked.lock().unwrap().len() >= 600).then_some(())
    })
    .await?;
    let status = srv.kill9();
    assert!(!status.success());
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task).await??;
    }
    let keys = acked.lock().unwrap().clone();
    assert!(keys.len() >= 600);

    let srv = BinaryServer::spawn(serve_args(dir.path()));
    assert_all_present(&srv.client, &t, &keys).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_shuts_down_gracefully_and_keeps_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let srv = BinaryServer::spawn(serve_args(dir.path()));
    let t = unique_name("du-term");
    create_hash_table(&srv.client, &t).await?;
    let keys: Vec<String> = (0..100).map(|i| format!("term-{i}")).collect();
    for key in &keys {
        srv.client
            .put_item()
            .table_name(&t)
            .set_item(Some(value_for(key)))
            .send()
            .await?;
    }
    let output_before = srv.output();
    let status = srv.terminate(Duration::from_secs(30));
    let status = status.unwrap_or_else(|| {
        panic!("eddy did not exit within 30 s of SIGTERM; output:\n{output_before}")
    });
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );

    let srv = BinaryServer::spawn(serve_args(dir.path()));
    let tables = srv.client.list_tables().send().await?;
    assert!(tables.table_names().contains(&t));
    assert_all_present(&srv.client, &t, &keys).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fjall_restart_in_process_keeps_tables_and_items() -> TestResult {
    let dir = tempfile::tempdir()?;
    let t = unique_name("du-fjall");
    let keys: Vec<String> = (0..50).map(|i| format!("fj-{i}")).collect();
    {
        let srv = TestServer::start_fjall(dir.path()).await;
        create_hash_table(&srv.client, &t).await?;
        for key in &keys {
            srv.client
                .put_item()
                .table_name(&t)
                .set_item(Some(value_for(key)))
                .send()
                .await?;
        }
        srv.client
            .delete_item()
            .table_name(&t)
            .key("pk", s(&keys[0]))
            .send()
            .await?;
        srv.shutdown().await;
    }
    let srv = TestServer::start_fjall(dir.path()).await;
    let desc = srv.client.describe_table().table_name(&t).send().await?;
    assert_eq!(desc.table().and_then(|t| t.table_name()), Some(t.as_str()));
    assert_all_present(&srv.client, &t, &keys[1..]).await?;
    let gone = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s(&keys[0]))
        .send()
        .await?;
    assert_eq!(gone.item(), None, "a deleted item came back after restart");
    Ok(())
}
