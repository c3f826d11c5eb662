//! Retention: trimming records older than the retention period, TrimmedDataAccessException,
//! and the expiry of disabled streams.

use super::*;

const RETENTION: i64 = HOUR_MS;

async fn retained() -> (Arc<Engine>, Arc<ManualClock>) {
    engine_with(stream_config(RETENTION, 100 * HOUR_MS, false)).await
}

#[tokio::test]
async fn records_older_than_retention_are_trimmed() {
    let (engine, clock) = retained().await;
    let arn = create_table(&engine, "ret_trim", "NEW_IMAGE", false).await;
    for i in 0..5 {
        put(&engine, "ret_trim", kv("old", i)).await;
    }
    clock.advance(30 * MINUTE_MS);
    for i in 0..3 {
        put(&engine, "ret_trim", kv("young", i)).await;
    }
    let shard = shard_id(&shards(&engine, &arn).await[0]);
    let before = all_records(&engine, &arn).await;
    assert_eq!(before.len(), 8);
    // Not the first record: AT the shard's StartingSequenceNumber means TRIM_HORIZON.
    let old_second = seq_str(&before[1]);
    let old_last = seq_str(&before[4]);
    let young_first = seq_str(&before[5]);

    // A maintenance pass before anything is old enough trims nothing.
    engine.stream_maintenance().await.expect("maintenance");
    assert_eq!(stored_records(&engine), 8);

    // The old records are now 61 minutes old, the young ones 31.
    clock.advance(31 * MINUTE_MS);
    let held_at_start = iterator(&engine, &arn, &shard, "TRIM_HORIZON", None)
        .await
        .expect("TRIM_HORIZON");
    let held_at_last_old = iterator(&engine, &arn, &shard, "AT_SEQUENCE_NUMBER", Some(&old_last))
        .await
        .expect("AT old record");
    let held_at_young = iterator(
        &engine,
        &arn,
        &shard,
        "AT_SEQUENCE_NUMBER",
        Some(&young_first),
    )
    .await
    .expect("AT young record");
    engine.stream_maintenance().await.expect("maintenance");

    assert_eq!(
        stored_records(&engine),
        3,
        "the five old records are deleted"
    );
    let after = all_records(&engine, &arn).await;
    assert_eq!(
        after,
        before[5..].to_vec(),
        "TRIM_HORIZON starts after them"
    );
    // AT a trimmed record, or AFTER one whose successor is trimmed too.
    for (ty, s) in [
        ("AT_SEQUENCE_NUMBER", &old_second),
        ("AT_SEQUENCE_NUMBER", &old_last),
        ("AFTER_SEQUENCE_NUMBER", &old_second),
    ] {
        let e = iterator(&engine, &arn, &shard, ty, Some(s)).await;
        expect_err(e.map(Value::String), "TrimmedDataAccessException");
    }
    for held in [&held_at_start, &held_at_last_old] {
        let e = get_records(&engine, held, None).await.map(|_| Value::Null);
        expect_err(e, "TrimmedDataAccessException");
    }
    let (records, _) = get_records(&engine, &held_at_young, None)
        .await
        .expect("an iterator past the trim point keeps working");
    assert_eq!(records, before[5..].to_vec());

    // The young ones go too once they are old; new writes continue above them.
    clock.advance(31 * MINUTE_MS);
    engine.stream_maintenance().await.expect("maintenance");
    assert_eq!(stored_records(&engine), 0);
    assert!(all_records(&engine, &arn).await.is_empty());
    let e = iterator(
        &engine,
        &arn,
        &shard,
        "AT_SEQUENCE_NUMBER",
        Some(&young_first),
    )
    .await
    .map(Value::String);
    expect_err(e, "TrimmedDataAccessException");
    put(&engine, "ret_trim", kv("new", 1)).await;
    let now = all_records(&engine, &arn).await;
    assert_eq!(now.len(), 1);
    assert!(seq(&now[0]) > seq(&before[7]));
}

#[tokio::test]
async fn trimming_pages_through_a_long_log() {
    let (engine, clock) = retained().await;
    let arn = create_table(&engine, "ret_long", "KEYS_ONLY", false).await;
    // More than two delete pages of old records, interleaved keys.
    for i in 0..1200u64 {
        put(&engine, "ret_long", kv(&format!("k{}", i % 13), i)).await;
    }
    clock.advance(RETENTION / 2);
    put(&engine, "ret_long", kv("young", 0)).await;
    clock.advance(RETENTION / 2 + 1);
    engine.stream_maintenance().await.expect("maintenance");
    assert_eq!(stored_records(&engine), 1);
    let records = all_records(&engine, &arn).await;
    assert_eq!(records.len(), 1);
    assert_eq!(rec_pk(&records[0]), "young");
}

#[tokio::test]
async fn a_disabled_stream_expires_after_retention() {
    let (engine, clock) = retained().await;
    let old_arn = create_table(&engine, "ret_dis", "NEW_AND_OLD_IMAGES", false).await;
    let other_arn = create_table(&engine, "ret_keep", "KEYS_ONLY", false).await;
    put(&engine, "ret_dis", kv("a", 1)).await;
    clock.advance(10 * MINUTE_MS);
    ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "ret_dis", "StreamSpecification": {"StreamEnabled": false}}),
    )
    .await;
    let listed = |v: &Value, arn: &str| {
        v["Streams"]
            .as_array()
            .expect("Streams")
            .iter()
            .any(|s| s["StreamArn"] == json!(arn))
    };
    let list = streams(&engine, "ListStreams", json!({}))
        .await
        .expect("list");
    assert!(listed(&list, &old_arn), "a disabled stream stays listed");
    let d = streams(&engine, "DescribeStream", json!({"StreamArn": old_arn}))
        .await
        .expect("describe");
    assert_eq!(d["StreamDescription"]["StreamStatus"], json!("DISABLED"));
    assert_eq!(all_records(&engine, &old_arn).await.len(), 1);

    // Retention counts from the disable: 59 minutes later it is still there.
    clock.advance(59 * MINUTE_MS);
    engine.stream_maintenance().await.expect("maintenance");
    let list = streams(&engine, "ListStreams", json!({}))
        .await
        .expect("list");
    assert!(listed(&list, &old_arn));

    clock.advance(2 * MINUTE_MS);
    engine.stream_maintenance().await.expect("maintenance");
    let list = streams(&engine, "ListStreams", json!({}))
        .await
        .expect("list");
    assert!(
        !listed(&list, &old_arn),
        "expired stream still listed: {list}"
    );
    assert!(listed(&list, &other_arn), "the enabled stream stays");
    let by_table = streams(&engine, "ListStreams", json!({"TableName": "ret_dis"}))
        .await
        .expect("list");
    assert_eq!(by_table["Streams"], json!([]));
    let e = streams(&engine, "DescribeStream", json!({"StreamArn": old_arn})).await;
    expect_err(e, "ResourceNotFoundException");
    assert_eq!(stored_records(&engine), 0, "its records are deleted");
}

#[tokio::test]
async fn a_deleted_tables_stream_expires_after_retention() {
    let (engine, clock) = retained().await;
    let arn = create_table(&engine, "ret_del", "KEYS_ONLY", false).await;
    put(&engine, "ret_del", kv("a", 1)).await;
    ok(&engine, "DeleteTable", json!({"TableName": "ret_del"})).await;
    let shard = shard_id(&shards(&engine, &arn).await[0]);
    let it = iterator(&engine, &arn, &shard, "TRIM_HORIZON", None)
        .await
        .expect("readable after DeleteTable");
    let (records, ended) = drain(&engine, it, None).await;
    assert_eq!(records.len(), 1);
    assert!(ended, "the shard of a deleted table is closed");
    clock.advance(RETENTION + 1);
    engine.stream_maintenance().await.expect("maintenance");
    let list = streams(&engine, "ListStreams", json!({}))
        .await
        .expect("list");
    assert_eq!(list["Streams"], json!([]));
}
