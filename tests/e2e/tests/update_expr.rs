//! UpdateItem: update expressions, ReturnValues and upserts.

use aws_sdk_dynamodb::types::{AttributeValue as AV, ReturnValue};
use eddy_e2e::*;

async fn table() -> (TestServer, String) {
    TestServer::with_hash_table("ue").await
}

async fn get(srv: &TestServer, t: &str, pk: &str) -> Option<Item> {
    srv.get_item(t, pk).await
}

fn ss(v: &[&str]) -> AV {
    AV::Ss(v.iter().map(|x| x.to_string()).collect())
}

fn ns(v: &[&str]) -> AV {
    AV::Ns(v.iter().map(|x| x.to_string()).collect())
}

fn sorted_set(v: Option<&AV>) -> Vec<String> {
    let mut x = match v {
        Some(AV::Ss(x) | AV::Ns(x)) => x.clone(),
        other => panic!("expected SS/NS, got {other:?}"),
    };
    x.sort();
    x
}

#[tokio::test]
async fn set_arithmetic_list_append_nested_paths_add_and_delete() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("u"))
        .item("n", n("10"))
        .item("l", AV::L(vec![s("a"), s("b"), s("c")]))
        .item("ss", ss(&["a", "b", "c"]))
        .item("ns", ns(&["1", "2"]))
        .item(
            "m",
            AV::M(item([("x", n("1")), ("y", AV::L(vec![n("1"), n("2")]))])),
        )
        .item("gone", s("bye"))
        .send()
        .await?;
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("u"))
        .update_expression(
            "SET n = n - :d, l = list_append(l, :tail), m.x = :v, m.y[0] = :v, \
             newl = list_append(:head, l) REMOVE gone ADD ns :ns, cnt :one DELETE ss :ssd",
        )
        .expression_attribute_values(":d", n("2.5"))
        .expression_attribute_values(":tail", AV::L(vec![s("z")]))
        .expression_attribute_values(":head", AV::L(vec![s("h")]))
        .expression_attribute_values(":v", n("42"))
        .expression_attribute_values(":ns", ns(&["3", "1"]))
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":ssd", ss(&["b", "nope"]))
        .return_values(ReturnValue::AllNew)
        .send()
        .await?;
    let a = out.attributes().expect("ALL_NEW attributes");
    assert_eq!(get_n(a, "n"), Some("7.5"));
    assert_eq!(get_n(a, "cnt"), Some("1"));
    assert_eq!(
        a.get("l"),
        Some(&AV::L(vec![s("a"), s("b"), s("c"), s("z")]))
    );
    // list_append reads the value *before* the update
    assert_eq!(
        a.get("newl"),
        Some(&AV::L(vec![s("h"), s("a"), s("b"), s("c")]))
    );
    assert_eq!(
        a.get("m"),
        Some(&AV::M(item([
            ("x", n("42")),
            ("y", AV::L(vec![n("42"), n("2")]))
        ])))
    );
    assert!(!a.contains_key("gone"));
    assert_eq!(sorted_set(a.get("ns")), vec!["1", "2", "3"]);
    assert_eq!(sorted_set(a.get("ss")), vec!["a", "c"]);
    assert_eq!(get(&srv, &t, "u").await.as_ref(), Some(a));

    // REMOVE list elements (indexes refer to the list before the update; past-the-end is a no-op)
    srv.client
        .update_item()
        .table_name(&t)
        .key("pk", s("u"))
        .update_expression("REMOVE l[0], l[2], m.y[1], l[7]")
        .send()
        .await?;
    let it = get(&srv, &t, "u").await.unwrap();
    assert_eq!(it.get("l"), Some(&AV::L(vec![s("b"), s("z")])));
    assert_eq!(
        it.get("m"),
        Some(&AV::M(item([("x", n("42")), ("y", AV::L(vec![n("42")]))])))
    );
    // deleting every member removes the set attribute; SET past the end appends
    srv.client
        .update_item()
        .table_name(&t)
        .key("pk", s("u"))
        .update_expression("DELETE ss :all SET l[10] = :e")
        .expression_attribute_values(":all", ss(&["a", "c"]))
        .expression_attribute_values(":e", s("end"))
        .send()
        .await?;
    let it = get(&srv, &t, "u").await.unwrap();
    assert!(!it.contains_key("ss"), "empty set must vanish: {it:?}");
    assert_eq!(it.get("l"), Some(&AV::L(vec![s("b"), s("z"), s("end")])));
    Ok(())
}

#[tokio::test]
async fn if_not_exists_and_upsert_create_the_item() -> TestResult {
    let (srv, t) = table().await;
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("up"))
        .update_expression("SET a = if_not_exists(a, :z) + :one, b = if_not_exists(b, :z)")
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":z", n("10"))
        .return_values(ReturnValue::AllNew)
        .send()
        .await?;
    assert_eq!(
        out.attributes(),
        Some(&item([("pk", s("up")), ("a", n("11")), ("b", n("10"))]))
    );
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("up"))
        .update_expression("SET a = if_not_exists(a, :z) + :one, b = if_not_exists(b, :one)")
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":z", n("10"))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await?;
    assert_eq!(
        out.attributes(),
        Some(&item([("a", n("12")), ("b", n("10"))]))
    );
    // an UpdateItem without an update expression creates a key-only item
    srv.client
        .update_item()
        .table_name(&t)
        .key("pk", s("bare"))
        .send()
        .await?;
    assert_eq!(get(&srv, &t, "bare").await, Some(item([("pk", s("bare"))])));
    // ADD to a missing number / set starts from zero / empty
    srv.client
        .update_item()
        .table_name(&t)
        .key("pk", s("add"))
        .update_expression("ADD c :five, tags :t")
        .expression_attribute_values(":five", n("5"))
        .expression_attribute_values(":t", ss(&["q"]))
        .send()
        .await?;
    assert_eq!(
        get(&srv, &t, "add").await,
        Some(item([
            ("pk", s("add")),
            ("c", n("5")),
            ("tags", ss(&["q"]))
        ]))
    );
    Ok(())
}

#[tokio::test]
async fn update_return_values_variants() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("r"))
        .item("a", n("1"))
        .item("keep", s("k"))
        .send()
        .await?;
    let upd = |rv: ReturnValue| {
        srv.client
            .update_item()
            .table_name(&t)
            .key("pk", s("r"))
            .update_expression("SET a = a + :one, c = :c")
            .expression_attribute_values(":one", n("1"))
            .expression_attribute_values(":c", s("new"))
            .return_values(rv)
            .send()
    };
    let out = upd(ReturnValue::UpdatedOld).await?;
    assert_eq!(out.attributes(), Some(&item([("a", n("1"))])));
    let out = upd(ReturnValue::UpdatedNew).await?;
    assert_eq!(
        out.attributes(),
        Some(&item([("a", n("3")), ("c", s("new"))]))
    );
    let out = upd(ReturnValue::AllOld).await?;
    assert_eq!(
        out.attributes(),
        Some(&item([
            ("pk", s("r")),
            ("a", n("3")),
            ("keep", s("k")),
            ("c", s("new"))
        ]))
    );
    let out = upd(ReturnValue::AllNew).await?;
    assert_eq!(
        out.attributes(),
        Some(&item([
            ("pk", s("r")),
            ("a", n("5")),
            ("keep", s("k")),
            ("c", s("new"))
        ]))
    );
    let out = upd(ReturnValue::None).await?;
    assert_eq!(out.attributes(), None);
    // REMOVE with UPDATED_OLD returns the removed attribute
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("r"))
        .update_expression("REMOVE keep")
        .return_values(ReturnValue::UpdatedOld)
        .send()
        .await?;
    assert_eq!(out.attributes(), Some(&item([("keep", s("k"))])));
    Ok(())
}

#[tokio::test]
async fn invalid_update_expressions_are_rejected_without_writing() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("x"))
        .item("n", n("1"))
        .send()
        .await?;
    let upd = |expr: &'static str| {
        srv.client
            .update_item()
            .table_name(&t)
            .key("pk", s("x"))
            .update_expression(expr)
    };
    let e = api_err(
        upd("SET n = n + :s")
            .expression_attribute_values(":s", s("q"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"],
    );
    let e = api_err(
        upd("SET n = :a REMOVE n")
            .expression_attribute_values(":a", n("2"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [n], path two: [n]"],
    );
    let e = api_err(
        upd("SET pk = :a")
            .expression_attribute_values(":a", s("other"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"],
    );
    let e = api_err(
        upd("SET #c = #c + :n")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":n", n("5"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["The provided expression refers to an attribute that does not exist in the item"],
    );
    let e = api_err(
        upd("SET missing = :n")
            .expression_attribute_values(":n", n("5"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: missing"],
    );
    assert_eq!(
        get(&srv, &t, "x").await,
        Some(item([("pk", s("x")), ("n", n("1"))]))
    );
    Ok(())
}

#[tokio::test]
async fn conditional_update_creates_or_fails_and_failure_returns_no_absent_item() -> TestResult {
    let (srv, t) = table().await;
    let create = || {
        srv.client
            .update_item()
            .table_name(&t)
            .key("pk", s("newc"))
            .update_expression("SET v = :v")
            .condition_expression("attribute_not_exists(pk)")
            .expression_attribute_values(":v", n("1"))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
    };
    let out = create().await?;
    assert_eq!(
        out.attributes(),
        Some(&item([("pk", s("newc")), ("v", n("1"))]))
    );
    let err = create().await.expect_err("second create must fail");
    let err = err.into_service_error();
    let aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(
        ccf,
    ) = err
    else {
        panic!("expected ConditionalCheckFailedException, got {err:?}")
    };
    assert_eq!(ccf.item(), Some(&item([("pk", s("newc")), ("v", n("1"))])));
    // on an absent item there is nothing to return
    let err = srv
        .client
        .delete_item()
        .table_name(&t)
        .key("pk", s("absent"))
        .condition_expression("attribute_exists(pk)")
        .return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .expect_err("condition must fail")
        .into_service_error();
    let aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(
        ccf,
    ) = err
    else {
        panic!("expected ConditionalCheckFailedException, got {err:?}")
    };
    assert_eq!(ccf.item(), None);
    Ok(())
}
