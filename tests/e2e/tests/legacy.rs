//! Legacy (pre-expression) parameters: Expected, ConditionalOperator, AttributeUpdates and
//! AttributesToGet.

use aws_sdk_dynamodb::types::{
    AttributeAction, AttributeValue as AV, AttributeValueUpdate, ComparisonOperator,
    ConditionalOperator, ExpectedAttributeValue, ReturnValue,
};
use eddy_e2e::*;

async fn table() -> (TestServer, String) {
    TestServer::with_hash_table("lg").await
}

async fn get(srv: &TestServer, t: &str, pk: &str) -> Option<Item> {
    srv.get_item(t, pk).await
}

fn equals(v: AV) -> ExpectedAttributeValue {
    ExpectedAttributeValue::builder().value(v).build()
}

#[tokio::test]
async fn expected_with_value_exists_and_comparison_operators() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("lg"))
        .item("v", n("1"))
        .item("s", s("x"))
        .send()
        .await?;
    let put = |v: &str| {
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s("lg"))
            .item("v", n(v))
            .item("s", s("x"))
    };
    let e = api_err(put("2").expected("v", equals(n("5"))).send().await);
    e.assert(
        "ConditionalCheckFailedException",
        &["The conditional request failed"],
    );
    // OR: one of the two holds
    put("2")
        .expected("v", equals(n("5")))
        .expected("s", equals(s("x")))
        .conditional_operator(ConditionalOperator::Or)
        .send()
        .await?;
    // AND (the default when two are given): one fails
    let e = api_err(
        put("3")
            .expected("v", equals(n("5")))
            .expected("s", equals(s("x")))
            .conditional_operator(ConditionalOperator::And)
            .send()
            .await,
    );
    assert_eq!(e.code, "ConditionalCheckFailedException");
    put("3")
        .expected(
            "nope",
            ExpectedAttributeValue::builder().exists(false).build(),
        )
        .send()
        .await?;
    put("4")
        .expected(
            "v",
            ExpectedAttributeValue::builder()
                .comparison_operator(ComparisonOperator::Gt)
                .attribute_value_list(n("2"))
                .build(),
        )
        .send()
        .await?;
    let e = api_err(
        put("5")
            .expected(
                "v",
                ExpectedAttributeValue::builder()
                    .comparison_operator(ComparisonOperator::Lt)
                    .attribute_value_list(n("2"))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(e.code, "ConditionalCheckFailedException");
    assert_eq!(get_n(&get(&srv, &t, "lg").await.unwrap(), "v"), Some("4"));
    let e = api_err(
        srv.client
            .delete_item()
            .table_name(&t)
            .key("pk", s("lg"))
            .expected("v", equals(n("1")))
            .send()
            .await,
    );
    assert_eq!(e.code, "ConditionalCheckFailedException");
    Ok(())
}

#[tokio::test]
async fn attribute_updates_put_add_delete() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("au"))
        .item("v", n("4"))
        .item("s", s("x"))
        .item("tags", AV::Ss(vec!["a".into(), "b".into()]))
        .send()
        .await?;
    let action = |a: AttributeAction, v: Option<AV>| {
        AttributeValueUpdate::builder()
            .action(a)
            .set_value(v)
            .build()
    };
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("au"))
        .attribute_updates("v", action(AttributeAction::Add, Some(n("10"))))
        .attribute_updates("s", action(AttributeAction::Delete, None))
        .attribute_updates("t", action(AttributeAction::Put, Some(s("new"))))
        .attribute_updates(
            "tags",
            action(AttributeAction::Delete, Some(AV::Ss(vec!["a".into()]))),
        )
        .return_values(ReturnValue::AllNew)
        .send()
        .await?;
    assert_eq!(
        out.attributes(),
        Some(&item([
            ("pk", s("au")),
            ("v", n("14")),
            ("t", s("new")),
            ("tags", AV::Ss(vec!["b".into()])),
        ]))
    );
    Ok(())
}

#[tokio::test]
async fn attributes_to_get_and_mixing_with_expressions() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("ag"))
        .item("top", s("t"))
        .item("other", n("3"))
        .item("hidden", s("h"))
        .send()
        .await?;
    let out = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("ag"))
        .attributes_to_get("top")
        .attributes_to_get("other")
        .attributes_to_get("absent")
        .send()
        .await?;
    assert_eq!(
        out.item(),
        Some(&item([("top", s("t")), ("other", n("3"))]))
    );
    let e = api_err(
        srv.client
            .get_item()
            .table_name(&t)
            .key("pk", s("ag"))
            .attributes_to_get("top")
            .projection_expression("top")
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"],
    );
    let e = api_err(
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s("ag"))
            .expected("top", equals(s("t")))
            .condition_expression("attribute_exists(top)")
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"],
    );
    assert_eq!(
        get_s(&get(&srv, &t, "ag").await.unwrap(), "hidden"),
        Some("h")
    );
    Ok(())
}

#[tokio::test]
async fn expected_exists_must_agree_with_value() -> TestResult {
    let (srv, t) = table().await;
    let e = api_err(
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s("x"))
            .expected("v", ExpectedAttributeValue::builder().exists(true).build())
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: v"],
    );
    let e = api_err(
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s("x"))
            .expected(
                "v",
                ExpectedAttributeValue::builder()
                    .exists(false)
                    .value(n("1"))
                    .build(),
            )
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: v"],
    );
    assert_eq!(get(&srv, &t, "x").await, None);
    Ok(())
}
