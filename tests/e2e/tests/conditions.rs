//! Condition expression semantics: comparisons across types, functions, IN / BETWEEN /
//! NOT, missing attributes and paths, and expression errors.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as AV;
use eddy_e2e::*;

async fn table_with_item() -> (TestServer, String) {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cond");
    create_hash_table(&srv.client, &t)
        .await
        .expect("create table");
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("cx"))
        .item("n", n("5"))
        .item("s", s("hello"))
        .item("ss", AV::Ss(vec!["a".into(), "b".into()]))
        .item("l", AV::L(vec![n("1"), s("x")]))
        .item("m", AV::M(item([("k", n("1"))])))
        .item("b", AV::B(Blob::new(vec![1u8, 2, 3])))
        .send()
        .await
        .expect("PutItem");
    (srv, t)
}

/// Runs `SET z = :z` on the item under `cond`; Ok(true) = applied, Ok(false) = condition
/// failed, Err = any other error.
async fn check(srv: &TestServer, t: &str, cond: &str) -> Result<bool, ApiErr> {
    let vals = [
        (":s", s("x")),
        (":five", n("5")),
        (":two", n("2")),
        (":one", n("1")),
        (":three", n("3")),
        (":a", s("a")),
        (":ell", s("ell")),
        (":x", s("x")),
        (":N", s("N")),
        (":he", s("he")),
    ];
    let mut req = srv
        .client
        .update_item()
        .table_name(t)
        .key("pk", s("cx"))
        .update_expression("SET z = :z")
        .expression_attribute_values(":z", n("0"))
        .condition_expression(cond);
    for (k, v) in vals {
        let used = cond
            .split(|c: char| !(c.is_alphanumeric() || c == ':' || c == '_'))
            .any(|tok| tok == k);
        if used {
            req = req.expression_attribute_values(k, v);
        }
    }
    match req.send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            let e = api_err::<(), _, _>(Err(e));
            if e.code == "ConditionalCheckFailedException" {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}

#[tokio::test]
async fn condition_functions_and_operators_match_dynamodb() {
    let (srv, t) = table_with_item().await;
    let cases = [
        // comparing a number with a string is false, never an error
        ("n < :s", false),
        ("n <> :s", true),
        // a missing attribute is "not equal" to anything
        ("nope <> :s", true),
        ("nope = :s", false),
        ("size(s) = :five", true),
        ("size(ss) = :two", true),
        ("size(l) = :two", true),
        ("size(m) = :one", true),
        ("size(b) = :three", true),
        ("size(nope) = :one", false),
        // size of a number is not defined: the comparison is false
        ("size(n) = :one", false),
        ("contains(ss, :a)", true),
        ("contains(s, :ell)", true),
        ("contains(l, :x)", true),
        ("contains(ss, :x)", false),
        ("attribute_type(n, :N)", true),
        ("attribute_type(s, :N)", false),
        ("n IN (:one, :five)", true),
        ("n IN (:one, :two)", false),
        ("NOT n = :one", true),
        ("n = :one OR (s = :x AND n = :five)", false),
        ("n = :five AND (s = :x OR attribute_exists(m.k))", true),
        ("l[5] = :one", false),
        ("l[0] = :one", true),
        ("m.k = :one", true),
        ("begins_with(s, :he)", true),
        ("begins_with(s, :ell)", false),
        ("n BETWEEN :one AND :five", true),
        ("attribute_exists(ss) AND attribute_not_exists(nope)", true),
    ];
    let mut wrong = Vec::new();
    for (cond, want) in cases {
        match check(&srv, &t, cond).await {
            Ok(got) if got == want => {}
            other => wrong.push(format!("{cond}: want {want}, got {other:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn malformed_condition_expressions_are_validation_errors() {
    let (srv, t) = table_with_item().await;
    let e = check(&srv, &t, "n BETWEEN :five AND :one")
        .await
        .expect_err("BETWEEN with reversed bounds");
    e.assert(
        "ValidationException",
        &["Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"],
    );
    let e = check(&srv, &t, "n = = :one").await.expect_err("syntax");
    e.assert(
        "ValidationException",
        &["Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :one\""],
    );
    let e = check(&srv, &t, "").await.expect_err("empty");
    e.assert(
        "ValidationException",
        &["Invalid ConditionExpression: The expression can not be empty;"],
    );
    let e = check(&srv, &t, "count = :one").await.expect_err("reserved");
    e.assert(
        "ValidationException",
        &["Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: count"],
    );
}

#[tokio::test]
async fn update_operand_type_errors() -> TestResult {
    let (srv, t) = table_with_item().await;
    let upd = |expr: &'static str, v: AV| {
        srv.client
            .update_item()
            .table_name(&t)
            .key("pk", s("cx"))
            .update_expression(expr)
            .expression_attribute_values(":v", v)
            .send()
    };
    let bad_operand = "An operand in the update expression has an incorrect data type";
    api_err(upd("ADD s :v", n("1")).await).assert("ValidationException", &[bad_operand]);
    let ns1 = AV::Ns(vec!["1".into()]);
    api_err(upd("DELETE n :v", ns1.clone()).await).assert("ValidationException", &[bad_operand]);
    api_err(upd("ADD ss :v", ns1).await).assert("ValidationException", &[bad_operand]);
    let bad_path = "The document path provided in the update expression is invalid for update";
    api_err(upd("SET m[0] = :v", n("1")).await).assert("ValidationException", &[bad_path]);
    api_err(upd("SET nope.x = :v", n("1")).await).assert("ValidationException", &[bad_path]);
    api_err(upd("SET l = list_append(l, :v)", s("x")).await).assert(
        "ValidationException",
        &["Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"],
    );
    api_err(upd("SET = :v", s("x")).await).assert(
        "ValidationException",
        &["Invalid UpdateExpression: Syntax error; token: \"=\", near: \"SET = :v\""],
    );
    api_err(upd("SET v = :v", AV::Ss(vec![])).await).assert(
        "ValidationException",
        &["ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :v"],
    );
    // nothing changed
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("cx"))
        .consistent_read(true)
        .send()
        .await?;
    let it = got.item().expect("item");
    assert_eq!(get_s(it, "s"), Some("hello"));
    assert_eq!(get_n(it, "n"), Some("5"));
    assert!(!it.contains_key("v") && !it.contains_key("nope"));
    Ok(())
}
