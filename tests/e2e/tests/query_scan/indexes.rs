//! Query and Scan on secondary indexes: entries in index-key order, LastEvaluatedKey with
//! the table and index keys, paging through items that share index key values, what a
//! GSI projects, LSI fetches from the table, ConsistentRead and capacity per index.

use super::{col, put_all};
use aws_sdk_dynamodb::types::{
    AttributeValue as AV, BillingMode, GlobalSecondaryIndex, LocalSecondaryIndex, Projection,
    ProjectionType, ReturnConsumedCapacity as Rcc, Select,
};
use eddy_e2e::*;
use std::collections::{BTreeSet, HashMap};

/// Table `pk`(S)/`sk`(N); LSI `by_rank` (`pk`, `rank` N, KEYS_ONLY); GSI `by_group`
/// (`grp` S, `rank` N, INCLUDE `x`); GSI `by_grp_all` (`grp`, ALL).
async fn index_table(srv: &TestServer) -> Result<String, BoxError> {
    let t = unique_name("qsi");
    let proj = |ty: ProjectionType, include: &[&str]| {
        let mut p = Projection::builder().projection_type(ty);
        for a in include {
            p = p.non_key_attributes(*a);
        }
        p.build()
    };
    srv.client
        .create_table()
        .table_name(&t)
        .key_schema(hash_key("pk"))
        .key_schema(range_key("sk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("sk", "N"))
        .attribute_definitions(attr("rank", "N"))
        .attribute_definitions(attr("grp", "S"))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by_rank")
                .key_schema(hash_key("pk"))
                .key_schema(range_key("rank"))
                .projection(proj(ProjectionType::KeysOnly, &[]))
                .build()?,
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_group")
                .key_schema(hash_key("grp"))
                .key_schema(range_key("rank"))
                .projection(proj(ProjectionType::Include, &["x"]))
                .build()?,
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_grp_all")
                .key_schema(hash_key("grp"))
                .projection(proj(ProjectionType::All, &[]))
                .build()?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    wait_active(&srv.client, &t).await?;
    // 40 items in 4 partitions; rank repeats (i % 7), grp is g0/g1; every 5th item has
    // no grp and is absent from both GSIs (sparse index).
    let items = (0..40)
        .map(|i: i32| {
            let mut it = item([
                ("pk", s(&format!("p{}", i % 4))),
                ("sk", n(&i.to_string())),
                ("rank", n(&(-(i % 7)).to_string())),
                ("x", n(&i.to_string())),
                ("y", s("not projected")),
            ]);
            if i % 5 != 4 {
                it.insert("grp".into(), s(&format!("g{}", i % 2)));
            }
            it
        })
        .collect();
    put_all(&srv.client, &t, items).await?;
    Ok(t)
}

#[tokio::test]
async fn gsi_query_orders_by_index_key_and_pages_with_index_keys() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = index_table(&srv).await?;
    let (mut start, mut ranks, mut sks, mut pages) = (None, Vec::new(), BTreeSet::new(), 0);
    loop {
        let out = srv
            .client
            .query()
            .table_name(&t)
            .index_name("by_group")
            .key_condition_expression("grp = :g AND #r BETWEEN :lo AND :hi")
            .expression_attribute_names("#r", "rank")
            .expression_attribute_values(":g", s("g0"))
            .expression_attribute_values(":lo", n("-5"))
            .expression_attribute_values(":hi", n("0"))
            .limit(3)
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        pages += 1;
        for it in out.items() {
            assert_eq!(
                it.keys().map(String::as_str).collect::<BTreeSet<_>>(),
                BTreeSet::from(["grp", "pk", "rank", "sk", "x"])
            );
            assert!(
                sks.insert(get_n(it, "sk").unwrap_or_default().to_string()),
                "item returned twice"
            );
        }
        ranks.extend(col(out.items(), "rank"));
        match out.last_evaluated_key {
            Some(k) => {
                assert_eq!(
                    k.keys().map(String::as_str).collect::<BTreeSet<_>>(),
                    BTreeSet::from(["grp", "pk", "rank", "sk"])
                );
                start = Some(k);
            }
            None => break,
        }
    }
    // Even i (g0), i % 5 != 4, rank -(i % 7) in -5..=0.
    let want: BTreeSet<String> = (0..40)
        .filter(|i: &i32| i % 2 == 0 && i % 5 != 4 && i % 7 <= 5)
        .map(|i| i.to_string())
        .collect();
    assert_eq!(sks, want);
    let ranks: Vec<i32> = ranks.iter().map(|r| r.parse().unwrap_or(99)).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "index sort key order: {ranks:?}"
    );
    assert_eq!(
        pages,
        want.len().div_ceil(3) + usize::from(want.len().is_multiple_of(3))
    );
    let e = api_err(
        srv.client
            .query()
            .table_name(&t)
            .index_name("by_group")
            .key_condition_expression("grp = :g")
            .expression_attribute_values(":g", s("g0"))
            .consistent_read(true)
            .send()
            .await,
    );
    e.assert(
        "ValidationException",
        &["Consistent reads are not supported on global secondary indexes"],
    );
    let e = api_err(
        srv.client
            .query()
            .table_name(&t)
            .index_name("by_group")
            .key_condition_expression("grp = :g")
            .expression_attribute_values(":g", s("g0"))
            .select(Select::AllAttributes)
            .send()
            .await,
    );
    e.assert("ValidationException", &["One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by_group because its projection type is not ALL"]);
    let e = api_err(
        srv.client
            .query()
            .table_name(&t)
            .index_name("by_group")
            .key_condition_expression("grp = :g")
            .expression_attribute_values(":g", s("g0"))
            .projection_expression("y")
            .send()
            .await,
    );
    e.assert("ValidationException", &["One or more parameter values were invalid: Global secondary index by_group does not project [y]"]);
    Ok(())
}

#[tokio::test]
async fn gsi_without_sort_key_pages_through_shared_key_values() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = index_table(&srv).await?;
    let (mut start, mut seen) = (None, Vec::new());
    loop {
        let out = srv
            .client
            .query()
            .table_name(&t)
            .index_name("by_grp_all")
            .key_condition_expression("grp = :g")
            .expression_attribute_values(":g", s("g1"))
            .limit(4)
            .return_consumed_capacity(Rcc::Indexes)
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        let cc = out.consumed_capacity().expect("ConsumedCapacity");
        let gsi = cc
            .global_secondary_indexes()
            .and_then(|m| m.get("by_grp_all"))
            .and_then(|c| c.capacity_units());
        assert_eq!(gsi, Some(0.5), "eventually consistent index read");
        seen.extend(out.items().iter().map(|i| {
            (
                get_n(i, "sk").unwrap_or_default().to_string(),
                i.contains_key("y"),
            )
        }));
        match out.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    let want: BTreeSet<String> = (0..40)
        .filter(|i| i % 2 == 1 && i % 5 != 4)
        .map(|i: i32| i.to_string())
        .collect();
    assert_eq!(seen.len(), want.len(), "no duplicates across pages");
    assert_eq!(
        seen.iter()
            .map(|(sk, _)| sk.clone())
            .collect::<BTreeSet<_>>(),
        want
    );
    assert!(
        seen.iter().all(|(_, has_y)| *has_y),
        "ALL projection returns whole items"
    );
    let scan = srv
        .client
        .scan()
        .table_name(&t)
        .index_name("by_grp_all")
        .select(Select::Count)
        .send()
        .await?;
    assert_eq!(
        scan.count(),
        32,
        "sparse index: items without grp are absent"
    );
    Ok(())
}

#[tokio::test]
async fn lsi_reads_fetch_unprojected_attributes_from_the_table() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = index_table(&srv).await?;
    let q = || {
        srv.client
            .query()
            .table_name(&t)
            .index_name("by_rank")
            .key_condition_expression("pk = :p AND #r <= :r")
            .expression_attribute_names("#r", "rank")
            .expression_attribute_values(":p", s("p1"))
            .expression_attribute_values(":r", n("-3"))
    };
    let keys_only = q().send().await?;
    let ranks = col(keys_only.items(), "rank");
    let nums: Vec<i32> = ranks.iter().map(|r| r.parse().unwrap_or(0)).collect();
    assert!(
        !nums.is_empty() && nums.windows(2).all(|w| w[0] <= w[1]) && nums.iter().all(|r| *r <= -3)
    );
    for it in keys_only.items() {
        assert_eq!(
            it.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            BTreeSet::from(["pk", "rank", "sk"])
        );
    }
    let all = q()
        .select(Select::AllAttributes)
        .consistent_read(true)
        .return_consumed_capacity(Rcc::Indexes)
        .send()
        .await?;
    assert_eq!(all.count(), keys_only.count());
    assert!(
        all.items()
            .iter()
            .all(|i| get_s(i, "y") == Some("not projected"))
    );
    let cc = all.consumed_capacity().expect("ConsumedCapacity");
    let table_units = cc.table().and_then(|c| c.capacity_units());
    assert_eq!(
        table_units,
        Some(all.count() as f64),
        "one unit per item fetched from the table"
    );
    let lsi = cc
        .local_secondary_indexes()
        .and_then(|m| m.get("by_rank"))
        .and_then(|c| c.capacity_units());
    assert_eq!(lsi, Some(1.0));
    let projected = q().projection_expression("y, sk").send().await?;
    assert!(
        projected
            .items()
            .iter()
            .all(|i| i.len() == 2 && i.contains_key("y"))
    );
    let e = api_err(q().filter_expression("x > :r").send().await);
    e.assert("ValidationException", &["One or more parameter values were invalid: Secondary index by_rank does not project one or more filter attributes: [x]"]);
    // LastEvaluatedKey of an LSI read: table key plus the index sort key.
    let page = q().limit(1).send().await?;
    let lek: HashMap<String, AV> = page.last_evaluated_key.unwrap_or_default();
    assert_eq!(
        lek.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from(["pk", "rank", "sk"])
    );
    let next = q().set_exclusive_start_key(Some(lek)).send().await?;
    assert_eq!(next.count() + 1, keys_only.count());
    Ok(())
}
