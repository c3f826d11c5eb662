//! Shard rollover: closed parents, children with ParentShardId, and a lineage-following
//! consumer that sees every record once in per-item order.

use super::*;
use std::collections::HashMap;

const ROLLOVER: i64 = HOUR_MS;

async fn rolling() -> (Arc<Engine>, Arc<ManualClock>) {
    engine_with(stream_config(24 * HOUR_MS, ROLLOVER, false)).await
}

/// Writes `n` updates spread over five keys, continuing each key's version counter.
async fn write_round(engine: &Engine, table: &str, versions: &mut HashMap<String, u64>, n: u64) {
    for i in 0..n {
        let pk = format!("k{}", i % 5);
        let v = versions.entry(pk.clone()).or_insert(0);
        put(engine, table, kv(&pk, *v)).await;
        *v += 1;
    }
}

fn range_of(shard: &Value) -> (u128, Option<u128>) {
    let r = &shard["SequenceNumberRange"];
    let num = |k: &str| {
        r.get(k).map(|v| {
            let s = v.as_str().expect("sequence number string");
            assert!((21..=40).contains(&s.len()), "{s}");
            s.parse::<u128>().expect("digits")
        })
    };
    (
        num("StartingSequenceNumber").expect("start"),
        num("EndingSequenceNumber"),
    )
}

#[tokio::test]
async fn rollover_closes_the_shard_and_lineage_keeps_per_item_order() {
    let (engine, clock) = rolling().await;
    let arn = create_table(&engine, "roll", "NEW_AND_OLD_IMAGES", false).await;
    let mut versions = HashMap::new();
    write_round(&engine, "roll", &mut versions, 20).await;

    // Not yet due: nothing happens.
    clock.advance(ROLLOVER - 1);
    engine.stream_maintenance().await.expect("maintenance");
    assert_eq!(shards(&engine, &arn).await.len(), 1);

    // A reader halfway through the first shard when it closes.
    let first = shard_id(&shards(&engine, &arn).await[0]);
    let it = iterator(&engine, &arn, &first, "TRIM_HORIZON", None)
        .await
        .expect("iterator");
    let (head, it) = get_records(&engine, &it, Some(8))
        .await
        .expect("first page");
    let it = it.expect("open shard");
    assert_eq!(head.len(), 8);

    clock.advance(1);
    engine.stream_maintenance().await.expect("maintenance");
    let after_first = shards(&engine, &arn).await;
    assert_eq!(after_first.len(), 2, "{after_first:?}");
    let (_, end0) = range_of(&after_first[0]);
    assert!(end0.is_some(), "the old shard gets EndingSequenceNumber");
    assert_eq!(after_first[1]["ParentShardId"], json!(first));
    assert!(range_of(&after_first[1]).1.is_none(), "the child is open");

    // The held iterator finishes the closed shard and then ends.
    let (rest, ended) = drain(&engine, it, Some(5)).await;
    assert!(
        ended,
        "NextShardIterator absent once the closed shard is read"
    );
    assert_eq!(head.len() + rest.len(), 20);
    // LATEST / AFTER the last record on a closed shard: empty, and the end.
    let last = seq_str(rest.last().expect("records"));
    for (ty, s) in [
        ("LATEST", None),
        ("AFTER_SEQUENCE_NUMBER", Some(last.as_str())),
    ] {
        let it = iterator(&engine, &arn, &first, ty, s).await.expect(ty);
        let (records, next) = get_records(&engine, &it, None).await.expect("GetRecords");
        assert!(records.is_empty(), "{ty}: {records:?}");
        assert!(
            next.is_none(),
            "{ty} on a closed, read shard: no NextShardIterator"
        );
    }

    // More rounds: a shard with records, an empty shard, another with records.
    write_round(&engine, "roll", &mut versions, 17).await;
    clock.advance(ROLLOVER);
    engine.stream_maintenance().await.expect("maintenance");
    clock.advance(ROLLOVER);
    engine.stream_maintenance().await.expect("maintenance");
    write_round(&engine, "roll", &mut versions, 11).await;
    clock.advance(ROLLOVER);
    engine.stream_maintenance().await.expect("maintenance");
    write_round(&engine, "roll", &mut versions, 9).await;

    let all = shards(&engine, &arn).await;
    assert_eq!(all.len(), 5, "{all:?}");
    for (i, s) in all.iter().enumerate() {
        let (start, end) = range_of(s);
        assert_eq!(end.is_none(), i == all.len() - 1, "only the newest is open");
        if let Some(end) = end {
            assert!(end >= start);
        }
        if i > 0 {
            assert_eq!(s["ParentShardId"], all[i - 1]["ShardId"], "lineage");
            let (_, parent_end) = range_of(&all[i - 1]);
            assert!(start > parent_end.expect("parent closed"));
        } else {
            assert!(s.get("ParentShardId").is_none());
        }
    }
    let children = streams(
        &engine,
        "DescribeStream",
        json!({"StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": first}}),
    )
    .await
    .expect("CHILD_SHARDS");
    let children = children["StreamDescription"]["Shards"].clone();
    assert_eq!(children, json!([all[1].clone()]));

    let records = read_lineage(&engine, &arn).await;
    let total: u64 = versions.values().sum();
    assert_eq!(records.len() as u64, total, "every record exactly once");
    assert_increasing(&records);
    let ids: HashSet<&str> = records
        .iter()
        .map(|r| r["eventID"].as_str().expect("eventID"))
        .collect();
    assert_eq!(ids.len(), records.len(), "eventIDs are unique");
    let mut next_v: HashMap<String, u64> = HashMap::new();
    for r in &records {
        let pk = rec_pk(r);
        let want = next_v.entry(pk.clone()).or_insert(0);
        assert_eq!(rec_v(r), Some(*want), "per-item order of {pk}");
        let name = if *want == 0 { "INSERT" } else { "MODIFY" };
        assert_eq!(r["eventName"], json!(name));
        *want += 1;
    }
    // Each record lies inside its shard's range.
    for s in &all {
        let (start, end) = range_of(s);
        let it = iterator(&engine, &arn, &shard_id(s), "TRIM_HORIZON", None)
            .await
            .expect("iterator");
        let (records, _) = drain(&engine, it, None).await;
        for r in &records {
            assert!(seq(r) >= start && end.is_none_or(|e| seq(r) <= e));
        }
    }
}

#[tokio::test]
async fn a_disabled_stream_has_every_shard_closed_and_readers_reach_the_end() {
    let (engine, clock) = rolling().await;
    let arn = create_table(&engine, "roll_dis", "KEYS_ONLY", false).await;
    put(&engine, "roll_dis", kv("a", 0)).await;
    clock.advance(ROLLOVER);
    engine.stream_maintenance().await.expect("maintenance");
    put(&engine, "roll_dis", kv("a", 1)).await;
    let open = shard_id(&shards(&engine, &arn).await[1]);
    let held = iterator(&engine, &arn, &open, "TRIM_HORIZON", None)
        .await
        .expect("iterator");
    ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "roll_dis", "StreamSpecification": {"StreamEnabled": false}}),
    )
    .await;
    put(&engine, "roll_dis", kv("a", 2)).await;
    for s in shards(&engine, &arn).await {
        assert!(range_of(&s).1.is_some(), "closed: {s}");
    }
    let (records, ended) = drain(&engine, held, None).await;
    assert!(ended, "an iterator from before the disable reaches the end");
    assert_eq!(
        records.len(),
        1,
        "the write after the disable has no record"
    );
    assert_eq!(read_lineage(&engine, &arn).await.len(), 2);
}
