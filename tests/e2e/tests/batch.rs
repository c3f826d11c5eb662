//! BatchWriteItem and BatchGetItem.

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use eddy_e2e::*;
use std::collections::HashMap;

fn put_req(it: Item) -> WriteRequest {
    WriteRequest::builder()
        .put_request(PutRequest::builder().set_item(Some(it)).build().unwrap())
        .build()
}

fn del_req(pk: &str) -> WriteRequest {
    WriteRequest::builder()
        .delete_request(DeleteRequest::builder().key("pk", s(pk)).build().unwrap())
        .build()
}

async fn table() -> (TestServer, String) {
    TestServer::with_hash_table("bt").await
}

async fn get(srv: &TestServer, t: &str, pk: &str) -> Option<Item> {
    srv.get_item(t, pk).await
}

#[tokio::test]
async fn batch_write_puts_and_deletes() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("old"))
        .send()
        .await?;
    let out = srv
        .client
        .batch_write_item()
        .request_items(
            &t,
            vec![
                put_req(item([("pk", s("b1")), ("v", n("1"))])),
                put_req(item([("pk", s("b2"))])),
                del_req("old"),
                del_req("never-existed"),
            ],
        )
        .send()
        .await?;
    let unprocessed = out.unprocessed_items().map(HashMap::len).unwrap_or(0);
    assert_eq!(unprocessed, 0, "UnprocessedItems: {out:?}");
    assert_eq!(
        get(&srv, &t, "b1").await,
        Some(item([("pk", s("b1")), ("v", n("1"))]))
    );
    assert_eq!(get(&srv, &t, "b2").await, Some(item([("pk", s("b2"))])));
    assert_eq!(get(&srv, &t, "old").await, None);
    Ok(())
}

#[tokio::test]
async fn batch_write_accepts_25_and_rejects_26_requests() -> TestResult {
    let (srv, t) = table().await;
    let reqs = |k: usize| {
        (0..k)
            .map(|i| put_req(item([("pk", s(&format!("k{i}")))])))
            .collect::<Vec<_>>()
    };
    let e = api_err(
        srv.client
            .batch_write_item()
            .request_items(&t, reqs(26))
            .send()
            .await,
    );
    e.assert_contains(
        "ValidationException",
        &[
            "Too many items requested for the BatchWriteItem call",
            "Member must have length less than or equal to 25",
        ],
    );
    assert_eq!(get(&srv, &t, "k0").await, None, "rejected batch wrote");
    srv.client
        .batch_write_item()
        .request_items(&t, reqs(25))
        .send()
        .await?;
    for i in 0..25 {
        assert!(get(&srv, &t, &format!("k{i}")).await.is_some(), "k{i}");
    }
    Ok(())
}

#[tokio::test]
async fn batch_write_with_duplicate_keys_is_rejected() -> TestResult {
    let (srv, t) = table().await;
    for pair in [
        vec![put_req(item([("pk", s("d"))])), del_req("d")],
        vec![
            put_req(item([("pk", s("d")), ("v", n("1"))])),
            put_req(item([("pk", s("d"))])),
        ],
    ] {
        let e = api_err(
            srv.client
                .batch_write_item()
                .request_items(&t, pair)
                .send()
                .await,
        );
        e.assert(
            "ValidationException",
            &["Provided list of item keys contains duplicates"],
        );
    }
    assert_eq!(get(&srv, &t, "d").await, None);
    Ok(())
}

#[tokio::test]
async fn batch_write_errors_for_empty_requests_and_missing_tables() -> TestResult {
    let (srv, t) = table().await;
    let e = api_err(
        srv.client
            .batch_write_item()
            .request_items(&t, vec![])
            .send()
            .await,
    );
    assert_eq!(e.code, "ValidationException");
    let e = api_err(
        srv.client
            .batch_write_item()
            .request_items(unique_name("bt-missing"), vec![del_req("x")])
            .send()
            .await,
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    Ok(())
}

#[tokio::test]
async fn batch_get_returns_found_items_with_projection() -> TestResult {
    let (srv, t) = table().await;
    for (pk, v) in [("g1", "1"), ("g2", "2")] {
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s(pk))
            .item("v", n(v))
            .item("extra", s("x"))
            .send()
            .await?;
    }
    let keys = KeysAndAttributes::builder()
        .keys(item([("pk", s("g1"))]))
        .keys(item([("pk", s("g2"))]))
        .keys(item([("pk", s("absent"))]))
        .projection_expression("pk, #v")
        .expression_attribute_names("#v", "v")
        .consistent_read(true)
        .build()?;
    let out = srv
        .client
        .batch_get_item()
        .request_items(&t, keys)
        .send()
        .await?;
    let mut got = out
        .responses()
        .and_then(|r| r.get(&t))
        .cloned()
        .expect("Responses for the table");
    got.sort_by(|a, b| get_s(a, "pk").cmp(&get_s(b, "pk")));
    assert_eq!(
        got,
        vec![
            item([("pk", s("g1")), ("v", n("1"))]),
            item([("pk", s("g2")), ("v", n("2"))]),
        ]
    );
    let unprocessed = out.unprocessed_keys().map(HashMap::len).unwrap_or(0);
    assert_eq!(unprocessed, 0);
    Ok(())
}

#[tokio::test]
async fn batch_get_accepts_100_keys_and_rejects_101_or_duplicates() -> TestResult {
    let (srv, t) = table().await;
    let mut reqs = Vec::new();
    for i in 0..100 {
        reqs.push(put_req(item([
            ("pk", s(&format!("k{i}"))),
            ("i", n(&i.to_string())),
        ])));
    }
    for chunk in reqs.chunks(25) {
        srv.client
            .batch_write_item()
            .request_items(&t, chunk.to_vec())
            .send()
            .await?;
    }
    let keys = |k: usize| {
        let mut b = KeysAndAttributes::builder();
        for i in 0..k {
            b = b.keys(item([("pk", s(&format!("k{i}")))]));
        }
        b.build().unwrap()
    };
    // with 100 keys DynamoDB may return part of them as UnprocessedKeys (16 MB limit);
    // these items are tiny so everything must come back
    let out = srv
        .client
        .batch_get_item()
        .request_items(&t, keys(100))
        .send()
        .await?;
    let got = out.responses().and_then(|r| r.get(&t)).expect("Responses");
    assert_eq!(got.len(), 100);
    let mut seen: Vec<i64> = got
        .iter()
        .map(|it| get_n(it, "i").unwrap().parse().unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, (0..100).collect::<Vec<i64>>());
    let e = api_err(
        srv.client
            .batch_get_item()
            .request_items(&t, keys(101))
            .send()
            .await,
    );
    e.assert_contains(
        "ValidationException",
        &[
            "Too many items requested for the BatchGetItem call",
            "Member must have length less than or equal to 100",
        ],
    );
    let dup = KeysAndAttributes::builder()
        .keys(item([("pk", s("k1"))]))
        .keys(item([("pk", s("k1"))]))
        .build()?;
    let e = api_err(
        srv.client
            .batch_get_item()
            .request_items(&t, dup)
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Provided list of item keys contains duplicates"],
    );
    Ok(())
}

#[tokio::test]
async fn one_invalid_request_rejects_the_whole_batch() -> TestResult {
    let (srv, t) = table().await;
    let e = api_err(
        srv.client
            .batch_write_item()
            .request_items(
                &t,
                vec![
                    put_req(item([("pk", s("ok"))])),
                    put_req(item([("pk", s(""))])),
                ],
            )
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"],
    );
    assert_eq!(get(&srv, &t, "ok").await, None, "valid half was written");
    Ok(())
}
