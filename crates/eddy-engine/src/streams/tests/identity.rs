//! `userIdentity`: Service for TTL deletes, the authenticated principal with
//! `StreamConfig.identity`, absent otherwise.

use super::*;
use tokio::sync::watch;

fn alice() -> RequestContext {
    RequestContext {
        principal: Some("alice".into()),
        ..RequestContext::default()
    }
}

/// A table with TTL on `exp`, one expired item `dead` (deleted by a TTL pass) and one
/// client write per operation, all sent as `alice`.
async fn scenario(identity: bool) -> Vec<Value> {
    let (engine, clock) = engine_with(stream_config(24 * HOUR_MS, 4 * HOUR_MS, identity)).await;
    let arn = create_table(&engine, "who", "NEW_AND_OLD_IMAGES", false).await;
    let spec = json!({"Enabled": true, "AttributeName": "exp"});
    ok(
        &engine,
        "UpdateTimeToLive",
        json!({"TableName": "who", "TimeToLiveSpecification": spec}),
    )
    .await;
    let ctx = alice();
    let past = (clock.now_millis() / 1000 - 10).to_string();
    let dead = json!({"pk": {"S": "dead"}, "exp": {"N": past}, "x": {"S": "full"}});
    let writes = [
        ("PutItem", json!({"TableName": "who", "Item": dead})),
        ("PutItem", json!({"TableName": "who", "Item": kv("a", 1)})),
        (
            "UpdateItem",
            json!({"TableName": "who", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"N": "2"}}}),
        ),
        (
            "DeleteItem",
            json!({"TableName": "who", "Key": {"pk": {"S": "a"}}}),
        ),
        (
            "ExecuteStatement",
            json!({"Statement": "INSERT INTO \"who\" VALUE {'pk': 'q', 'v': 1}"}),
        ),
    ];
    for (op, body) in writes {
        call_as(&engine, op, body, &ctx).await.expect(op);
    }
    let (_tx, rx) = watch::channel(false);
    let expired = engine.expire_pass(&rx).await.expect("TTL pass");
    assert_eq!(expired, 1);
    let records = all_records(&engine, &arn).await;
    assert_eq!(records.len(), 6, "{records:#?}");
    records
}

fn ttl_record(records: &[Value]) -> &Value {
    let last = records.last().expect("records");
    assert_eq!(rec_pk(last), "dead");
    last
}

#[tokio::test]
async fn ttl_deletes_carry_the_service_identity() {
    let records = scenario(false).await;
    let ttl = ttl_record(&records);
    assert_eq!(ttl["eventName"], json!("REMOVE"));
    assert_eq!(
        ttl["userIdentity"],
        json!({"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
    );
    assert_eq!(ttl["dynamodb"]["OldImage"]["x"], json!({"S": "full"}));
    assert!(ttl["dynamodb"].get("NewImage").is_none());
    // Identity off: client writes carry none, even when authenticated.
    for r in &records[..records.len() - 1] {
        assert!(r.get("userIdentity").is_none(), "{r}");
    }
}

#[tokio::test]
async fn with_identity_on_client_writes_name_the_principal() {
    let records = scenario(true).await;
    for r in &records[..records.len() - 1] {
        assert_eq!(
            r["userIdentity"],
            json!({"Type": "User", "PrincipalId": "alice"}),
            "{r}"
        );
    }
    // TTL deletes stay the service's, not the last client's.
    assert_eq!(
        ttl_record(&records)["userIdentity"],
        json!({"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
    );
}

#[tokio::test]
async fn with_identity_on_anonymous_writes_carry_none() {
    let (engine, _clock) = engine_with(stream_config(24 * HOUR_MS, 4 * HOUR_MS, true)).await;
    let arn = create_table(&engine, "anon", "KEYS_ONLY", false).await;
    put(&engine, "anon", kv("a", 1)).await;
    call_as(
        &engine,
        "PutItem",
        json!({"TableName": "anon", "Item": kv("b", 1)}),
        &RequestContext {
            principal: Some("bob".into()),
            ..RequestContext::default()
        },
    )
    .await
    .expect("put as bob");
    let records = all_records(&engine, &arn).await;
    assert_eq!(records.len(), 2);
    assert!(records[0].get("userIdentity").is_none());
    assert_eq!(
        records[1]["userIdentity"],
        json!({"Type": "User", "PrincipalId": "bob"})
    );
}
