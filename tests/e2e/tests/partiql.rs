//! PartiQL through the AWS SDK: ExecuteStatement (every statement kind, parameters,
//! paging), BatchExecuteStatement (per-statement errors) and ExecuteTransaction (all or
//! nothing, read-only transactions, EXISTS checks, idempotent tokens). PartiQL writes go
//! through the item write path, so they are checked with the classic API and with a
//! secondary index.

use aws_sdk_dynamodb::operation::execute_transaction::ExecuteTransactionError;
use aws_sdk_dynamodb::types::{
    AttributeValue, BatchStatementErrorCodeEnum, BatchStatementRequest, GlobalSecondaryIndex,
    ParameterizedStatement, Projection, ProjectionType, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure,
};
use aws_sdk_dynamodb::{Client, error::SdkError};
use eddy_e2e::*;
use std::collections::BTreeSet;

async fn hash_table() -> (TestServer, String) {
    let srv = TestServer::start_memory().await;
    let name = unique_name("pq");
    create_hash_table(&srv.client, &name)
        .await
        .expect("create table");
    (srv, name)
}

async fn range_table() -> (TestServer, String) {
    let srv = TestServer::start_memory().await;
    let name = unique_name("pqr");
    create_hash_range_table(&srv.client, &name)
        .await
        .expect("create table");
    (srv, name)
}

/// Runs one statement and returns its items.
async fn exec(c: &Client, stmt: &str, params: Vec<AttributeValue>) -> Vec<Item> {
    c.execute_statement()
        .statement(stmt)
        .set_parameters((!params.is_empty()).then_some(params))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{stmt}: {e:?}"))
        .items
        .unwrap_or_default()
}

async fn get(c: &Client, t: &str, pk: &str) -> Option<Item> {
    let out = c
        .get_item()
        .table_name(t)
        .key("pk", s(pk))
        .consistent_read(true)
        .send()
        .await;
    out.expect("GetItem").item
}

fn stmt(text: &str) -> ParameterizedStatement {
    ParameterizedStatement::builder()
        .statement(text)
        .build()
        .expect("statement")
}

#[tokio::test]
async fn statements_round_trip_with_the_classic_api() {
    let (srv, t) = hash_table().await;
    let c = &srv.client;
    let blob = AttributeValue::B(vec![0, 1, 2].into());
    let insert = format!(
        "INSERT INTO \"{t}\" VALUE {{'pk': ?, 'n': 1, 'b': ?, 'l': [1, 'x'], 'm': {{'k': <<'a', 'b'>>}}}}"
    );
    assert!(
        exec(c, &insert, vec![s("a"), blob.clone()])
            .await
            .is_empty()
    );
    let stored = get(c, &t, "a").await.expect("inserted item");
    assert_eq!(stored.get("b"), Some(&blob));
    assert_eq!(get_n(&stored, "n"), Some("1"));

    let select = format!("SELECT * FROM \"{t}\" WHERE pk = ?");
    assert_eq!(exec(c, &select, vec![s("a")]).await, vec![stored]);

    let update = format!(
        "UPDATE \"{t}\" SET n = n + 41, m.k = set_add(m.k, <<'c'>>) REMOVE l WHERE pk = 'a'"
    );
    exec(c, &update, vec![]).await;
    let updated = get(c, &t, "a").await.expect("updated item");
    assert_eq!(get_n(&updated, "n"), Some("42"));
    assert!(!updated.contains_key("l"));
    let mut set = updated["m"].as_m().expect("map")["k"]
        .as_ss()
        .expect("string set")
        .clone();
    set.sort();
    assert_eq!(set, ["a", "b", "c"]);

    let projected = exec(
        c,
        &format!("SELECT n, m.k FROM \"{t}\" WHERE pk = 'a'"),
        vec![],
    )
    .await;
    assert_eq!(projected.len(), 1);
    assert_eq!(get_n(&projected[0], "n"), Some("42"));
    assert!(
        projected[0].contains_key("k") && projected[0].len() == 2,
        "{projected:?}"
    );

    let returned = exec(
        c,
        &format!("UPDATE \"{t}\" SET n = 7 WHERE pk = 'a' RETURNING MODIFIED OLD *"),
        vec![],
    )
    .await;
    assert_eq!(returned, vec![item([("n", n("42"))])]);

    exec(
        c,
        &format!("DELETE FROM \"{t}\" WHERE pk = 'a' AND n = 7"),
        vec![],
    )
    .await;
    assert_eq!(get(c, &t, "a").await, None);
}

#[tokio::test]
async fn errors_have_dynamodb_types_and_messages() {
    let (srv, t) = hash_table().await;
    let c = &srv.client;
    exec(
        c,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': 'x', 'v': 1}}"),
        vec![],
    )
    .await;
    let run = |text: String| async move { c.execute_statement().statement(text).send().await };

    let dup = api_err(run(format!("INSERT INTO \"{t}\" VALUE {{'pk': 'x'}}")).await);
    assert!(
        ["DuplicateItemException", "DuplicateItem"].contains(&dup.code.as_str()),
        "{dup:?}"
    );
    assert_eq!(dup.message, "Duplicate primary key exists in table");

    let bad = format!("SELEC * FROM \"{t}\"");
    api_err(run(bad.clone()).await).assert(
        "ValidationException",
        &[&format!(
            "Statement wasn't well formed, can't be processed: {bad}"
        )],
    );
    api_err(run(format!("UPDATE \"{t}\" SET v = 2 WHERE v = 1")).await).assert(
        "ValidationException",
        &["Where clause does not contain a mandatory equality on all key attributes"],
    );
    api_err(run(format!("SELECT * FROM \"{t}\" WHERE pk = 1")).await).assert(
        "ValidationException",
        &["Key attribute's data type should match its data type in table's schema: Key pk"],
    );
    api_err(run("SELECT * FROM \"no-such-table-pq\"".into()).await).assert(
        "ResourceNotFoundException",
        &[
            "Requested resource not found",
            "Cannot do operations on a non-existent table",
        ],
    );
    // UPDATE needs an existing item; the extra condition is checked against it.
    api_err(run(format!("UPDATE \"{t}\" SET v = 2 WHERE pk = 'missing'")).await).assert(
        "ConditionalCheckFailedException",
        &["The conditional request failed"],
    );
    let failed = c
        .execute_statement()
        .statement(format!("DELETE FROM \"{t}\" WHERE pk = 'x' AND v = 99"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match failed.map_err(SdkError::into_service_error) {
        Err(e) if e.is_conditional_check_failed_exception() => {
            let old = match &e {
                aws_sdk_dynamodb::operation::execute_statement::ExecuteStatementError::ConditionalCheckFailedException(x) => x.item.clone(),
                _ => None,
            };
            assert_eq!(old, Some(item([("pk", s("x")), ("v", n("1"))])));
        }
        other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
    }
    // Deleting a missing item is not an error, whatever the condition.
    exec(
        c,
        &format!("DELETE FROM \"{t}\" WHERE pk = 'gone' AND v = 99"),
        vec![],
    )
    .await;
    assert!(get(c, &t, "x").await.is_some());
}

/// Pages through a SELECT with `Limit`, returning every page's items.
async fn pages(c: &Client, text: &str, limit: i32) -> Vec<Vec<Item>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .execute_statement()
            .statement(text)
            .limit(limit)
            .set_next_token(token)
            .send()
            .await
            .expect("page");
        out.push(page.items().to_vec());
        token = page.next_token;
        if token.is_none() {
            return out;
        }
        assert!(out.len() < 100, "paging does not end");
    }
}

/// The sort keys of items.
fn sks(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .map(|i| get_n(i, "sk").unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn select_pages_through_partitions_and_scans() {
    let (srv, t) = range_table().await;
    let c = &srv.client;
    for i in 0..23 {
        exec(
            c,
            &format!(
                "INSERT INTO \"{t}\" VALUE {{'pk': 'p', 'sk': {i}, 'odd': {}}}",
                i % 2
            ),
            vec![],
        )
        .await;
        exec(
            c,
            &format!(
                "INSERT INTO \"{t}\" VALUE {{'pk': 'q{i}', 'sk': 0, 'odd': {}}}",
                i % 2
            ),
            vec![],
        )
        .await;
    }
    // One partition: sort-key order, every item exactly once, pages of at most 5.
    let got = pages(c, &format!("SELECT * FROM \"{t}\" WHERE pk = 'p'"), 5).await;
    assert!(got.iter().all(|p| p.len() <= 5));
    let all: Vec<String> = (0..23).map(|i| i.to_string()).collect();
    assert_eq!(sks(&got.concat()), all);
    // A sort-key range read backwards; Limit counts items read, so filtered pages shrink.
    // (DynamoDB Local returns the pages of a descending read out of order.)
    let desc = "AND sk BETWEEN 3 AND 12 AND odd = 1 ORDER BY sk DESC";
    let got = pages(
        c,
        &format!("SELECT * FROM \"{t}\" WHERE pk = 'p' {desc}"),
        4,
    )
    .await;
    if !srv.is_external() {
        assert_eq!(sks(&got.concat()), ["11", "9", "7", "5", "3"]);
        assert!(got.iter().all(|p| p.len() <= 2), "{got:?}");
    }
    // A full scan with a filter sees every matching item once, across 46 items.
    let got = pages(c, &format!("SELECT pk, sk FROM \"{t}\" WHERE odd = 0"), 6)
        .await
        .concat();
    let keys: BTreeSet<(String, String)> = got
        .iter()
        .map(|i| (format!("{:?}", i["pk"]), format!("{:?}", i["sk"])))
        .collect();
    assert_eq!((got.len(), keys.len()), (24, 24), "{got:?}");
    // A token does not fit another partition (DynamoDB Local ignores the mismatch).
    if srv.is_external() {
        return;
    }
    let page = c
        .execute_statement()
        .statement(format!("SELECT * FROM \"{t}\" WHERE pk = 'p'"))
        .limit(2)
        .send()
        .await
        .expect("page");
    let err = c
        .execute_statement()
        .statement(format!("SELECT * FROM \"{t}\" WHERE pk = 'q1'"))
        .set_next_token(page.next_token)
        .send()
        .await;
    api_err(err).assert("ValidationException", &["Invalid NextToken"]);
}

#[tokio::test]
async fn writes_maintain_secondary_indexes() {
    let srv = TestServer::start_memory().await;
    let c = &srv.client;
    let t = unique_name("pqi");
    let gsi = GlobalSecondaryIndex::builder()
        .index_name("byg")
        .key_schema(hash_key("g"))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .build()
        .expect("gsi");
    c.create_table()
        .table_name(&t)
        .key_schema(hash_key("pk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("g", "S"))
        .global_secondary_indexes(gsi)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create table");
    wait_active(c, &t).await.expect("active");
    exec(
        c,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'g': 'one', 'x': 1}}"),
        vec![],
    )
    .await;
    let by_g = |g: &'static str| format!("SELECT * FROM \"{t}\".\"byg\" WHERE g = '{g}'");
    assert_eq!(
        exec(c, &by_g("one"), vec![]).await,
        vec![item([("pk", s("a")), ("g", s("one"))])]
    );
    exec(
        c,
        &format!("UPDATE \"{t}\" SET g = 'two' WHERE pk = 'a'"),
        vec![],
    )
    .await;
    assert!(exec(c, &by_g("one"), vec![]).await.is_empty());
    assert_eq!(exec(c, &by_g("two"), vec![]).await.len(), 1);
    exec(c, &format!("DELETE FROM \"{t}\" WHERE pk = 'a'"), vec![]).await;
    assert!(exec(c, &by_g("two"), vec![]).await.is_empty());
}

#[tokio::test]
async fn batches_answer_each_statement() {
    let (srv, t) = hash_table().await;
    let c = &srv.client;
    exec(
        c,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': 'taken', 'v': 1}}"),
        vec![],
    )
    .await;
    let req = |text: String| {
        BatchStatementRequest::builder()
            .statement(text)
            .build()
            .expect("request")
    };
    let out = c
        .batch_execute_statement()
        .statements(req(format!("INSERT INTO \"{t}\" VALUE {{'pk': 'new'}}")))
        .statements(req(format!("INSERT INTO \"{t}\" VALUE {{'pk': 'taken'}}")))
        .statements(req(format!("UPDATE \"{t}\" SET v = 2 WHERE v = 1")))
        .statements(req(format!("DELETE FROM \"{t}\" WHERE pk = 'nothing'")))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .expect("batch");
    let codes: Vec<Option<&BatchStatementErrorCodeEnum>> = out
        .responses()
        .iter()
        .map(|r| r.error().and_then(|e| e.code()))
        .collect();
    assert_eq!(
        codes,
        [
            None,
            Some(&BatchStatementErrorCodeEnum::DuplicateItem),
            Some(&BatchStatementErrorCodeEnum::ValidationError),
            None
        ]
    );
    assert!(
        get(c, &t, "new").await.is_some(),
        "the batch is not all-or-nothing"
    );
    let reads = c
        .batch_execute_statement()
        .statements(req(format!("SELECT v FROM \"{t}\" WHERE pk = 'taken'")))
        .statements(req(format!("SELECT * FROM \"{t}\" WHERE pk = 'absent'")))
        .send()
        .await
        .expect("read batch");
    let items: Vec<Option<&Item>> = reads.responses().iter().map(|r| r.item.as_ref()).collect();
    assert_eq!(items, [Some(&item([("v", n("1"))])), None]);
    let mixed = c
        .batch_execute_statement()
        .statements(req(format!("SELECT * FROM \"{t}\" WHERE pk = 'taken'")))
        .statements(req(format!("DELETE FROM \"{t}\" WHERE pk = 'taken'")))
        .send()
        .await;
    api_err(mixed).assert(
        "ValidationException",
        &["Read and write requests together in the same batch is not supported."],
    );
}

#[tokio::test]
async fn transactions_are_all_or_nothing() {
    let (srv, t) = hash_table().await;
    let c = &srv.client;
    exec(
        c,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': 'acct', 'balance': 10}}"),
        vec![],
    )
    .await;
    let limits = format!("INSERT INTO \"{t}\" VALUE {{'pk': 'limits', 'active': true}}");
    exec(c, &limits, vec![]).await;
    let cancelled = c
        .execute_transaction()
        .transact_statements(stmt(&format!("INSERT INTO \"{t}\" VALUE {{'pk': 'log1'}}")))
        .transact_statements(stmt(&format!(
            "UPDATE \"{t}\" SET balance = balance - 20 WHERE pk = 'acct' AND balance >= 20"
        )))
        .send()
        .await;
    match cancelled.map_err(SdkError::into_service_error) {
        Err(ExecuteTransactionError::TransactionCanceledException(e)) => {
            let codes: Vec<&str> = e
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or_default())
                .collect();
            assert_eq!(codes, ["None", "ConditionalCheckFailed"]);
        }
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    }
    assert_eq!(
        get(c, &t, "log1").await,
        None,
        "a cancelled transaction wrote"
    );
    // Committed together; a retry with the same token is answered without writing again.
    let token = unique_name("tok");
    let commit = || {
        c.execute_transaction()
            .client_request_token(&token)
            .transact_statements(stmt(&format!(
                "EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'limits' AND active = true)"
            )))
            .transact_statements(stmt(&format!(
                "UPDATE \"{t}\" SET balance = balance - 5 WHERE pk = 'acct'"
            )))
            .transact_statements(stmt(&format!("INSERT INTO \"{t}\" VALUE {{'pk': 'log2'}}")))
            .send()
    };
    commit().await.expect("transaction");
    if !srv.is_external() {
        commit().await.expect("idempotent retry");
    }
    let acct = get(c, &t, "acct").await.expect("account");
    assert_eq!(get_n(&acct, "balance"), Some("5"));
    assert!(get(c, &t, "log2").await.is_some());
    // A read-only transaction of single-item SELECTs.
    let read = c
        .execute_transaction()
        .transact_statements(stmt(&format!(
            "SELECT balance FROM \"{t}\" WHERE pk = 'acct'"
        )))
        .transact_statements(stmt(&format!("SELECT * FROM \"{t}\" WHERE pk = 'nobody'")))
        .send()
        .await
        .expect("read transaction");
    let items: Vec<Option<&Item>> = read.responses().iter().map(|r| r.item.as_ref()).collect();
    assert_eq!(items, [Some(&item([("balance", n("5"))])), None]);
}

#[tokio::test]
async fn concurrent_increments_are_not_lost() {
    let (srv, t) = hash_table().await;
    exec(
        &srv.client,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': 'c', 'hits': 0}}"),
        vec![],
    )
    .await;
    let tasks = (0..32).map(|_| {
        let c = srv.client.clone();
        let text = format!("UPDATE \"{t}\" SET hits = hits + 1 WHERE pk = 'c'");
        tokio::spawn(async move {
            c.execute_statement()
                .statement(text)
                .send()
                .await
                .map(|_| ())
        })
    });
    for r in futures::future::join_all(tasks).await {
        r.expect("task").expect("increment");
    }
    let c = get(&srv.client, &t, "c").await.expect("counter");
    assert_eq!(get_n(&c, "hits"), Some("32"));
}
