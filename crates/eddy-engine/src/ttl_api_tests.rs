//! Engine-level tests of UpdateTimeToLive and DescribeTimeToLive: AWS's error matrix,
//! the request-shape messages and the cooldown, measured with a manual clock.

use super::*;

#[tokio::test]
async fn update_and_describe_follow_aws_with_the_cooldown() {
    let (engine, clock) = manual().await;
    create(&engine, "t_ttl", false).await;
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "DISABLED"})
    );
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "exp").await),
        "TimeToLive is already disabled"
    );

    let out = set_ttl(&engine, "t_ttl", true, "exp")
        .await
        .expect("enable");
    assert_eq!(
        out,
        json!({"TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}})
    );
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"})
    );
    // Content errors come before the cooldown.
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", true, "exp").await),
        "TimeToLive is already enabled"
    );
    let different =
        "TimeToLive is active on a different AttributeName: current AttributeName is exp";
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", true, "other").await),
        different
    );
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "other").await),
        different
    );

    let cooldown = "Time to live has been modified multiple times within a fixed interval";
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "exp").await),
        cooldown
    );
    clock.advance(HOUR_MS - 1);
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", false, "exp").await),
        cooldown
    );
    clock.advance(1);
    let out = set_ttl(&engine, "t_ttl", false, "exp")
        .await
        .expect("disable after the cooldown");
    assert_eq!(
        out,
        json!({"TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}})
    );
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "DISABLED"})
    );
    // The disable started a new cooldown; failed attempts do not extend it.
    assert_eq!(
        err_message(set_ttl(&engine, "t_ttl", true, "ttl2").await),
        cooldown
    );
    clock.advance(HOUR_MS);
    set_ttl(&engine, "t_ttl", true, "ttl2")
        .await
        .expect("enable another attribute");

    // Persisted in the catalog record: a second engine over the same store sees it.
    let (reopened, _) = open(engine.storage().clone(), Duration::from_secs(3600)).await;
    assert_eq!(
        describe(&reopened, "t_ttl").await,
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl2"})
    );
    // DescribeTable does not show TTL, and a recreated table starts without it.
    let table = call(&engine, "DescribeTable", json!({"TableName": "t_ttl"}))
        .await
        .expect("DescribeTable");
    assert!(!table.to_string().contains("ttl2"));
    call(&engine, "DeleteTable", json!({"TableName": "t_ttl"}))
        .await
        .expect("DeleteTable");
    create(&engine, "t_ttl", false).await;
    assert_eq!(
        describe(&engine, "t_ttl").await,
        json!({"TimeToLiveStatus": "DISABLED"})
    );
    set_ttl(&engine, "t_ttl", true, "exp")
        .await
        .expect("a new table has no cooldown");
}

#[tokio::test]
async fn request_shape_and_missing_tables() {
    let (engine, _) = manual().await;
    create(&engine, "t_shape", false).await;
    let nf = |r: Result<Value, ApiError>| matches!(r, Err(ApiError::ResourceNotFound(_)));
    assert!(nf(set_ttl(&engine, "missing", true, "exp").await));
    assert!(nf(call(
        &engine,
        "DescribeTimeToLive",
        json!({"TableName": "missing"})
    )
    .await));

    let update = |body: Value| call(&engine, "UpdateTimeToLive", body);
    let m = err_message(update(json!({"TableName": "t_shape"})).await);
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null"
    );
    let m = err_message(
        update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"AttributeName": "x"}}))
            .await,
    );
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null"
    );
    let m = err_message(
        update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": true}})).await,
    );
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null"
    );
    let m = err_message(update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": ""}})).await);
    assert_eq!(
        m,
        "1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    let long = "a".repeat(256);
    let m = err_message(update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": long}})).await);
    assert!(
        m.ends_with("Member must have length less than or equal to 255"),
        "{m}"
    );
    let m = err_message(update(json!({"TimeToLiveSpecification": {}})).await);
    assert!(
        m.starts_with("3 validation errors detected: Value null at 'tableName'"),
        "{m}"
    );
    let r = update(json!({"TableName": "t_shape", "TimeToLiveSpecification": {"Enabled": "yes", "AttributeName": "x"}})).await;
    assert!(matches!(r, Err(ApiError::Serialization(_))), "{r:?}");
    set_ttl(&engine, "t_shape", true, &"a".repeat(255))
        .await
        .expect("255 characters are fine");
}
