//! Which writes produce records: no-op writes, failed conditions and cancelled
//! transactions produce none; every write path (single items, batches, transactions,
//! PartiQL) produces one per changed item, classified INSERT / MODIFY / REMOVE.

use super::*;

const T: &str = "cls";

/// Sends a raw JSON body (to control member order inside maps).
async fn call_raw(engine: &Engine, op: &str, body: &str) -> Result<Value, ApiError> {
    let out = engine
        .dynamodb(op, body.as_bytes(), &RequestContext::default())
        .await?;
    Ok(serde_json::from_slice(&out).expect("decode"))
}

/// A fresh NEW_AND_OLD_IMAGES table `T` and its stream ARN.
async fn table() -> (Arc<Engine>, String) {
    let (engine, _clock) = engine().await;
    let arn = create_table(&engine, T, "NEW_AND_OLD_IMAGES", false).await;
    (engine, arn)
}

/// The (eventName, pk) of every record.
fn names(records: &[Value]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["eventName"].as_str().expect("eventName").to_string(),
                rec_pk(r),
            )
        })
        .collect()
}

fn pair(name: &str, pk: &str) -> (String, String) {
    (name.to_string(), pk.to_string())
}

fn update(pk: &str, expr: &str, values: Value) -> Value {
    let mut b = json!({"TableName": T, "Key": {"pk": {"S": pk}}, "UpdateExpression": expr});
    if !values.as_object().expect("object").is_empty() {
        b["ExpressionAttributeValues"] = values;
    }
    b
}

#[tokio::test]
async fn no_op_writes_produce_no_record() {
    let (engine, arn) = table().await;
    let original = r#"{"TableName":"cls","Item":{"pk":{"S":"a"},"n":{"N":"1"},
        "m":{"M":{"x":{"N":"1"},"y":{"S":"two"}}},"ss":{"SS":["p","q"]},"l":{"L":[{"N":"1"}]}}}"#;
    call_raw(&engine, "PutItem", original).await.expect("put");
    assert_eq!(all_records(&engine, &arn).await.len(), 1);

    // Identical put; 1.0 for 1; map members and set elements in another order.
    call_raw(&engine, "PutItem", original)
        .await
        .expect("identical");
    let same = r#"{"TableName":"cls","Item":{"l":{"L":[{"N":"1.00"}]},"ss":{"SS":["q","p"]},
        "m":{"M":{"y":{"S":"two"},"x":{"N":"10E-1"}}},"n":{"N":"1.0"},"pk":{"S":"a"}}}"#;
    call_raw(&engine, "PutItem", same).await.expect("equal put");
    let noop_updates = [
        update("a", "SET n = :v", json!({":v": {"N": "1"}})),
        update("a", "SET n = :v", json!({":v": {"N": "1.000"}})),
        update("a", "SET m.y = :v", json!({":v": {"S": "two"}})),
        update("a", "ADD n :z", json!({":z": {"N": "0"}})),
        update("a", "ADD ss :s", json!({":s": {"SS": ["p"]}})),
        update("a", "REMOVE nothere, m.nothere", json!({})),
        update("a", "DELETE noset :s", json!({":s": {"SS": ["p"]}})),
        update("a", "DELETE ss :s", json!({":s": {"SS": ["zz"]}})),
        // REMOVE-only on a missing item creates nothing.
        update("absent", "REMOVE x", json!({})),
    ];
    for body in noop_updates {
        ok(&engine, "UpdateItem", body).await;
    }
    ok(
        &engine,
        "DeleteItem",
        json!({"TableName": T, "Key": {"pk": {"S": "absent"}}}),
    )
    .await;
    let item = ok(
        &engine,
        "GetItem",
        json!({"TableName": T, "Key": {"pk": {"S": "absent"}}}),
    )
    .await;
    assert!(item.get("Item").is_none(), "REMOVE-only created the item");

    let records = all_records(&engine, &arn).await;
    assert_eq!(names(&records), vec![pair("INSERT", "a")], "{records:#?}");

    // A real change after all that is still recorded.
    ok(
        &engine,
        "UpdateItem",
        update("a", "ADD n :one", json!({":one": {"N": "1"}})),
    )
    .await;
    assert_eq!(all_records(&engine, &arn).await.len(), 2);
}

#[tokio::test]
async fn failed_conditions_and_cancelled_transactions_produce_no_record() {
    let (engine, arn) = table().await;
    put(&engine, T, kv("a", 1)).await;
    let failing = [
        (
            "PutItem",
            json!({"TableName": T, "Item": kv("a", 2), "ConditionExpression": "attribute_not_exists(pk)"}),
        ),
        (
            "PutItem",
            json!({"TableName": T, "Item": kv("new", 2), "ConditionExpression": "attribute_exists(pk)"}),
        ),
        ("UpdateItem", {
            let mut b = update(
                "a",
                "SET v = :v",
                json!({":v": {"N": "3"}, ":old": {"N": "9"}}),
            );
            b["ConditionExpression"] = json!("v = :old");
            b
        }),
        (
            "DeleteItem",
            json!({"TableName": T, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "v > :x",
                "ExpressionAttributeValues": {":x": {"N": "100"}}}),
        ),
        (
            "TransactWriteItems",
            json!({"TransactItems": [
                {"Put": {"TableName": T, "Item": kv("t1", 1)}},
                {"Update": {"TableName": T, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "5"}}}},
                {"Delete": {"TableName": T, "Key": {"pk": {"S": "t2"}}}},
                {"ConditionCheck": {"TableName": T, "Key": {"pk": {"S": "a"}},
                    "ConditionExpression": "attribute_not_exists(pk)"}},
            ]}),
        ),
        (
            "ExecuteTransaction",
            json!({"TransactStatements": [
                {"Statement": "INSERT INTO \"cls\" VALUE {'pk': 'p1', 'v': 1}"},
                {"Statement": "UPDATE \"cls\" SET v = 7 WHERE pk = 'a' AND v = 99"},
            ]}),
        ),
    ];
    for (op, body) in failing {
        let e = call(&engine, op, body.clone()).await;
        assert!(e.is_err(), "{op} {body} should fail");
    }
    let records = all_records(&engine, &arn).await;
    assert_eq!(names(&records), vec![pair("INSERT", "a")], "{records:#?}");
    let item = ok(
        &engine,
        "GetItem",
        json!({"TableName": T, "Key": {"pk": {"S": "a"}}}),
    )
    .await;
    assert_eq!(item["Item"], kv("a", 1));
}

#[tokio::test]
async fn every_write_path_records_each_changed_item_once() {
    let (engine, arn) = table().await;
    put(&engine, T, json!({"pk": {"S": "keep"}, "v": {"N": "1"}})).await;
    put(
        &engine,
        T,
        json!({"pk": {"S": "old"}, "v": {"N": "1"}, "gone": {"S": "x"}}),
    )
    .await;
    let mark = all_records(&engine, &arn).await.len();
    assert_eq!(mark, 2);

    // PutItem replacing an item: one MODIFY with both full images.
    put(&engine, T, json!({"pk": {"S": "old"}, "v": {"N": "2"}})).await;
    // UpdateItem creating an item, and with no clauses on a missing key.
    ok(
        &engine,
        "UpdateItem",
        update("u1", "SET v = :v", json!({":v": {"N": "1"}})),
    )
    .await;
    ok(
        &engine,
        "UpdateItem",
        json!({"TableName": T, "Key": {"pk": {"S": "u2"}}}),
    )
    .await;
    // REMOVE every non-key attribute, then SET one again.
    ok(&engine, "UpdateItem", update("u1", "REMOVE v", json!({}))).await;
    ok(
        &engine,
        "UpdateItem",
        update("u1", "SET w = :w", json!({":w": {"S": "x"}})),
    )
    .await;
    // BatchWriteItem: two puts, an identical put and a delete of a missing item.
    ok(
        &engine,
        "BatchWriteItem",
        json!({"RequestItems": {T: [
            {"PutRequest": {"Item": kv("b1", 1)}},
            {"PutRequest": {"Item": kv("b2", 1)}},
            {"PutRequest": {"Item": kv("keep", 1)}},
            {"DeleteRequest": {"Key": {"pk": {"S": "nobody"}}}},
        ]}}),
    )
    .await;
    // TransactWriteItems: put, update, delete, and a ConditionCheck (no record).
    ok(
        &engine,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": T, "Item": kv("t1", 1)}},
            {"Update": {"TableName": T, "Key": {"pk": {"S": "b1"}}, "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"N": "2"}}}},
            {"Delete": {"TableName": T, "Key": {"pk": {"S": "b2"}}}},
            {"ConditionCheck": {"TableName": T, "Key": {"pk": {"S": "keep"}},
                "ConditionExpression": "attribute_exists(pk)"}},
        ]}),
    )
    .await;
    // PartiQL: single statements, a batch (one no-op), a transaction.
    for s in [
        "INSERT INTO \"cls\" VALUE {'pk': 'q1', 'v': 1}",
        "UPDATE \"cls\" SET v = 2 WHERE pk = 'q1'",
        "UPDATE \"cls\" SET v = 2 WHERE pk = 'q1'",
        "DELETE FROM \"cls\" WHERE pk = 'q1'",
    ] {
        ok(&engine, "ExecuteStatement", json!({"Statement": s})).await;
    }
    ok(
        &engine,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "INSERT INTO \"cls\" VALUE {'pk': 'q2', 'v': 1}"},
            {"Statement": "UPDATE \"cls\" SET v = 1 WHERE pk = 'keep'"},
            {"Statement": "UPDATE \"cls\" SET v = 5 WHERE pk = 't1'"},
        ]}),
    )
    .await;
    ok(
        &engine,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "INSERT INTO \"cls\" VALUE {'pk': 'q3', 'v': 1}"},
            {"Statement": "DELETE FROM \"cls\" WHERE pk = 'q2'"},
        ]}),
    )
    .await;

    let records = all_records(&engine, &arn).await;
    let got = names(&records[mark..]);
    let head = got.get(..5).unwrap_or_default().to_vec();
    let want_head = vec![
        pair("MODIFY", "old"),
        pair("INSERT", "u1"),
        pair("INSERT", "u2"),
        pair("MODIFY", "u1"),
        pair("MODIFY", "u1"),
    ];
    assert_eq!(head, want_head);
    // Within one batch or transaction the order across items is not specified.
    let mut rest: Vec<Vec<(String, String)>> = Vec::new();
    let mut at = 5;
    for n in [2, 3, 1, 1, 1, 2, 2] {
        let mut part = got.get(at..at + n).unwrap_or_default().to_vec();
        part.sort();
        rest.push(part);
        at += n;
    }
    assert_eq!(at, got.len(), "record count: {got:?}");
    let sorted = |v: Vec<(String, String)>| {
        let mut v = v;
        v.sort();
        v
    };
    let want_rest = vec![
        sorted(vec![pair("INSERT", "b1"), pair("INSERT", "b2")]),
        sorted(vec![
            pair("INSERT", "t1"),
            pair("MODIFY", "b1"),
            pair("REMOVE", "b2"),
        ]),
        vec![pair("INSERT", "q1")],
        vec![pair("MODIFY", "q1")],
        vec![pair("REMOVE", "q1")],
        sorted(vec![pair("INSERT", "q2"), pair("MODIFY", "t1")]),
        sorted(vec![pair("INSERT", "q3"), pair("REMOVE", "q2")]),
    ];
    assert_eq!(rest, want_rest);

    // Images: the replacing put, the key-only insert, the REMOVE-everything and back.
    let r = &records[mark..];
    assert_eq!(
        r[0]["dynamodb"]["OldImage"],
        json!({"pk": {"S": "old"}, "v": {"N": "1"}, "gone": {"S": "x"}})
    );
    assert_eq!(
        r[0]["dynamodb"]["NewImage"],
        json!({"pk": {"S": "old"}, "v": {"N": "2"}})
    );
    assert_eq!(r[2]["dynamodb"]["NewImage"], json!({"pk": {"S": "u2"}}));
    assert!(r[2]["dynamodb"].get("OldImage").is_none());
    assert_eq!(r[3]["dynamodb"]["NewImage"], json!({"pk": {"S": "u1"}}));
    assert_eq!(r[4]["dynamodb"]["OldImage"], json!({"pk": {"S": "u1"}}));
    let removes: Vec<&Value> = r
        .iter()
        .filter(|x| x["eventName"] == json!("REMOVE"))
        .collect();
    for x in removes {
        assert!(x["dynamodb"].get("NewImage").is_none());
        assert_eq!(x["dynamodb"]["OldImage"]["pk"], x["dynamodb"]["Keys"]["pk"]);
    }
    assert_increasing(&records);
}

#[tokio::test]
async fn composite_keys_in_one_batch_each_get_a_record() {
    let (engine, _clock) = engine().await;
    let arn = create_table(&engine, "cls_rk", "KEYS_ONLY", true).await;
    let puts: Vec<Value> = (0..5)
        .map(|i| json!({"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": i.to_string()}}}}))
        .collect();
    ok(
        &engine,
        "BatchWriteItem",
        json!({"RequestItems": {"cls_rk": puts}}),
    )
    .await;
    let records = all_records(&engine, &arn).await;
    let mut sks: Vec<String> = records
        .iter()
        .map(|r| {
            assert_eq!(r["dynamodb"]["Keys"]["pk"], json!({"S": "p"}));
            assert!(r["dynamodb"].get("NewImage").is_none(), "KEYS_ONLY");
            r["dynamodb"]["Keys"]["sk"]["N"]
                .as_str()
                .expect("sk")
                .to_string()
        })
        .collect();
    sks.sort();
    assert_eq!(sks, ["0", "1", "2", "3", "4"]);
}
