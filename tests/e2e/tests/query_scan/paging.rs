//! Paging: 1 MB pages (counted on the items read, before the filter), `Limit` (items
//! evaluated, before the filter), `ExclusiveStartKey` loops, and parallel scan segments.

use super::{col, put_all};
use aws_sdk_dynamodb::types::{AttributeValue as AV, ReturnConsumedCapacity as Rcc, Select};
use eddy_e2e::*;
use std::collections::{BTreeSet, HashMap};

/// Bytes of the `d` attribute: with the key and names an item is just under 390 KiB, so
/// three items cross 1 MiB.
const BIG: usize = 390 * 1024;

async fn big_table(srv: &TestServer, count: usize) -> Result<String, BoxError> {
    let t = unique_name("qsp");
    create_hash_range_table(&srv.client, &t).await?;
    for i in 0..count {
        let d = "x".repeat(BIG);
        let it = item([("pk", s("big")), ("sk", n(&i.to_string())), ("d", AV::S(d))]);
        srv.client
            .put_item()
            .table_name(&t)
            .set_item(Some(it))
            .send()
            .await?;
    }
    Ok(t)
}

#[tokio::test]
async fn query_and_scan_pages_stop_at_one_megabyte() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = big_table(&srv, 10).await?;
    for forward in [true, false] {
        let mut start: Option<HashMap<String, AV>> = None;
        let (mut pages, mut keys) = (Vec::new(), Vec::new());
        loop {
            let out = srv
                .client
                .query()
                .table_name(&t)
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s("big"))
                .projection_expression("sk")
                .scan_index_forward(forward)
                .consistent_read(true)
                .return_consumed_capacity(Rcc::Total)
                .set_exclusive_start_key(start.take())
                .send()
                .await?;
            pages.push(out.count());
            keys.extend(col(out.items(), "sk"));
            let units = out
                .consumed_capacity()
                .and_then(|c| c.capacity_units())
                .unwrap_or_default();
            // 1 unit per 4 KiB of the whole items read (not of the projected output).
            assert!(
                units >= (out.count() as usize * BIG / 4096) as f64,
                "units {units}"
            );
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        assert_eq!(pages, [3, 3, 3, 1], "forward {forward}");
        let mut want: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        if !forward {
            want.reverse();
        }
        assert_eq!(keys, want);
    }
    // The limit counts items read before the filter: a filter matching nothing still
    // ends the page after three big items.
    let out = srv
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("pk = :p")
        .filter_expression("d = :none")
        .expression_attribute_values(":p", s("big"))
        .expression_attribute_values(":none", s("nothing"))
        .send()
        .await?;
    assert_eq!((out.count(), out.scanned_count()), (0, 3));
    assert!(out.last_evaluated_key().is_some());
    let scan = srv
        .client
        .scan()
        .table_name(&t)
        .select(Select::Count)
        .send()
        .await?;
    assert_eq!(scan.scanned_count(), 3);
    let scan = srv
        .client
        .scan()
        .table_name(&t)
        .select(Select::Count)
        .set_exclusive_start_key(scan.last_evaluated_key)
        .send()
        .await?;
    assert_eq!(scan.scanned_count(), 3);
    Ok(())
}

#[tokio::test]
async fn limit_counts_items_read_before_the_filter() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("qsl");
    create_hash_range_table(&srv.client, &t).await?;
    let items = (0..20)
        .map(|i| {
            item([
                ("pk", s("l")),
                ("sk", n(&i.to_string())),
                ("m", n(&(i % 3).to_string())),
            ])
        })
        .collect();
    put_all(&srv.client, &t, items).await?;
    let page = |start: Option<HashMap<String, AV>>, limit: i32| {
        srv.client
            .query()
            .table_name(&t)
            .key_condition_expression("pk = :p")
            .filter_expression("m = :zero")
            .expression_attribute_values(":p", s("l"))
            .expression_attribute_values(":zero", n("0"))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
    };
    let first = page(None, 5).await?;
    assert_eq!((first.count(), first.scanned_count()), (2, 5));
    assert_eq!(col(first.items(), "sk"), ["0", "3"]);
    assert_eq!(
        first.last_evaluated_key().and_then(|k| k.get("sk")),
        Some(&n("4"))
    );
    let (mut start, mut matched, mut pages) = (None, Vec::new(), 0);
    loop {
        let out = page(start.take(), 5).await?;
        pages += 1;
        matched.extend(col(out.items(), "sk"));
        match out.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    // 20 items, 5 per page: the 4th page reaches the limit on the last item and still
    // carries a LastEvaluatedKey; the 5th is empty.
    assert_eq!(pages, 5);
    assert_eq!(matched, ["0", "3", "6", "9", "12", "15", "18"]);
    let out = page(None, 25).await?;
    assert_eq!((out.count(), out.scanned_count()), (7, 20));
    assert!(out.last_evaluated_key().is_none());
    let scan = srv
        .client
        .scan()
        .table_name(&t)
        .limit(7)
        .select(Select::Count)
        .send()
        .await?;
    assert_eq!(scan.scanned_count(), 7);
    assert!(scan.last_evaluated_key().is_some());
    Ok(())
}

/// Scans one segment to the end in pages of `limit` items; returns the `pk#sk` keys.
async fn scan_segment(
    srv: &TestServer,
    t: &str,
    segment: i32,
    total: i32,
    limit: i32,
) -> Result<Vec<String>, BoxError> {
    let (mut start, mut keys) = (None, Vec::new());
    loop {
        let out = srv
            .client
            .scan()
            .table_name(t)
            .segment(segment)
            .total_segments(total)
            .limit(limit)
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        for i in out.items() {
            keys.push(format!(
                "{}#{}",
                get_s(i, "pk").unwrap_or_default(),
                get_n(i, "sk").unwrap_or_default()
            ));
        }
        match out.last_evaluated_key {
            Some(k) => start = Some(k),
            None => return Ok(keys),
        }
    }
}

#[tokio::test]
async fn parallel_scan_returns_every_item_exactly_once() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("qss");
    create_hash_range_table(&srv.client, &t).await?;
    let items: Vec<Item> = (0..1000)
        .map(|i| {
            item([
                ("pk", s(&format!("p{}", i / 5))),
                ("sk", n(&(i % 5).to_string())),
            ])
        })
        .collect();
    let all: BTreeSet<String> = items
        .iter()
        .map(|i| {
            format!(
                "{}#{}",
                get_s(i, "pk").unwrap_or_default(),
                get_n(i, "sk").unwrap_or_default()
            )
        })
        .collect();
    put_all(&srv.client, &t, items).await?;
    let mut seen = Vec::new();
    for segment in 0..4 {
        let keys = scan_segment(&srv, &t, segment, 4, 37).await?;
        assert!(
            keys.len() > 100,
            "segment {segment} holds {} items",
            keys.len()
        );
        seen.extend(keys);
    }
    assert_eq!(seen.len(), 1000, "every item once");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), all);
    assert_eq!(scan_segment(&srv, &t, 0, 1, 1000).await?.len(), 1000);
    // A start key from another segment is refused.
    let other = srv
        .client
        .scan()
        .table_name(&t)
        .segment(1)
        .total_segments(4)
        .limit(1)
        .send()
        .await?;
    let e = api_err(
        srv.client
            .scan()
            .table_name(&t)
            .segment(2)
            .total_segments(4)
            .set_exclusive_start_key(other.last_evaluated_key)
            .send()
            .await,
    );
    e.assert("ValidationException", &["The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 2"]);
    Ok(())
}

#[tokio::test]
async fn a_large_scan_streams_in_pages() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("qsx");
    create_hash_table(&srv.client, &t).await?;
    let pad = "y".repeat(1000);
    let items = (0..3000)
        .map(|i| item([("pk", s(&format!("k{i}"))), ("pad", s(&pad))]))
        .collect();
    put_all(&srv.client, &t, items).await?;
    let (mut start, mut seen, mut pages) = (None, BTreeSet::new(), Vec::new());
    loop {
        let out = srv
            .client
            .scan()
            .table_name(&t)
            .projection_expression("pk")
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        pages.push(out.scanned_count());
        for i in out.items() {
            assert!(
                seen.insert(get_s(i, "pk").unwrap_or_default().to_string()),
                "duplicate"
            );
        }
        match out.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3000);
    // About 1,040 items of ~1,008 bytes fill 1 MiB.
    assert_eq!(pages.len(), 3, "pages {pages:?}");
    assert!(pages[0] > 1000 && pages[0] < 1100, "pages {pages:?}");
    Ok(())
}
