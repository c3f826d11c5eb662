//! A committed write is visible to GetRecords without waiting for a later write, also when
//! the client that sent it went away while its commit was in flight.

use super::*;
use futures::FutureExt;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_caller_hung_up_still_becomes_visible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = eddy_storage_fjall::FjallOptions::default();
    let storage: Arc<dyn Storage> =
        Arc::new(eddy_storage_fjall::FjallStorage::open(dir.path(), opts).expect("open fjall"));
    let clock = ManualClock::new();
    let config = stream_config(24 * HOUR_MS, 4 * HOUR_MS, false);
    let engine = open_with(storage, config, clock).await;
    let arn = create_table(&engine, "vis", "NEW_IMAGE", false).await;
    let shard = shard_id(&shards(&engine, &arn).await[0]);
    let it = iterator(&engine, &arn, &shard, "LATEST", None)
        .await
        .expect("LATEST");
    for i in 0..20u64 {
        // Poll the write once (it is then waiting for the group commit) and drop it, as
        // the HTTP layer does when a client disconnects.
        let body =
            serde_json::to_vec(&json!({"TableName": "vis", "Item": kv("k", i)})).expect("encode");
        let ctx = RequestContext::default();
        let _ = engine.dynamodb("PutItem", &body, &ctx).now_or_never();
    }
    // The applied writes show up without any further write, in order.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    let mut it = it;
    loop {
        let (records, next) = get_records(&engine, &it, None).await.expect("GetRecords");
        got.extend(records.iter().filter_map(rec_v));
        it = next.expect("open shard");
        let item = ok(
            &engine,
            "GetItem",
            json!({"TableName": "vis", "Key": {"pk": {"S": "k"}}, "ConsistentRead": true}),
        )
        .await;
        let stored: Option<u64> = item["Item"]["v"]["N"]
            .as_str()
            .map(|s| s.parse().expect("v"));
        if stored.is_some() && got.last().copied() == stored {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "item is at v={stored:?} but GetRecords only returned {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!got.is_empty());
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    engine.shutdown().await.expect("shutdown");
}
