//! TransactWriteItems and TransactGetItems: all-or-nothing writes, cancellation reasons,
//! ClientRequestToken idempotency (also across a restart), limits, and concurrent
//! transactions on one item (each commits whole or is cancelled with TransactionConflict).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ConditionCheck, Delete, Get, Put, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, TransactGetItem, TransactWriteItem, Update,
};
use eddy_e2e::*;

fn put(t: &str, it: Item) -> TransactWriteItem {
    let p = Put::builder()
        .table_name(t)
        .set_item(Some(it))
        .build()
        .unwrap();
    TransactWriteItem::builder().put(p).build()
}

fn add(t: &str, pk: &str, by: &str) -> TransactWriteItem {
    let u = Update::builder()
        .table_name(t)
        .key("pk", s(pk))
        .update_expression("ADD n :by")
        .expression_attribute_values(":by", n(by))
        .build()
        .unwrap();
    TransactWriteItem::builder().update(u).build()
}

fn delete(t: &str, pk: &str) -> TransactWriteItem {
    let d = Delete::builder()
        .table_name(t)
        .key("pk", s(pk))
        .build()
        .unwrap();
    TransactWriteItem::builder().delete(d).build()
}

fn check(t: &str, pk: &str, cond: &str, all_old: bool) -> TransactWriteItem {
    let mut c = ConditionCheck::builder()
        .table_name(t)
        .key("pk", s(pk))
        .condition_expression(cond);
    if all_old {
        c = c.return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    }
    TransactWriteItem::builder()
        .condition_check(c.build().unwrap())
        .build()
}

fn get_action(t: &str, pk: &str, projection: Option<&str>) -> TransactGetItem {
    let g = Get::builder()
        .table_name(t)
        .key("pk", s(pk))
        .set_projection_expression(projection.map(String::from));
    TransactGetItem::builder().get(g.build().unwrap()).build()
}

async fn table() -> (TestServer, String) {
    TestServer::with_hash_table("tx").await
}

async fn get(srv: &TestServer, t: &str, pk: &str) -> Option<Item> {
    let out = srv
        .client
        .get_item()
        .table_name(t)
        .key("pk", s(pk))
        .consistent_read(true)
        .send()
        .await;
    out.expect("GetItem").item
}

async fn put_item(srv: &TestServer, t: &str, it: Item) {
    srv.client
        .put_item()
        .table_name(t)
        .set_item(Some(it))
        .send()
        .await
        .expect("PutItem");
}

/// The cancellation reasons of a cancelled TransactWriteItems (panics on anything else).
fn reasons<T: std::fmt::Debug, R: std::fmt::Debug + Send + Sync + 'static>(
    res: Result<T, SdkError<TransactWriteItemsError, R>>,
) -> (String, Vec<CancellationReason>) {
    match res.map_err(SdkError::into_service_error) {
        Err(TransactWriteItemsError::TransactionCanceledException(e)) => (
            e.message().unwrap_or_default().to_string(),
            e.cancellation_reasons().to_vec(),
        ),
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    }
}

fn codes(r: &[CancellationReason]) -> Vec<&str> {
    r.iter().map(|r| r.code().unwrap_or_default()).collect()
}

#[tokio::test]
async fn writes_across_tables_commit_together_and_reads_come_back_in_order() {
    let (srv, t) = table().await;
    let t2 = unique_name("tx2");
    create_hash_range_table(&srv.client, &t2)
        .await
        .expect("second table");
    put_item(&srv, &t, item([("pk", s("old")), ("v", n("1"))])).await;
    put_item(&srv, &t, item([("pk", s("guard")), ("state", s("open"))])).await;
    let out = srv
        .client
        .transact_write_items()
        .transact_items(put(&t, item([("pk", s("new")), ("v", n("7"))])))
        .transact_items(add(&t, "counter", "5"))
        .transact_items(delete(&t, "old"))
        .transact_items(check(&t, "guard", "#s = :open", false))
        .transact_items(put(&t2, item([("pk", s("p")), ("sk", n("1"))])))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    // The check's names and values are missing: a request-level error, nothing written.
    api_err(out).assert_contains("ValidationException", &["#s"]);
    assert!(get(&srv, &t, "new").await.is_none());

    let c = ConditionCheck::builder()
        .table_name(&t)
        .key("pk", s("guard"))
        .condition_expression("#s = :open")
        .expression_attribute_names("#s", "state")
        .expression_attribute_values(":open", s("open"))
        .build()
        .unwrap();
    let out = srv
        .client
        .transact_write_items()
        .transact_items(put(&t, item([("pk", s("new")), ("v", n("7"))])))
        .transact_items(add(&t, "counter", "5"))
        .transact_items(delete(&t, "old"))
        .transact_items(TransactWriteItem::builder().condition_check(c).build())
        .transact_items(put(&t2, item([("pk", s("p")), ("sk", n("1"))])))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .expect("transaction");
    let cap = out.consumed_capacity();
    assert_eq!(cap.len(), 2, "{cap:?}");
    // Transactional writes cost two units per KB; a condition check two per 4 KB.
    assert_eq!(
        (cap[0].table_name(), cap[0].capacity_units()),
        (Some(t.as_str()), Some(8.0))
    );
    assert_eq!(
        (cap[1].table_name(), cap[1].capacity_units()),
        (Some(t2.as_str()), Some(2.0))
    );
    assert_eq!(
        get_s(&get(&srv, &t, "new").await.expect("new"), "pk"),
        Some("new")
    );
    assert_eq!(
        get_n(&get(&srv, &t, "counter").await.expect("counter"), "n"),
        Some("5")
    );
    assert!(get(&srv, &t, "old").await.is_none());

    let out = srv
        .client
        .transact_get_items()
        .transact_items(get_action(&t, "counter", None))
        .transact_items(get_action(&t, "missing", None))
        .transact_items(get_action(&t, "new", Some("v")))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .expect("TransactGetItems");
    let r = out.responses();
    assert_eq!(r.len(), 3);
    assert_eq!(get_n(r[0].item().expect("counter"), "n"), Some("5"));
    assert!(r[1].item().is_none(), "{:?}", r[1]);
    assert_eq!(r[2].item().expect("projected"), &item([("v", n("7"))]));
    assert_eq!(out.consumed_capacity()[0].capacity_units(), Some(6.0));
}

#[tokio::test]
async fn cancellation_reasons_are_per_action_and_nothing_is_written() {
    let (srv, t) = table().await;
    put_item(&srv, &t, item([("pk", s("taken")), ("owner", s("bob"))])).await;
    put_item(
        &srv,
        &t,
        item([("pk", s("text")), ("n", s("not a number"))]),
    )
    .await;
    let res = srv
        .client
        .transact_write_items()
        .transact_items(put(&t, item([("pk", s("fresh"))])))
        .transact_items(check(&t, "taken", "attribute_not_exists(pk)", true))
        .transact_items(add(&t, "text", "1"))
        .transact_items(check(&t, "absent", "attribute_exists(pk)", true))
        .send()
        .await;
    let (message, r) = reasons(res);
    assert_eq!(
        message,
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ValidationError, ConditionalCheckFailed]"
    );
    assert_eq!(
        codes(&r),
        [
            "None",
            "ConditionalCheckFailed",
            "ValidationError",
            "ConditionalCheckFailed"
        ]
    );
    assert_eq!(r[0].message(), None);
    assert_eq!(r[1].message(), Some("The conditional request failed"));
    // ALL_OLD returns the item that failed the check; a missing item returns none.
    assert_eq!(
        r[1].item(),
        Some(&item([("pk", s("taken")), ("owner", s("bob"))]))
    );
    assert!(
        r[2].message()
            .unwrap_or_default()
            .contains("incorrect data type"),
        "{:?}",
        r[2]
    );
    assert_eq!(r[3].item(), None);
    assert!(
        get(&srv, &t, "fresh").await.is_none(),
        "a cancelled transaction writes nothing"
    );
}

#[tokio::test]
async fn client_request_token_replays_without_applying_again() {
    let (srv, t) = table().await;
    let send = |by: &'static str, token: &'static str| {
        srv.client
            .transact_write_items()
            .transact_items(add(&t, "acct", by))
            .client_request_token(token)
            .send()
    };
    send("10", "token-a").await.expect("first");
    send("10", "token-a").await.expect("retry is accepted");
    assert_eq!(
        get_n(&get(&srv, &t, "acct").await.expect("acct"), "n"),
        Some("10")
    );
    api_err(send("20", "token-a").await).assert("IdempotentParameterMismatchException", &[]);
    send("20", "token-b").await.expect("another token applies");
    assert_eq!(
        get_n(&get(&srv, &t, "acct").await.expect("acct"), "n"),
        Some("30")
    );
}

#[tokio::test]
async fn client_request_tokens_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = unique_name("txr");
    let body = |srv: &TestServer| {
        srv.client
            .transact_write_items()
            .transact_items(add(&t, "acct", "1"))
            .client_request_token("restart-token")
            .send()
    };
    let srv = TestServer::start_fjall(dir.path()).await;
    create_hash_table(&srv.client, &t)
        .await
        .expect("create table");
    body(&srv).await.expect("first");
    srv.shutdown().await;
    let srv = TestServer::start_fjall(dir.path()).await;
    body(&srv).await.expect("replay after restart");
    assert_eq!(
        get_n(&get(&srv, &t, "acct").await.expect("acct"), "n"),
        Some("1")
    );
}

#[tokio::test]
async fn limits_and_duplicate_items() {
    let (srv, t) = table().await;
    let many = |k: usize| {
        (0..k)
            .map(|i| put(&t, item([("pk", s(&format!("i{i}")))])))
            .collect::<Vec<_>>()
    };
    srv.client
        .transact_write_items()
        .set_transact_items(Some(many(100)))
        .send()
        .await
        .expect("100 actions");
    let gets = (0..100)
        .map(|i| get_action(&t, &format!("i{i}"), None))
        .collect::<Vec<_>>();
    let out = srv
        .client
        .transact_get_items()
        .set_transact_items(Some(gets))
        .send()
        .await
        .expect("100 gets");
    assert!(out.responses().iter().all(|r| r.item().is_some()));
    let res = srv
        .client
        .transact_write_items()
        .set_transact_items(Some(many(101)))
        .send()
        .await;
    api_err(res).assert_contains(
        "ValidationException",
        &["Member must have length less than or equal to 100"],
    );
    let res = srv
        .client
        .transact_write_items()
        .transact_items(put(&t, item([("pk", s("d"))])))
        .transact_items(delete(&t, "d"))
        .send()
        .await;
    api_err(res).assert(
        "ValidationException",
        &["Transaction request cannot include multiple operations on one item"],
    );
    let res = srv
        .client
        .transact_write_items()
        .transact_items(put(&format!("{t}-missing"), item([("pk", s("x"))])))
        .send()
        .await;
    api_err(res).assert(
        "ResourceNotFoundException",
        &["Requested resource not found"],
    );
}

#[tokio::test]
async fn concurrent_transactions_on_one_item_commit_whole_or_conflict() {
    let (srv, t) = table().await;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (client, t) = (srv.client.clone(), t.clone());
            tokio::spawn(async move {
                client
                    .transact_write_items()
                    .transact_items(add(&t, "hot", "1"))
                    .transact_items(put(&t, item([("pk", s(&format!("mark{i}")))])))
                    .send()
                    .await
            })
        })
        .collect();
    let mut committed = 0;
    for task in tasks {
        match task
            .await
            .expect("join")
            .map_err(SdkError::into_service_error)
        {
            Ok(_) => committed += 1,
            Err(TransactWriteItemsError::TransactionCanceledException(e)) => {
                assert_eq!(
                    codes(e.cancellation_reasons()),
                    ["TransactionConflict", "None"]
                );
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert!(committed >= 1);
    // Every committed transaction applied both actions; no cancelled one applied either.
    let hot = get(&srv, &t, "hot").await.expect("hot");
    assert_eq!(get_n(&hot, "n"), Some(committed.to_string().as_str()));
    let mut marks = 0;
    for i in 0..24 {
        marks += usize::from(get(&srv, &t, &format!("mark{i}")).await.is_some());
    }
    assert_eq!(marks, committed);
}
