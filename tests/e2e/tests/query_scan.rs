//! Query and Scan through the SDK: sort-key order (numbers incl. negatives and decimals,
//! binaries with zero bytes), every key-condition operator in both syntaxes, filters,
//! projections and `Select`, and DynamoDB's validation messages. Paging (1 MB pages,
//! `Limit`, parallel scan) is in `query_scan/paging.rs`, index reads in
//! `query_scan/indexes.rs`.

mod indexes;
mod paging;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue as AV, ComparisonOperator, Condition, ReturnConsumedCapacity as Rcc, Select,
};
use eddy_e2e::*;

/// Writes `items` with BatchWriteItem, 25 at a time.
pub async fn put_all(client: &Client, table: &str, items: Vec<Item>) -> TestResult {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    for chunk in items.chunks(25) {
        let writes = chunk
            .iter()
            .map(|i| {
                let put = PutRequest::builder().set_item(Some(i.clone())).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, BoxError>>()?;
        client
            .batch_write_item()
            .request_items(table, writes)
            .send()
            .await?;
    }
    Ok(())
}

/// The values of attribute `k` (numbers as text) of `items`, in order.
pub fn col(items: &[Item], k: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i.get(k) {
            Some(AV::N(v) | AV::S(v)) => Some(v.clone()),
            Some(AV::B(b)) => Some(format!("{:?}", b.as_ref())),
            _ => None,
        })
        .collect()
}

/// Sort keys in DynamoDB order, written in a shuffled order.
const NUMBERS: [&str; 12] = [
    "-1E+100",
    "-100",
    "-10.5",
    "-10",
    "-1",
    "-0.001",
    "0",
    "0.001",
    "1",
    "1.5",
    "10.25",
    "99999999999999999999",
];

async fn numbers_table(srv: &TestServer) -> Result<String, BoxError> {
    let t = unique_name("qsn");
    create_hash_range_table(&srv.client, &t).await?;
    let mut items: Vec<Item> = NUMBERS
        .iter()
        .enumerate()
        .map(|(i, v)| {
            item([
                ("pk", s("p")),
                ("sk", n(v)),
                ("odd", AV::Bool(i % 2 == 1)),
                ("i", n(&i.to_string())),
            ])
        })
        .collect();
    items.reverse();
    items.swap(2, 7);
    items.push(item([("pk", s("other")), ("sk", n("0"))]));
    put_all(&srv.client, &t, items).await?;
    Ok(t)
}

/// DynamoDB's canonical rendering of `NUMBERS`.
fn canonical_numbers() -> Vec<String> {
    let mut v: Vec<String> = NUMBERS.iter().map(|s| s.to_string()).collect();
    v[0] = format!("-1{}", "0".repeat(100));
    v
}

#[tokio::test]
async fn numbers_come_back_in_numeric_order_both_ways() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = numbers_table(&srv).await?;
    let q = |forward: bool| {
        srv.client
            .query()
            .table_name(&t)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
            .scan_index_forward(forward)
            .send()
    };
    let out = q(true).await?;
    assert_eq!(col(out.items(), "sk"), canonical_numbers());
    assert_eq!((out.count(), out.scanned_count()), (12, 12));
    assert!(out.last_evaluated_key().is_none());
    let mut reversed = canonical_numbers();
    reversed.reverse();
    assert_eq!(col(q(false).await?.items(), "sk"), reversed);
    Ok(())
}

#[tokio::test]
async fn every_sort_key_operator_in_both_syntaxes() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = numbers_table(&srv).await?;
    let all = canonical_numbers();
    let between = |lo: usize, hi: usize| all[lo..=hi].to_vec();
    let cases: Vec<(&str, ComparisonOperator, Vec<&str>, Vec<String>)> = vec![
        (
            "sk = :a",
            ComparisonOperator::Eq,
            vec!["10.250"],
            between(10, 10),
        ),
        ("sk < :a", ComparisonOperator::Lt, vec!["-1"], between(0, 3)),
        (
            "sk <= :a",
            ComparisonOperator::Le,
            vec!["-1"],
            between(0, 4),
        ),
        (":a < sk", ComparisonOperator::Gt, vec!["0"], between(7, 11)),
        (
            "sk >= :a",
            ComparisonOperator::Ge,
            vec!["0"],
            between(6, 11),
        ),
        (
            "sk BETWEEN :a AND :b",
            ComparisonOperator::Between,
            vec!["-10.5", "0.001"],
            between(2, 7),
        ),
    ];
    for (expr, op, values, want) in cases {
        let mut q = srv
            .client
            .query()
            .table_name(&t)
            .key_condition_expression(format!("(pk = :p) AND {expr}"))
            .expression_attribute_values(":p", s("p"))
            .expression_attribute_values(":a", n(values[0]));
        if let Some(b) = values.get(1) {
            q = q.expression_attribute_values(":b", n(b));
        }
        assert_eq!(col(q.send().await?.items(), "sk"), want, "{expr}");
        let legacy = srv
            .client
            .query()
            .table_name(&t)
            .key_conditions(
                "pk",
                Condition::builder()
                    .comparison_operator(ComparisonOperator::Eq)
                    .attribute_value_list(s("p"))
                    .build()?,
            )
            .key_conditions(
                "sk",
                Condition::builder()
                    .comparison_operator(op)
                    .set_attribute_value_list(Some(values.iter().map(|v| n(v)).collect()))
                    .build()?,
            )
            .send()
            .await?;
        assert_eq!(col(legacy.items(), "sk"), want, "legacy {expr}");
    }
    Ok(())
}

#[tokio::test]
async fn binary_sort_keys_order_by_unsigned_bytes_and_begins_with() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("qsb");
    srv.client
        .create_table()
        .table_name(&t)
        .key_schema(hash_key("pk"))
        .key_schema(range_key("sk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("sk", "B"))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await?;
    let long: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let mut keys: Vec<Vec<u8>> = vec![
        vec![0],
        vec![0, 0],
        vec![0, 1],
        vec![1],
        vec![0x7f],
        vec![0x80],
        vec![0xff],
        vec![0xff, 0],
        vec![0xff, 0xff],
        b"a".to_vec(),
        b"a\0b".to_vec(),
        b"ab".to_vec(),
        long.clone(),
    ];
    let items = keys
        .iter()
        .map(|k| item([("pk", s("b")), ("sk", AV::B(Blob::new(k.clone())))]))
        .collect();
    put_all(&srv.client, &t, items).await?;
    keys.sort();
    let show = |ks: &[Vec<u8>]| ks.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>();
    let q = |cond: &str, v: Option<Vec<u8>>| {
        let mut q = srv
            .client
            .query()
            .table_name(&t)
            .key_condition_expression(cond)
            .expression_attribute_values(":p", s("b"));
        if let Some(v) = v {
            q = q.expression_attribute_values(":v", AV::B(Blob::new(v)));
        }
        q.send()
    };
    assert_eq!(col(q("pk = :p", None).await?.items(), "sk"), show(&keys));
    for prefix in [
        vec![0u8],
        vec![0, 0],
        vec![0xff],
        b"a".to_vec(),
        long[..300].to_vec(),
    ] {
        let want: Vec<Vec<u8>> = keys
            .iter()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        let out = q("pk = :p AND begins_with(sk, :v)", Some(prefix.clone())).await?;
        assert_eq!(col(out.items(), "sk"), show(&want), "prefix {prefix:?}");
    }
    let below: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| k.as_slice() < [0x80].as_slice())
        .cloned()
        .collect();
    assert_eq!(
        col(
            q("pk = :p AND sk < :v", Some(vec![0x80])).await?.items(),
            "sk"
        ),
        show(&below)
    );
    Ok(())
}

#[tokio::test]
async fn filters_projections_and_select() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = numbers_table(&srv).await?;
    let base = || {
        srv.client
            .query()
            .table_name(&t)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
    };
    let out = base()
        .filter_expression("odd = :t")
        .expression_attribute_values(":t", AV::Bool(true))
        .send()
        .await?;
    assert_eq!((out.count(), out.scanned_count()), (6, 12));
    let out = base()
        .select(Select::Count)
        .filter_expression("odd = :t")
        .expression_attribute_values(":t", AV::Bool(false))
        .send()
        .await?;
    assert_eq!(
        (out.count(), out.scanned_count(), out.items.is_none()),
        (6, 12, true)
    );
    let out = base().projection_expression("i").limit(2).send().await?;
    assert_eq!(
        out.items(),
        &[item([("i", n("0"))]), item([("i", n("1"))])][..]
    );
    let legacy = srv
        .client
        .query()
        .table_name(&t)
        .key_conditions(
            "pk",
            Condition::builder()
                .comparison_operator(ComparisonOperator::Eq)
                .attribute_value_list(s("p"))
                .build()?,
        )
        .query_filter(
            "i",
            Condition::builder()
                .comparison_operator(ComparisonOperator::Lt)
                .attribute_value_list(n("3"))
                .build()?,
        )
        .attributes_to_get("i")
        .select(Select::SpecificAttributes)
        .send()
        .await?;
    let mut got = col(legacy.items(), "i");
    got.sort();
    assert_eq!(got, ["0", "1", "2"]);
    let scan = srv
        .client
        .scan()
        .table_name(&t)
        .filter_expression("sk < :z")
        .expression_attribute_values(":z", n("0"))
        .send()
        .await?;
    assert_eq!((scan.count(), scan.scanned_count()), (6, 13));
    let cap = base()
        .return_consumed_capacity(Rcc::Total)
        .consistent_read(true)
        .send()
        .await?;
    assert_eq!(
        cap.consumed_capacity().and_then(|c| c.capacity_units()),
        Some(1.0)
    );
    Ok(())
}

#[tokio::test]
async fn validation_messages() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = numbers_table(&srv).await?;
    let q = |kce: &str| {
        let mut q = srv
            .client
            .query()
            .table_name(&t)
            .key_condition_expression(kce);
        if kce.contains(":p") {
            q = q.expression_attribute_values(":p", s("p"));
        }
        if kce.contains(":n") {
            q = q.expression_attribute_values(":n", n("1"));
        }
        q.send()
    };
    let cases = [
        (
            "pk = :p OR sk = :n",
            "Invalid operator used in KeyConditionExpression: OR",
        ),
        ("sk = :n", "Query condition missed key schema element: pk"),
        (
            "pk = :p AND colour = :n",
            "Query condition missed key schema element: sk",
        ),
        (
            "pk = :n AND sk = :n",
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            "pk = :p AND sk > :n AND sk < :n",
            "KeyConditionExpressions must only contain one condition per key",
        ),
        ("pk < :p AND sk = :n", "Query key condition not supported"),
        (
            "pk = :p AND begins_with(sk, :n)",
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            "pk = :p AND begins_with(sk, :p)",
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            "pk = :p AND size(sk) > :n",
            "KeyConditionExpressions cannot contain nested operations",
        ),
    ];
    for (kce, msg) in cases {
        api_err(q(kce).await).assert("ValidationException", &[msg]);
    }
    let e = api_err(
        srv.client
            .query()
            .table_name(&t)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
            .limit(0)
            .send()
            .await,
    );
    e.assert("ValidationException", &["1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"]);
    let e = api_err(
        srv.client
            .query()
            .table_name(&t)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
            .select(Select::SpecificAttributes)
            .send()
            .await,
    );
    e.assert("ValidationException", &["Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"]);
    let e = api_err(
        srv.client
            .query()
            .table_name(&t)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
            .filter_expression("sk > :p")
            .send()
            .await,
    );
    e.assert("ValidationException", &["Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"]);
    let e = api_err(
        srv.client
            .scan()
            .table_name(&t)
            .segment(4)
            .total_segments(4)
            .send()
            .await,
    );
    e.assert("ValidationException", &["The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4"]);
    let e = api_err(
        srv.client
            .scan()
            .table_name(&t)
            .index_name("nope")
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["The table does not have the specified index: nope"],
    );
    let e = api_err(
        srv.client
            .query()
            .table_name("missing_table")
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
            .send()
            .await,
    );
    e.assert(
        "ResourceNotFoundException",
        &[
            "Requested resource not found",
            "Cannot do operations on a non-existent table",
        ],
    );
    Ok(())
}
