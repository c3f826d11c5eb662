//! THE ordering invariant: with many concurrent writers, a reader tailing the stream by
//! following NextShardIterator (and shard lineage, while shards roll over under it) ends
//! up with every record exactly once, in increasing sequence order, per item in write
//! order. Run over the memory backend (synchronous commits) and fjall (asynchronous group
//! commits on a committer thread).

use super::*;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

const WRITERS: u64 = 8;
const PER_WRITER: u64 = 200;
const TABLE: &str = "order";

/// Writer `w`'s `i`-th write: alternately its own keys and keys every writer shares.
/// `ADD c :one` numbers each item's modifications, so `c` in a record's NewImage is the
/// item's write order.
/// With `check_visible`, each write is also looked for right after its acknowledgement,
/// from a LATEST iterator taken just before it: a committed write is visible at once.
async fn writer(
    engine: Arc<Engine>,
    w: u64,
    acked: Arc<Mutex<Vec<(String, u64)>>>,
    check_visible: Option<(String, String)>,
) {
    for i in 0..PER_WRITER {
        let before = match &check_visible {
            Some((arn, shard)) => Some(
                iterator(&engine, arn, shard, "LATEST", None)
                    .await
                    .expect("LATEST"),
            ),
            None => None,
        };
        let pk = if i % 2 == 0 {
            format!("own-{w}-{}", i % 3)
        } else {
            format!("shared-{}", i % 4)
        };
        let out = ok(
            &engine,
            "UpdateItem",
            json!({
                "TableName": TABLE,
                "Key": {"pk": {"S": pk}},
                "UpdateExpression": "SET w = :w, i = :i ADD c :one",
                "ExpressionAttributeValues": {
                    ":w": {"N": w.to_string()}, ":i": {"N": i.to_string()}, ":one": {"N": "1"}},
                "ReturnValues": "UPDATED_NEW",
            }),
        )
        .await;
        let c: u64 = out["Attributes"]["c"]["N"]
            .as_str()
            .expect("c")
            .parse()
            .expect("number");
        if let Some(it) = before {
            let (records, _) = drain(&engine, it, None).await;
            assert!(
                records.iter().any(|r| rec_c(r) == (pk.clone(), c)),
                "acknowledged write {pk} #{c} not visible to GetRecords"
            );
        }
        acked.lock().unwrap().push((pk, c));
    }
}

fn rec_c(r: &Value) -> (String, u64) {
    let c = r["dynamodb"]["NewImage"]["c"]["N"]
        .as_str()
        .expect("NewImage.c")
        .parse()
        .expect("number");
    (rec_pk(r), c)
}

/// The child of `shard`, once it exists.
async fn child_of(engine: &Engine, arn: &str, shard: &str) -> String {
    let body = json!({"StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": shard}});
    let d = streams(engine, "DescribeStream", body)
        .await
        .expect("CHILD_SHARDS");
    let children = d["StreamDescription"]["Shards"].as_array().expect("Shards");
    assert_eq!(children.len(), 1, "one child per rollover: {children:?}");
    shard_id(&children[0])
}

/// Runs the writers and a tailing reader; with `roll`, a third task rolls the shard over
/// (moving the clock one minute at a time, never further than the reader has kept up).
async fn tail_while_writing(storage: Arc<dyn Storage>, roll: bool) {
    let clock = ManualClock::new();
    let config = stream_config(24 * HOUR_MS, MINUTE_MS, false);
    let engine = open_with(storage, config, clock.clone()).await;
    let arn = create_table(&engine, TABLE, "NEW_IMAGE", false).await;
    let expected = (WRITERS * PER_WRITER) as usize;
    let acked: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let reader_calls = Arc::new(AtomicU64::new(0));

    let first = shard_id(&shards(&engine, &arn).await[0]);
    let check_visible = (!roll).then(|| (arn.clone(), first.clone()));
    let reader = {
        let (engine, arn, calls) = (engine.clone(), arn.clone(), reader_calls.clone());
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut shard = first;
            let mut it = iterator(&engine, &arn, &shard, "TRIM_HORIZON", None)
                .await
                .expect("iterator");
            let mut got: Vec<Value> = Vec::new();
            let mut shards_read = 1;
            while got.len() < expected {
                assert!(Instant::now() < deadline, "reader stuck at {}", got.len());
                let (records, next) = get_records(&engine, &it, Some(37))
                    .await
                    .expect("GetRecords");
                calls.fetch_add(1, Ordering::SeqCst);
                let empty = records.is_empty();
                got.extend(records);
                assert!(got.len() <= expected, "more records than writes");
                match next {
                    Some(n) => it = n,
                    None => {
                        shard = child_of(&engine, &arn, &shard).await;
                        shards_read += 1;
                        it = iterator(&engine, &arn, &shard, "TRIM_HORIZON", None)
                            .await
                            .expect("child iterator");
                    }
                }
                if empty {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            // Nothing more arrives once every write has been read.
            let (records, _) = get_records(&engine, &it, None).await.expect("GetRecords");
            assert_eq!(records, Vec::<Value>::new(), "records beyond the writes");
            (got, shards_read)
        })
    };

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let check = check_visible.clone();
            tokio::spawn(writer(engine.clone(), w, acked.clone(), check))
        })
        .collect();

    let mut rollovers = 0;
    if roll {
        let mut last_calls = 0;
        let mut last_acked = 0;
        while writers.iter().any(|w| !w.is_finished()) && rollovers < 12 {
            let n = acked.lock().unwrap().len();
            let calls = reader_calls.load(Ordering::SeqCst);
            if n >= last_acked + 100 && calls > last_calls {
                clock.advance(MINUTE_MS);
                engine.stream_maintenance().await.expect("maintenance");
                rollovers += 1;
                (last_calls, last_acked) = (calls, n);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    for w in writers {
        w.await.expect("writer");
    }
    let (got, shards_read) = reader.await.expect("reader");

    // Exactly the acknowledged writes, once each.
    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked.len(), expected);
    let mut want: Vec<(String, u64)> = acked;
    want.sort();
    let mut have: Vec<(String, u64)> = got.iter().map(rec_c).collect();
    have.sort();
    assert_eq!(
        have, want,
        "every acknowledged write has exactly one record"
    );
    // In increasing sequence order, and per item in write order.
    assert_increasing(&got);
    let mut next_c: HashMap<String, u64> = HashMap::new();
    for r in &got {
        let (pk, c) = rec_c(r);
        let want = next_c.entry(pk.clone()).or_insert(1);
        assert_eq!(c, *want, "per-item order of {pk}");
        *want += 1;
    }
    if roll {
        assert!(rollovers > 0, "no rollover happened during the load");
    }
    // (The background worker may roll over too, so count the shards themselves.)
    let total_shards = shards(&engine, &arn).await.len();
    assert_eq!(shards_read, total_shards, "the reader followed every shard");
    // A consumer starting afterwards from TRIM_HORIZON sees the same log.
    assert_eq!(read_lineage(&engine, &arn).await, got);
    engine.shutdown().await.expect("shutdown");
}

fn fjall(dir: &std::path::Path) -> Arc<dyn Storage> {
    let opts = eddy_storage_fjall::FjallOptions::default();
    Arc::new(eddy_storage_fjall::FjallStorage::open(dir, opts).expect("open fjall"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tailing_reader_sees_every_write_once_in_order_memory() {
    tail_while_writing(Arc::new(MemoryStorage::new()), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tailing_reader_sees_every_write_once_in_order_fjall() {
    let dir = tempfile::tempdir().expect("tempdir");
    tail_while_writing(fjall(dir.path()), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tailing_reader_follows_lineage_across_rollovers_memory() {
    tail_while_writing(Arc::new(MemoryStorage::new()), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tailing_reader_follows_lineage_across_rollovers_fjall() {
    let dir = tempfile::tempdir().expect("tempdir");
    tail_while_writing(fjall(dir.path()), true).await;
}
