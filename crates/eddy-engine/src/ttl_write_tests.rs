//! Engine-level tests of what the expiry delete shares with DeleteItem: the re-check under
//! the item lock (a refreshed or deleted item is left alone, also under concurrency) and
//! the removal of secondary-index entries.

use super::*;

#[tokio::test]
async fn the_delete_rechecks_the_item_under_its_lock() {
    let (engine, clock) = manual().await;
    create(&engine, "t_race", false).await;
    set_ttl(&engine, "t_race", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    put(
        &engine,
        "t_race",
        json!({"pk": {"S": "a"}, "exp": {"N": secs(now, -5)}}),
    )
    .await;
    put(
        &engine,
        "t_race",
        json!({"pk": {"S": "b"}, "exp": {"N": secs(now, -5)}}),
    )
    .await;
    // The scan nominated both; before the deletes ran, `a` was refreshed and `b` deleted.
    let expiry = Expiry::at(now).expect("expiry");
    let update = json!({"TableName": "t_race", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET exp = :f",
        "ExpressionAttributeValues": {":f": {"N": secs(now, 3600)}}});
    call(&engine, "UpdateItem", update)
        .await
        .expect("UpdateItem");
    call(
        &engine,
        "DeleteItem",
        json!({"TableName": "t_race", "Key": {"pk": {"S": "b"}}}),
    )
    .await
    .expect("DeleteItem");
    let entry = engine.catalog.get("t_race").expect("table");
    for pk in ["a", "b"] {
        let key = crate::keys::key_of_item(
            &entry.def.key,
            &[("pk".to_string(), eddy_types::AttributeValue::S(pk.into()))].into(),
        )
        .expect("key");
        assert!(
            !engine
                .expire_item(&entry, key, "exp", &expiry)
                .await
                .expect("expire_item")
        );
    }
    assert!(exists(&engine, "t_race", json!({"pk": {"S": "a"}})).await);
    assert!(
        !exists(&engine, "t_race", json!({"pk": {"S": "b"}})).await,
        "no resurrection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_are_never_lost() {
    let (engine, clock) = manual().await;
    create(&engine, "t_conc", false).await;
    set_ttl(&engine, "t_conc", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    let n = 400;
    for i in 0..n {
        put(
            &engine,
            "t_conc",
            json!({"pk": {"S": format!("k{i}")}, "exp": {"N": secs(now, -5)}}),
        )
        .await;
    }
    let refresher = {
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut refreshed = Vec::new();
            for i in (0..n).rev() {
                let update = json!({"TableName": "t_conc", "Key": {"pk": {"S": format!("k{i}")}},
                    "UpdateExpression": "SET exp = :f", "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":f": {"N": secs(now, 3600)}}});
                match call(&engine, "UpdateItem", update).await {
                    Ok(_) => refreshed.push(i),
                    Err(ApiError::ConditionalCheckFailed { .. }) => {}
                    Err(e) => panic!("UpdateItem: {e}"),
                }
            }
            refreshed
        })
    };
    let deleted = pass(&engine).await;
    let refreshed = refresher.await.expect("refresher");
    assert_eq!(
        deleted + refreshed.len(),
        n,
        "every item is either expired or refreshed"
    );
    for i in refreshed {
        assert!(
            exists(&engine, "t_conc", json!({"pk": {"S": format!("k{i}")}})).await,
            "refreshed k{i} was deleted"
        );
    }
}

#[tokio::test]
async fn expiry_removes_secondary_index_entries() {
    let (engine, clock) = manual().await;
    let body = json!({
        "TableName": "t_idx",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "gk", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [{
            "IndexName": "gsi",
            "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        "BillingMode": "PAY_PER_REQUEST",
    });
    call(&engine, "CreateTable", body)
        .await
        .expect("CreateTable");
    set_ttl(&engine, "t_idx", true, "exp")
        .await
        .expect("enable");
    let now = clock.now_millis();
    put(
        &engine,
        "t_idx",
        json!({"pk": {"S": "old"}, "gk": {"S": "x"}, "exp": {"N": secs(now, -5)}}),
    )
    .await;
    put(
        &engine,
        "t_idx",
        json!({"pk": {"S": "new"}, "gk": {"S": "x"}, "exp": {"N": secs(now, 60)}}),
    )
    .await;
    let query = || {
        call(
            &engine,
            "Query",
            json!({"TableName": "t_idx", "IndexName": "gsi",
            "KeyConditionExpression": "gk = :x", "ExpressionAttributeValues": {":x": {"S": "x"}}}),
        )
    };
    assert_eq!(query().await.expect("Query")["Count"], json!(2));
    assert_eq!(pass(&engine).await, 1);
    let out = query().await.expect("Query");
    assert_eq!(out["Count"], json!(1), "{out}");
    assert_eq!(out["Items"][0]["pk"], json!({"S": "new"}));
}
