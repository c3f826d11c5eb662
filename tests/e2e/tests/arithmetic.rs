//! Number arithmetic in update expressions: exact decimal results and the 38-digit limit.

use eddy_e2e::*;

async fn table() -> (TestServer, String) {
    TestServer::with_hash_table("ar").await
}

#[tokio::test]
async fn arithmetic_is_exact_decimal() -> TestResult {
    let (srv, t) = table().await;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("ar"))
        .item("n", n("5"))
        .send()
        .await?;
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("ar"))
        .update_expression("SET a = :a + :b, b = :c - :d, c = :e + :one ADD n :neg")
        .expression_attribute_values(":a", n("0.1"))
        .expression_attribute_values(":b", n("0.2"))
        .expression_attribute_values(":c", n("1"))
        .expression_attribute_values(":d", n("1.5"))
        .expression_attribute_values(":e", n(&"9".repeat(38)))
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":neg", n("-5.5"))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
        .send()
        .await?;
    let a = out.attributes().expect("UPDATED_NEW");
    assert_eq!(get_n(a, "a"), Some("0.3"));
    assert_eq!(get_n(a, "b"), Some("-0.5"));
    let big = format!("1{}", "0".repeat(38));
    assert_eq!(get_n(a, "c"), Some(big.as_str()));
    assert_eq!(get_n(a, "n"), Some("-0.5"));
    assert_eq!(a.len(), 4, "{a:?}");
    Ok(())
}

#[tokio::test]
async fn results_beyond_38_digits_or_range_are_rejected() -> TestResult {
    let (srv, t) = table().await;
    let upd = |x: &str, y: &str| {
        srv.client
            .update_item()
            .table_name(&t)
            .key("pk", s("ar"))
            .update_expression("SET a = :x + :y")
            .expression_attribute_values(":x", n(x))
            .expression_attribute_values(":y", n(y))
            .send()
    };
    // 38 nines + 0.1 needs 39 significant digits
    let e = api_err(upd(&"9".repeat(38), "0.1").await);
    e.assert(
        "ValidationException",
        &[
            "Attempting to store more than 38 significant digits in a Number",
            "DynamoDB only supports precision up to 38 digits",
        ],
    );
    let max = "9.9999999999999999999999999999999999999E+125";
    let e = api_err(upd(max, max).await);
    assert_eq!(e.code, "ValidationException", "{e:?}");
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("ar"))
        .send()
        .await?;
    assert_eq!(
        got.item(),
        None,
        "a rejected update must not create the item"
    );
    Ok(())
}
