//! PutItem / GetItem / DeleteItem: attribute types, number text, ReturnValues, conditions,
//! projections and ConsistentRead.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue as AV, ReturnValue, ReturnValuesOnConditionCheckFailure,
};
use eddy_e2e::*;

async fn table() -> (TestServer, String) {
    TestServer::with_hash_table("it").await
}

async fn get(srv: &TestServer, t: &str, pk: &str) -> Option<Item> {
    srv.get_item(t, pk).await
}

/// Sorts set members so items can be compared regardless of set order.
fn canon(v: &AV) -> AV {
    match v {
        AV::Ss(x) => AV::Ss(sorted(x)),
        AV::Ns(x) => AV::Ns(sorted(x)),
        AV::Bs(x) => {
            let mut x = x.clone();
            x.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
            AV::Bs(x)
        }
        AV::M(m) => AV::M(m.iter().map(|(k, v)| (k.clone(), canon(v))).collect()),
        AV::L(l) => AV::L(l.iter().map(canon).collect()),
        other => other.clone(),
    }
}

fn sorted(x: &[String]) -> Vec<String> {
    let mut x = x.to_vec();
    x.sort();
    x
}

fn canon_item(i: &Item) -> Item {
    i.iter().map(|(k, v)| (k.clone(), canon(v))).collect()
}

#[tokio::test]
async fn put_and_get_all_ten_attribute_types() -> TestResult {
    let (srv, t) = table().await;
    let full = item([
        ("pk", s("all")),
        ("s", s("héllo wörld")),
        ("n", n("-12.5")),
        ("b", AV::B(Blob::new(vec![0u8, 1, 2, 255]))),
        ("ss", AV::Ss(vec!["x".into(), "y".into()])),
        ("ns", AV::Ns(vec!["1".into(), "2.5".into(), "-3".into()])),
        (
            "bs",
            AV::Bs(vec![Blob::new(vec![1u8]), Blob::new(vec![2u8, 3])]),
        ),
        (
            "m",
            AV::M(item([
                ("k", s("v")),
                ("inner", AV::M(item([("deep", AV::Bool(true))]))),
            ])),
        ),
        (
            "l",
            AV::L(vec![s("a"), n("2"), AV::Null(true), AV::L(vec![])]),
        ),
        ("nul", AV::Null(true)),
        ("bo", AV::Bool(false)),
        ("empty_s", s("")),
        ("empty_b", AV::B(Blob::new(Vec::new()))),
        ("empty_m", AV::M(Item::new())),
    ]);
    srv.client
        .put_item()
        .table_name(&t)
        .set_item(Some(full.clone()))
        .send()
        .await?;
    let got = get(&srv, &t, "all").await.expect("item present");
    assert_eq!(canon_item(&got), canon_item(&full));
    Ok(())
}

#[tokio::test]
async fn numbers_are_returned_in_canonical_text() -> TestResult {
    let (srv, t) = table().await;
    let cases = [
        ("1.50", "1.5"),
        ("1e3", "1000"),
        ("+7", "7"),
        ("-0.000100", "-0.0001"),
        ("-0", "0"),
        ("0.0", "0"),
        ("007", "7"),
        (
            "12345678901234567890123456789012345678",
            "12345678901234567890123456789012345678",
        ),
        (
            "-1.2345678901234567890123456789012345678",
            "-1.2345678901234567890123456789012345678",
        ),
        // 40 digits but only one significant: allowed
        (
            "1000000000000000000000000000000000000000",
            "1000000000000000000000000000000000000000",
        ),
    ];
    let mut it = item([("pk", s("nums"))]);
    for (i, (input, _)) in cases.iter().enumerate() {
        it.insert(format!("n{i}"), n(input));
    }
    it.insert("tiny".into(), n("1E-130"));
    it.insert(
        "huge".into(),
        n("9.9999999999999999999999999999999999999E+125"),
    );
    it.insert("set".into(), AV::Ns(vec!["1.50".into(), "-0.0".into()]));
    srv.client
        .put_item()
        .table_name(&t)
        .set_item(Some(it))
        .send()
        .await?;
    let got = get(&srv, &t, "nums").await.expect("item");
    for (i, (input, want)) in cases.iter().enumerate() {
        assert_eq!(get_n(&got, &format!("n{i}")), Some(*want), "input {input}");
    }
    let tiny = format!("0.{}1", "0".repeat(129));
    assert_eq!(get_n(&got, "tiny"), Some(tiny.as_str()));
    let huge = format!("{}{}", "9".repeat(38), "0".repeat(88));
    assert_eq!(get_n(&got, "huge"), Some(huge.as_str()));
    let set = got.get("set").and_then(|v| v.as_ns().ok()).expect("NS");
    assert_eq!(sorted(set), vec!["0".to_string(), "1.5".to_string()]);
    Ok(())
}

#[tokio::test]
async fn get_of_absent_item_has_no_item_and_delete_of_absent_is_ok() -> TestResult {
    let (srv, t) = table().await;
    assert_eq!(get(&srv, &t, "nothing").await, None);
    let out = srv
        .client
        .delete_item()
        .table_name(&t)
        .key("pk", s("nothing"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await?;
    assert_eq!(out.attributes(), None);
    Ok(())
}

/// AWS's wording, then DynamoDB Local's.
const RV_MSGS: &[&str] = &[
    "ReturnValues can only be ALL_OLD or NONE",
    "Return values set to invalid value",
];

#[tokio::test]
async fn put_and_delete_return_values() -> TestResult {
    let (srv, t) = table().await;
    let put = |it: Item, rv: ReturnValue| {
        srv.client
            .put_item()
            .table_name(&t)
            .set_item(Some(it))
            .return_values(rv)
            .send()
    };
    let first = item([("pk", s("r")), ("a", n("1")), ("b", s("x"))]);
    let out = put(first.clone(), ReturnValue::AllOld).await?;
    assert_eq!(out.attributes(), None, "no old item yet");
    let out = put(item([("pk", s("r")), ("a", n("2"))]), ReturnValue::AllOld).await?;
    assert_eq!(out.attributes(), Some(&first));
    let out = put(item([("pk", s("r")), ("a", n("3"))]), ReturnValue::None).await?;
    assert_eq!(out.attributes(), None);
    for rv in [
        ReturnValue::AllNew,
        ReturnValue::UpdatedOld,
        ReturnValue::UpdatedNew,
    ] {
        let e = api_err(put(item([("pk", s("r"))]), rv).await);
        e.assert("ValidationException", RV_MSGS);
    }
    assert_eq!(get_n(&get(&srv, &t, "r").await.unwrap(), "a"), Some("3"));

    let e = api_err(
        srv.client
            .delete_item()
            .table_name(&t)
            .key("pk", s("r"))
            .return_values(ReturnValue::AllNew)
            .send()
            .await,
    );
    e.assert("ValidationException", RV_MSGS);
    let out = srv
        .client
        .delete_item()
        .table_name(&t)
        .key("pk", s("r"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await?;
    assert_eq!(
        out.attributes(),
        Some(&item([("pk", s("r")), ("a", n("3"))]))
    );
    assert_eq!(get(&srv, &t, "r").await, None);
    Ok(())
}

#[tokio::test]
async fn condition_expressions_pass_and_fail() -> TestResult {
    let (srv, t) = table().await;
    let v1 = item([("pk", s("c")), ("v", n("1"))]);
    srv.client
        .put_item()
        .table_name(&t)
        .set_item(Some(v1.clone()))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await?;
    let e = api_err(
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s("c"))
            .item("v", n("2"))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await,
    );
    e.assert(
        "ConditionalCheckFailedException",
        &["The conditional request failed"],
    );
    // with ALL_OLD on failure the current item travels in the error
    let res = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("c"))
        .update_expression("SET v = :two")
        .condition_expression("v = :five")
        .expression_attribute_values(":two", n("2"))
        .expression_attribute_values(":five", n("5"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    let err = res.expect_err("condition must fail").into_service_error();
    let aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(
        ccf,
    ) = err
    else {
        panic!("expected ConditionalCheckFailedException, got {err:?}")
    };
    assert_eq!(ccf.item(), Some(&v1));
    // a failed delete with a condition on an absent item
    let e = api_err(
        srv.client
            .delete_item()
            .table_name(&t)
            .key("pk", s("absent"))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await,
    );
    assert_eq!(e.code, "ConditionalCheckFailedException");
    // a passing condition with names and values
    srv.client
        .update_item()
        .table_name(&t)
        .key("pk", s("c"))
        .update_expression("SET #v = #v + :one")
        .condition_expression("#v = :one AND begins_with(pk, :c) AND size(pk) = :one")
        .expression_attribute_names("#v", "v")
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":c", s("c"))
        .send()
        .await?;
    assert_eq!(get_n(&get(&srv, &t, "c").await.unwrap(), "v"), Some("2"));
    srv.client
        .delete_item()
        .table_name(&t)
        .key("pk", s("c"))
        .condition_expression("v BETWEEN :lo AND :hi")
        .expression_attribute_values(":lo", n("1"))
        .expression_attribute_values(":hi", n("3"))
        .send()
        .await?;
    assert_eq!(get(&srv, &t, "c").await, None);
    Ok(())
}

#[tokio::test]
async fn unused_and_undefined_placeholders_are_rejected() -> TestResult {
    let (srv, t) = table().await;
    let put = || srv.client.put_item().table_name(&t).item("pk", s("p"));
    let e = api_err(
        put()
            .condition_expression("attribute_not_exists(pk)")
            .expression_attribute_values(":unused", n("1"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"],
    );
    let e = api_err(
        put()
            .condition_expression("attribute_not_exists(pk)")
            .expression_attribute_names("#u", "x")
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"],
    );
    let e = api_err(put().condition_expression("v = :nope").send().await);
    e.assert(
        "ValidationException",
        &["Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"],
    );
    let e = api_err(
        put()
            .condition_expression("#v = :one")
            .expression_attribute_values(":one", n("1"))
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #v"],
    );
    assert_eq!(get(&srv, &t, "p").await, None, "no failed put may write");
    Ok(())
}

#[tokio::test]
async fn projection_expression_selects_nested_paths_and_list_elements() -> TestResult {
    let (srv, t) = table().await;
    let lst = AV::L(vec![
        AV::M(item([("x", n("1")), ("y", n("2"))])),
        s("second"),
        s("third"),
    ]);
    let b = AV::M(item([("c", s("deep")), ("d", n("1"))]));
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("p"))
        .item("a", AV::M(item([("b", b), ("lst", lst)])))
        .item("top", s("t"))
        .item("other", n("3"))
        .item("dotted.name", s("dn"))
        .send()
        .await?;
    let out = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("p"))
        .projection_expression("a.b.c, a.lst[0].y, a.lst[2], top, #dn, nothere, a.lst[9]")
        .expression_attribute_names("#dn", "dotted.name")
        .send()
        .await?;
    let want = item([
        ("top", s("t")),
        ("dotted.name", s("dn")),
        (
            "a",
            AV::M(item([
                ("b", AV::M(item([("c", s("deep"))]))),
                ("lst", AV::L(vec![AV::M(item([("y", n("2"))])), s("third")])),
            ])),
        ),
    ]);
    assert_eq!(out.item(), Some(&want));
    // projecting only absent attributes of a present item gives an empty item
    let out = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("p"))
        .projection_expression("nothere")
        .send()
        .await?;
    assert_eq!(out.item(), Some(&Item::new()));
    // overlapping paths are rejected
    let e = api_err(
        srv.client
            .get_item()
            .table_name(&t)
            .key("pk", s("p"))
            .projection_expression("a.b, a.b.c")
            .send()
            .await,
    );
    e.assert_contains(
        "ValidationException",
        &["Invalid ProjectionExpression: Two document paths overlap with each other"],
    );
    Ok(())
}
