//! Validation errors of the table operations. Messages are AWS's where known, with
//! DynamoDB Local's wording accepted as the alternative.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement};
use eddy_e2e::*;

const BAD_NAME: &[&str] = &[
    "Table/index names must be between 3 and 255 characters long",
    "failed to satisfy constraint",
];

async fn create(
    client: &Client,
    name: &str,
    keys: Vec<KeySchemaElement>,
    defs: Vec<AttributeDefinition>,
) -> ApiErr {
    let res = client
        .create_table()
        .table_name(name)
        .set_key_schema(Some(keys))
        .set_attribute_definitions(Some(defs))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    api_err(res)
}

#[tokio::test]
async fn key_attribute_without_definition_is_rejected() {
    let srv = TestServer::start_memory().await;
    let name = unique_name("ce");
    let e = create(
        &srv.client,
        &name,
        vec![hash_key("pk")],
        vec![attr("other", "S")],
    )
    .await;
    e.assert(
        "ValidationException",
        &[
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]",
            "Hash Key not specified in Attribute Definitions.  Type unknown.",
        ],
    );
    let e = create(
        &srv.client,
        &name,
        vec![hash_key("pk"), range_key("sk")],
        vec![attr("pk", "S")],
    )
    .await;
    e.assert_contains(
        "ValidationException",
        &[
            "Some index key attributes are not defined in AttributeDefinitions. Keys: [",
            "Range Key not specified in Attribute Definitions.  Type unknown.",
        ],
    );
}

#[tokio::test]
async fn unused_attribute_definition_is_rejected() {
    let srv = TestServer::start_memory().await;
    let e = create(
        &srv.client,
        &unique_name("ce"),
        vec![hash_key("pk")],
        vec![attr("pk", "S"), attr("zz", "S")],
    )
    .await;
    e.assert(
        "ValidationException",
        &[
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            "The number of attributes in key schema must match the number of attributes defined in attribute definitions.",
        ],
    );
}

#[tokio::test]
async fn key_attribute_type_must_be_s_n_or_b() {
    let srv = TestServer::start_memory().await;
    for ty in ["BOOL", "L", "SS"] {
        let e = create(
            &srv.client,
            &unique_name("ce"),
            vec![hash_key("pk")],
            vec![attr("pk", ty)],
        )
        .await;
        e.assert_contains(
            "ValidationException",
            &["Member must satisfy enum value set: [B, N, S]"],
        );
    }
}

#[tokio::test]
async fn table_name_too_short_too_long_or_with_bad_chars_is_rejected() {
    let srv = TestServer::start_memory().await;
    let long = "a".repeat(256);
    for name in ["ab", "bad name!", "tab/le", long.as_str()] {
        let e = create(
            &srv.client,
            name,
            vec![hash_key("pk")],
            vec![attr("pk", "S")],
        )
        .await;
        e.assert_contains("ValidationException", BAD_NAME);
    }
    // the boundaries are accepted
    let mut longest = unique_name("max");
    longest.push_str(&"x".repeat(255 - longest.len()));
    for name in [unique_name("a.b_c-D"), longest] {
        create_hash_table(&srv.client, &name)
            .await
            .unwrap_or_else(|e| panic!("{name:?} rejected: {e}"));
    }
}

#[tokio::test]
async fn key_schema_shape_errors() {
    let srv = TestServer::start_memory().await;
    let name = unique_name("ce");
    let e = create(
        &srv.client,
        &name,
        vec![hash_key("pk"), range_key("sk"), range_key("x")],
        vec![attr("pk", "S"), attr("sk", "S"), attr("x", "S")],
    )
    .await;
    e.assert_contains(
        "ValidationException",
        &[
            "Member must have length less than or equal to 2",
            "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table",
        ],
    );
    let e = create(
        &srv.client,
        &name,
        vec![hash_key("pk"), hash_key("sk")],
        vec![attr("pk", "S"), attr("sk", "S")],
    )
    .await;
    e.assert(
        "ValidationException",
        &[
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
            "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key",
        ],
    );
    let e = create(
        &srv.client,
        &name,
        vec![range_key("sk"), hash_key("pk")],
        vec![attr("pk", "S"), attr("sk", "S")],
    )
    .await;
    e.assert(
        "ValidationException",
        &[
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
            "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second",
        ],
    );
    // none of these created anything
    let res = srv.client.describe_table().table_name(&name).send().await;
    assert_eq!(api_err(res).code, "ResourceNotFoundException");
}

#[tokio::test]
async fn provisioned_table_without_throughput_is_rejected() {
    let srv = TestServer::start_memory().await;
    let res = srv
        .client
        .create_table()
        .table_name(unique_name("ce"))
        .key_schema(hash_key("pk"))
        .attribute_definitions(attr("pk", "S"))
        .send()
        .await;
    api_err(res).assert(
        "ValidationException",
        &["No provisioned throughput specified for the table"],
    );
}

#[tokio::test]
async fn list_tables_limit_out_of_range_is_rejected() {
    let srv = TestServer::start_memory().await;
    let e = api_err(srv.client.list_tables().limit(0).send().await);
    e.assert_contains(
        "ValidationException",
        &[
            "Limit must be greater than or equal to 1",
            "Member must have value greater than or equal to 1",
        ],
    );
    let e = api_err(srv.client.list_tables().limit(101).send().await);
    e.assert_contains(
        "ValidationException",
        &[
            "Limit in ListTables must be <= 100",
            "Member must have value less than or equal to 100",
        ],
    );
}

#[tokio::test]
async fn update_table_without_changes_or_missing_table_fails() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("ce");
    create_hash_table(&srv.client, &name).await?;
    let e = api_err(srv.client.update_table().table_name(&name).send().await);
    e.assert_contains(
        "ValidationException",
        &["Nothing to update", "At least one of"],
    );
    let res = srv
        .client
        .update_table()
        .table_name(unique_name("ce-missing"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    assert_eq!(api_err(res).code, "ResourceNotFoundException");
    Ok(())
}
