//! Iterator lifetimes: 15 minutes from issue, each NextShardIterator with its own.

use super::*;

#[tokio::test]
async fn an_iterator_lives_exactly_fifteen_minutes() {
    let (engine, clock) = engine().await;
    let arn = create_table(&engine, "it_life", "KEYS_ONLY", false).await;
    put(&engine, "it_life", kv("a", 1)).await;
    let shard = shard_id(&shards(&engine, &arn).await[0]);
    let it = iterator(&engine, &arn, &shard, "TRIM_HORIZON", None)
        .await
        .expect("iterator");

    clock.advance(14 * MINUTE_MS);
    let (records, next) = get_records(&engine, &it, None).await.expect("14 min old");
    assert_eq!(records.len(), 1);
    assert!(next.is_some(), "open shard: NextShardIterator present");
    // Reuse within the lifetime returns the same records.
    let (again, _) = get_records(&engine, &it, None).await.expect("reuse");
    assert_eq!(again, records);

    clock.advance(MINUTE_MS);
    get_records(&engine, &it, None)
        .await
        .expect("exactly 15 min old is still valid");

    clock.advance(1);
    let e = get_records(&engine, &it, None).await.map(|_| Value::Null);
    expect_err(e, "ExpiredIteratorException");
}

#[tokio::test]
async fn every_next_shard_iterator_gets_its_own_lifetime() {
    let (engine, clock) = engine().await;
    let arn = create_table(&engine, "it_next", "NEW_IMAGE", false).await;
    let shard = shard_id(&shards(&engine, &arn).await[0]);
    let first = iterator(&engine, &arn, &shard, "LATEST", None)
        .await
        .expect("iterator");

    // A chain of NextShardIterators, each used 10 minutes after it was issued: the chain
    // spans far more than 15 minutes, but no single iterator is older than 10.
    let mut it = first.clone();
    let mut seen = Vec::new();
    for i in 0..5u64 {
        put(&engine, "it_next", kv("k", i)).await;
        clock.advance(10 * MINUTE_MS);
        let (records, next) = get_records(&engine, &it, None).await.expect("chain");
        seen.extend(records.iter().filter_map(rec_v));
        it = next.expect("open shard");
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    let e = get_records(&engine, &first, None)
        .await
        .map(|_| Value::Null);
    expect_err(e, "ExpiredIteratorException");

    // The last NextShardIterator was issued now: valid for 15 more minutes, not 15:01.
    clock.advance(15 * MINUTE_MS);
    let (records, next) = get_records(&engine, &it, None).await.expect("at 15 min");
    assert!(records.is_empty());
    let fresh = next.expect("open shard");
    clock.advance(1);
    let e = get_records(&engine, &it, None).await.map(|_| Value::Null);
    expect_err(e, "ExpiredIteratorException");
    get_records(&engine, &fresh, None)
        .await
        .expect("the iterator returned a millisecond ago");
}
