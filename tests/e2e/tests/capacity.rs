//! ReturnConsumedCapacity: TOTAL / INDEXES shapes and the documented unit arithmetic
//! (writes: 1 unit per started KiB; reads: 1 per started 4 KiB, halved when eventually
//! consistent; index writes per affected index, 2 when an index key changes).

use aws_sdk_dynamodb::types::{
    BillingMode, ConsumedCapacity, GlobalSecondaryIndex, LocalSecondaryIndex, Projection,
    ProjectionType, ReturnConsumedCapacity as Rcc,
};
use eddy_e2e::*;

fn units(cc: Option<&ConsumedCapacity>) -> Option<f64> {
    cc.expect("ConsumedCapacity").capacity_units()
}

#[tokio::test]
async fn total_and_indexes_shapes_on_a_plain_table() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cap");
    create_hash_table(&srv.client, &t).await?;
    let out = srv
        .client
        .put_item()
        .table_name(&t)
        .item("pk", s("cc"))
        .return_consumed_capacity(Rcc::Total)
        .send()
        .await?;
    let cc = out.consumed_capacity().expect("ConsumedCapacity");
    assert_eq!(cc.table_name(), Some(t.as_str()));
    assert_eq!(cc.capacity_units(), Some(1.0));
    assert!(cc.table().is_none(), "TOTAL has no per-table breakdown");
    assert!(cc.global_secondary_indexes().is_none());
    let get = |consistent: bool, rcc: Rcc| {
        srv.client
            .get_item()
            .table_name(&t)
            .key("pk", s("cc"))
            .consistent_read(consistent)
            .return_consumed_capacity(rcc)
            .send()
    };
    let out = get(true, Rcc::Total).await?;
    assert_eq!(out.item().and_then(|i| get_s(i, "pk")), Some("cc"));
    assert_eq!(units(out.consumed_capacity()), Some(1.0));
    let out = get(false, Rcc::Indexes).await?;
    let cc = out.consumed_capacity().expect("ConsumedCapacity");
    assert_eq!(cc.capacity_units(), Some(0.5), "eventually consistent read");
    assert_eq!(cc.table().and_then(|c| c.capacity_units()), Some(0.5));
    let out = get(false, Rcc::None).await?;
    assert!(out.consumed_capacity().is_none());
    let out = srv
        .client
        .delete_item()
        .table_name(&t)
        .key("pk", s("cc"))
        .return_consumed_capacity(Rcc::Indexes)
        .send()
        .await?;
    let cc = out.consumed_capacity().expect("ConsumedCapacity");
    assert_eq!(cc.capacity_units(), Some(1.0));
    assert_eq!(cc.table().and_then(|c| c.capacity_units()), Some(1.0));
    // reading an absent item still costs the minimum
    let out = get(false, Rcc::Total).await?;
    assert_eq!(out.item(), None);
    assert_eq!(units(out.consumed_capacity()), Some(0.5));
    Ok(())
}

#[tokio::test]
async fn units_grow_with_item_size() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cap-size");
    create_hash_table(&srv.client, &t).await?;
    let put = |pk: &'static str, len: usize| {
        srv.client
            .put_item()
            .table_name(&t)
            .item("pk", s(pk))
            .item("d", s(&"x".repeat(len)))
            .return_consumed_capacity(Rcc::Total)
            .send()
    };
    assert_eq!(units(put("k1", 1500).await?.consumed_capacity()), Some(2.0));
    assert_eq!(units(put("k5", 5000).await?.consumed_capacity()), Some(5.0));
    let get = |consistent: bool| {
        srv.client
            .get_item()
            .table_name(&t)
            .key("pk", s("k5"))
            .projection_expression("pk")
            .consistent_read(consistent)
            .return_consumed_capacity(Rcc::Total)
            .send()
    };
    // a projection does not reduce the cost: the whole item is read
    assert_eq!(units(get(true).await?.consumed_capacity()), Some(2.0));
    assert_eq!(units(get(false).await?.consumed_capacity()), Some(1.0));
    let out = srv
        .client
        .delete_item()
        .table_name(&t)
        .key("pk", s("k5"))
        .return_consumed_capacity(Rcc::Total)
        .send()
        .await?;
    assert_eq!(
        units(out.consumed_capacity()),
        Some(5.0),
        "delete costs the old size"
    );
    Ok(())
}

#[tokio::test]
async fn index_writes_are_broken_down_per_index() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cap-idx");
    let keys_only = || {
        Projection::builder()
            .projection_type(ProjectionType::KeysOnly)
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
        .billing_mode(BillingMode::PayPerRequest)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("gsi1")
                .key_schema(hash_key("g"))
                .projection(keys_only())
                .build()?,
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("lsi1")
                .key_schema(hash_key("pk"))
                .key_schema(range_key("l"))
                .projection(keys_only())
                .build()?,
        )
        .send()
        .await?;
    wait_active(&srv.client, &t).await?;
    let put = |it: Item, rcc: Rcc| {
        srv.client
            .put_item()
            .table_name(&t)
            .set_item(Some(it))
            .return_consumed_capacity(rcc)
            .send()
    };
    // no index key attribute: only the table is written
    let out = put(item([("pk", s("a")), ("sk", n("1"))]), Rcc::Indexes).await?;
    let cc = out.consumed_capacity().expect("ConsumedCapacity");
    assert_eq!(cc.capacity_units(), Some(1.0));
    assert_eq!(cc.table().and_then(|c| c.capacity_units()), Some(1.0));
    assert!(cc.global_secondary_indexes().is_none_or(|m| m.is_empty()));
    assert!(cc.local_secondary_indexes().is_none_or(|m| m.is_empty()));
    // adding the GSI key: table + one GSI write
    let out = put(
        item([("pk", s("a")), ("sk", n("1")), ("g", s("x"))]),
        Rcc::Total,
    )
    .await?;
    assert_eq!(units(out.consumed_capacity()), Some(2.0));
    // changing the GSI key (delete + put there) and adding the LSI key
    let out = put(
        item([
            ("pk", s("a")),
            ("sk", n("1")),
            ("g", s("y")),
            (
                "l",
                aws_sdk_dynamodb::types::AttributeValue::B(vec![1u8].into()),
            ),
        ]),
        Rcc::Indexes,
    )
    .await?;
    let cc = out.consumed_capacity().expect("ConsumedCapacity");
    assert_eq!(cc.capacity_units(), Some(4.0), "{cc:?}");
    assert_eq!(cc.table().and_then(|c| c.capacity_units()), Some(1.0));
    let gsi = cc.global_secondary_indexes().expect("GSI breakdown");
    assert_eq!(gsi.get("gsi1").and_then(|c| c.capacity_units()), Some(2.0));
    let lsi = cc.local_secondary_indexes().expect("LSI breakdown");
    assert_eq!(lsi.get("lsi1").and_then(|c| c.capacity_units()), Some(1.0));
    // an update of an attribute no index projects touches the table only
    let out = srv
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("a"))
        .key("sk", n("1"))
        .update_expression("SET z = :z")
        .expression_attribute_values(":z", n("1"))
        .return_consumed_capacity(Rcc::Indexes)
        .send()
        .await?;
    let cc = out.consumed_capacity().expect("ConsumedCapacity");
    assert_eq!(cc.capacity_units(), Some(1.0));
    assert!(cc.global_secondary_indexes().is_none_or(|m| m.is_empty()));
    Ok(())
}
