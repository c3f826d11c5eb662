//! Key validation on a hash+range table and the key size limits.

use aws_sdk_dynamodb::types::AttributeValue as AV;
use eddy_e2e::*;

/// Hash `pk` (S) + range `sk` (N) table.
async fn table() -> (TestServer, String) {
    let srv = TestServer::start_memory().await;
    let name = unique_name("keys");
    create_hash_range_table(&srv.client, &name)
        .await
        .expect("create table");
    (srv, name)
}

async fn put(srv: &TestServer, t: &str, it: Item) -> Result<(), ApiErr> {
    match srv
        .client
        .put_item()
        .table_name(t)
        .set_item(Some(it))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => Err(api_err::<(), _, _>(Err(e))),
    }
}

const HASH_TOO_BIG: &[&str] = &[
    "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes",
];
const RANGE_TOO_BIG: &[&str] = &[
    "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes",
];

#[tokio::test]
async fn items_are_addressed_by_hash_and_range_key() -> TestResult {
    let (srv, t) = table().await;
    for sk in ["1", "2", "10.5"] {
        put(
            &srv,
            &t,
            item([("pk", s("h")), ("sk", n(sk)), ("v", s(sk))]),
        )
        .await
        .map_err(|e| format!("{e:?}"))?;
    }
    // 10.50 and 10.5 are the same number, hence the same key
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("h"))
        .key("sk", n("10.50"))
        .consistent_read(true)
        .send()
        .await?;
    assert_eq!(
        got.item(),
        Some(&item([("pk", s("h")), ("sk", n("10.5")), ("v", s("10.5"))]))
    );
    srv.client
        .delete_item()
        .table_name(&t)
        .key("pk", s("h"))
        .key("sk", n("2"))
        .send()
        .await?;
    for (sk, present) in [("1", true), ("2", false), ("10.5", true)] {
        let got = srv
            .client
            .get_item()
            .table_name(&t)
            .key("pk", s("h"))
            .key("sk", n(sk))
            .consistent_read(true)
            .send()
            .await?;
        assert_eq!(got.item().is_some(), present, "sk {sk}");
    }
    Ok(())
}

#[tokio::test]
async fn range_key_missing_or_of_wrong_type_is_rejected() {
    let (srv, t) = table().await;
    let e = put(&srv, &t, item([("pk", s("a"))]))
        .await
        .expect_err("missing range key");
    e.assert(
        "ValidationException",
        &[
            "One or more parameter values were invalid: Missing the key sk in the item",
            "One of the required keys was not given a value",
        ],
    );
    let e = put(&srv, &t, item([("pk", s("a")), ("sk", s("1"))]))
        .await
        .expect_err("string range key");
    e.assert(
        "ValidationException",
        &[
            "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S",
            "One or more parameter values were invalid: Type mismatch for key",
        ],
    );
    let res = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("a"))
        .send()
        .await;
    api_err(res).assert(
        "ValidationException",
        &[
            "The provided key element does not match the schema",
            "The number of conditions on the keys is invalid",
        ],
    );
}

#[tokio::test]
async fn hash_key_over_2048_bytes_is_rejected() {
    let srv = TestServer::start_memory().await;
    let t = unique_name("keys-h");
    create_hash_table(&srv.client, &t)
        .await
        .expect("create table");
    put(&srv, &t, item([("pk", s(&"h".repeat(2048)))]))
        .await
        .expect("2048-byte hash key is accepted");
    // 1024 two-byte characters = 2048 bytes; one more is over
    put(&srv, &t, item([("pk", s(&"é".repeat(1024)))]))
        .await
        .expect("2048 bytes of UTF-8 are accepted");
    let e = put(&srv, &t, item([("pk", s(&"h".repeat(2049)))]))
        .await
        .expect_err("2049 bytes");
    e.assert("ValidationException", HASH_TOO_BIG);
    let e = put(
        &srv,
        &t,
        item([("pk", s(&format!("{}x", "é".repeat(1024))))]),
    )
    .await
    .expect_err("2049 bytes of UTF-8");
    e.assert("ValidationException", HASH_TOO_BIG);
}

#[tokio::test]
async fn range_key_over_1024_bytes_is_rejected() {
    let srv = TestServer::start_memory().await;
    let t = unique_name("keys-r");
    srv.client
        .create_table()
        .table_name(&t)
        .key_schema(hash_key("pk"))
        .key_schema(range_key("sk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("sk", "B"))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create table");
    wait_active(&srv.client, &t).await.expect("active");
    let bin = |len: usize| AV::B(vec![7u8; len].into());
    put(&srv, &t, item([("pk", s("a")), ("sk", bin(1024))]))
        .await
        .expect("1024-byte range key is accepted");
    let e = put(&srv, &t, item([("pk", s("a")), ("sk", bin(1025))]))
        .await
        .expect_err("1025 bytes");
    e.assert("ValidationException", RANGE_TOO_BIG);
}

#[tokio::test]
async fn secondary_index_keys_are_validated() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("keys-idx");
    let keys_only = || {
        aws_sdk_dynamodb::types::Projection::builder()
            .projection_type(aws_sdk_dynamodb::types::ProjectionType::KeysOnly)
            .build()
    };
    srv.client
        .create_table()
        .table_name(&t)
        .key_schema(hash_key("pk"))
        .key_schema(range_key("sk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("sk", "N"))
        .attribute_definitions(attr("g", "S"))
        .attribute_definitions(attr("l", "B"))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .global_secondary_indexes(
            aws_sdk_dynamodb::types::GlobalSecondaryIndex::builder()
                .index_name("gsi1")
                .key_schema(hash_key("g"))
                .projection(keys_only())
                .build()?,
        )
        .local_secondary_indexes(
            aws_sdk_dynamodb::types::LocalSecondaryIndex::builder()
                .index_name("lsi1")
                .key_schema(hash_key("pk"))
                .key_schema(range_key("l"))
                .projection(keys_only())
                .build()?,
        )
        .send()
        .await?;
    wait_active(&srv.client, &t).await?;
    let base = || item([("pk", s("a")), ("sk", n("1"))]);
    for (attr_name, v) in [("g", n("5")), ("l", s("x"))] {
        let mut it = base();
        it.insert(attr_name.into(), v);
        let e = put(&srv, &t, it)
            .await
            .expect_err("index key type mismatch");
        e.assert_contains(
            "ValidationException",
            &["One or more parameter values were invalid: Type mismatch for Index Key"],
        );
    }
    let mut it = base();
    it.insert("g".into(), s(""));
    let e = put(&srv, &t, it).await.expect_err("empty index key");
    e.assert_contains(
        "ValidationException",
        &["A value specified for a secondary index key is not supported"],
    );
    put(&srv, &t, base()).await.map_err(|e| format!("{e:?}"))?;
    let res = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("a"))
        .key("sk", n("1"))
        .update_expression("SET g = :v")
        .expression_attribute_values(":v", n("1"))
        .send()
        .await;
    api_err(res).assert_contains("ValidationException", &["Type mismatch for Index Key"]);
    let res = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("a"))
        .key("sk", n("1"))
        .update_expression("SET g = :v")
        .expression_attribute_values(":v", s(""))
        .send()
        .await;
    api_err(res).assert(
        "ValidationException",
        &["One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value."],
    );
    // a non-key attribute may be any type, and the item is unchanged by the failures
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("a"))
        .key("sk", n("1"))
        .consistent_read(true)
        .send()
        .await?;
    assert_eq!(got.item(), Some(&base()));
    Ok(())
}
