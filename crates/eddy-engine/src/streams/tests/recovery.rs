//! The sequencer across restarts: numbers keep increasing over an engine reopen on the
//! same storage, also when every record has been trimmed or a stream has expired.

use super::*;

fn fjall(dir: &std::path::Path) -> Arc<dyn Storage> {
    let opts = eddy_storage_fjall::FjallOptions::default();
    Arc::new(eddy_storage_fjall::FjallStorage::open(dir, opts).expect("open fjall"))
}

/// Shuts `engine` down and opens a new one over the same fjall directory.
async fn restart(
    engine: Arc<Engine>,
    dir: &std::path::Path,
    config: EngineConfig,
    clock: &Arc<ManualClock>,
) -> Arc<Engine> {
    engine.shutdown().await.expect("shutdown");
    drop(engine);
    open_with(fjall(dir), config, clock.clone()).await
}

fn max_seq(records: &[Value]) -> u128 {
    records.iter().map(seq).max().expect("records")
}

#[tokio::test]
async fn numbers_keep_increasing_across_a_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new();
    let config = stream_config(24 * HOUR_MS, 4 * HOUR_MS, false);
    let engine = open_with(fjall(dir.path()), config.clone(), clock.clone()).await;
    let arn = create_table(&engine, "rec_a", "NEW_IMAGE", false).await;
    for i in 0..10 {
        put(&engine, "rec_a", kv(&format!("k{}", i % 3), i)).await;
    }
    let before = all_records(&engine, &arn).await;
    assert_eq!(before.len(), 10);
    let shard = shard_id(&shards(&engine, &arn).await[0]);
    let latest = iterator(&engine, &arn, &shard, "LATEST", None)
        .await
        .expect("LATEST");

    let engine = restart(engine, dir.path(), config.clone(), &clock).await;
    put(&engine, "rec_a", kv("after", 1)).await;
    let after = all_records(&engine, &arn).await;
    assert_eq!(after[..10], before[..], "the log survives the restart");
    assert_eq!(after.len(), 11);
    assert!(seq(&after[10]) > max_seq(&before));
    // An iterator from before the restart picks up exactly the new record.
    let (records, _) = get_records(&engine, &latest, None)
        .await
        .expect("GetRecords");
    assert_eq!(records, after[10..].to_vec());

    // A second restart with no writes in between changes nothing.
    let engine = restart(engine, dir.path(), config.clone(), &clock).await;
    put(&engine, "rec_a", kv("again", 1)).await;
    let again = all_records(&engine, &arn).await;
    assert_eq!(again.len(), 12);
    assert!(seq(&again[11]) > seq(&after[10]));
    engine.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn numbers_keep_increasing_after_every_record_was_trimmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new();
    let config = stream_config(HOUR_MS, 30 * MINUTE_MS, false);
    let engine = open_with(fjall(dir.path()), config.clone(), clock.clone()).await;
    let arn = create_table(&engine, "rec_t", "KEYS_ONLY", false).await;
    for i in 0..20 {
        put(&engine, "rec_t", kv(&format!("k{i}"), i)).await;
    }
    let before = all_records(&engine, &arn).await;
    let high = max_seq(&before);
    // Roll over twice and let retention pass: every record and the old shards go.
    for _ in 0..3 {
        clock.advance(30 * MINUTE_MS + 1);
        engine.stream_maintenance().await.expect("maintenance");
    }
    assert_eq!(stored_records(&engine), 0, "everything trimmed");
    assert!(all_records(&engine, &arn).await.is_empty());

    let engine = restart(engine, dir.path(), config.clone(), &clock).await;
    assert_eq!(stored_records(&engine), 0);
    put(&engine, "rec_t", kv("new", 0)).await;
    let after = all_records(&engine, &arn).await;
    assert_eq!(after.len(), 1);
    assert!(
        seq(&after[0]) > high,
        "{} must be above {high}",
        seq_str(&after[0])
    );
    engine.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn numbers_keep_increasing_after_the_newest_stream_expired() {
    // Memory storage, reopened without a shutdown (a crash).
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let clock = ManualClock::new();
    let config = stream_config(10 * MINUTE_MS, 24 * HOUR_MS, false);
    let engine = open_with(storage.clone(), config.clone(), clock.clone()).await;
    let kept = create_table(&engine, "rec_kept", "KEYS_ONLY", false).await;
    create_table(&engine, "rec_gone", "KEYS_ONLY", false).await;
    put(&engine, "rec_kept", kv("a", 0)).await;
    for i in 0..50 {
        put(&engine, "rec_gone", kv("b", i)).await;
    }
    let mut highest = 0;
    for arn in streams(&engine, "ListStreams", json!({}))
        .await
        .expect("ListStreams")["Streams"]
        .as_array()
        .expect("Streams")
    {
        let arn = arn["StreamArn"].as_str().expect("arn");
        highest = highest.max(max_seq(&all_records(&engine, arn).await));
    }
    ok(&engine, "DeleteTable", json!({"TableName": "rec_gone"})).await;
    clock.advance(10 * MINUTE_MS + 1);
    engine.stream_maintenance().await.expect("maintenance");
    let listed = streams(&engine, "ListStreams", json!({}))
        .await
        .expect("list");
    assert_eq!(listed["Streams"].as_array().expect("Streams").len(), 1);
    // A consumer of the surviving stream, caught up (its old record is trimmed).
    let shard = shard_id(&shards(&engine, &kept).await[0]);
    let it = iterator(&engine, &kept, &shard, "TRIM_HORIZON", None)
        .await
        .expect("iterator");
    let (records, held) = get_records(&engine, &it, None).await.expect("GetRecords");
    assert!(records.is_empty());
    let held = held.expect("open shard");

    drop(engine);
    let engine = open_with(storage, config, clock.clone()).await;
    put(&engine, "rec_kept", kv("a", 1)).await;
    let after = all_records(&engine, &kept).await;
    assert_eq!(after.len(), 1);
    let (records, _) = get_records(&engine, &held, None).await.expect("GetRecords");
    assert_eq!(
        records, after,
        "the caught-up consumer misses the new record"
    );
    assert!(
        seq(&after[0]) > highest,
        "sequence number {} handed out again (numbers up to {highest} were used before the restart)",
        seq_str(&after[0])
    );
}
