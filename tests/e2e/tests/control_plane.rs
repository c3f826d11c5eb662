//! Table lifecycle: CreateTable / DescribeTable / ListTables / UpdateTable / DeleteTable.

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndex, IndexStatus, LocalSecondaryIndex, Projection,
    ProjectionType, ProvisionedThroughput, TableStatus, Tag,
};
use eddy_e2e::*;
use std::time::Duration;

fn throughput(r: i64, w: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(r)
        .write_capacity_units(w)
        .build()
        .expect("throughput")
}

#[tokio::test]
async fn create_hash_table_is_described_active_and_empty() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("cp-hash");
    let out = srv
        .client
        .create_table()
        .table_name(&name)
        .key_schema(hash_key("pk"))
        .attribute_definitions(attr("pk", "S"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    let td = out.table_description().expect("TableDescription");
    assert_eq!(td.table_name(), Some(name.as_str()));
    assert!(matches!(
        td.table_status(),
        Some(TableStatus::Active | TableStatus::Creating)
    ));
    assert!(td.creation_date_time().is_some());
    srv.client
        .wait_until_table_exists()
        .table_name(&name)
        .wait(Duration::from_secs(60))
        .await?;
    let t = srv.client.describe_table().table_name(&name).send().await?;
    let t = t.table().expect("Table");
    assert_eq!(t.table_status(), Some(&TableStatus::Active));
    assert_eq!(t.key_schema(), &[hash_key("pk")]);
    assert_eq!(t.attribute_definitions(), &[attr("pk", "S")]);
    assert_eq!(t.item_count(), Some(0));
    assert_eq!(t.table_size_bytes(), Some(0));
    assert_eq!(t.table_arn(), Some(srv.table_arn(&name).as_str()));
    let bm = t.billing_mode_summary().expect("BillingModeSummary");
    assert_eq!(bm.billing_mode(), Some(&BillingMode::PayPerRequest));
    let pt = t.provisioned_throughput().expect("ProvisionedThroughput");
    assert_eq!(pt.read_capacity_units(), Some(0));
    assert_eq!(pt.write_capacity_units(), Some(0));
    assert!(t.local_secondary_indexes().is_empty());
    assert!(t.global_secondary_indexes().is_empty());
    Ok(())
}

#[tokio::test]
async fn create_provisioned_table_with_gsi_lsi_and_tags_is_described() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("cp-idx");
    let gsi = GlobalSecondaryIndex::builder()
        .index_name("gsi1")
        .key_schema(hash_key("g"))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .provisioned_throughput(throughput(1, 2))
        .build()?;
    let lsi = LocalSecondaryIndex::builder()
        .index_name("lsi1")
        .key_schema(hash_key("pk"))
        .key_schema(range_key("l"))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::Include)
                .non_key_attributes("x")
                .build(),
        )
        .build()?;
    srv.client
        .create_table()
        .table_name(&name)
        .key_schema(hash_key("pk"))
        .key_schema(range_key("sk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("sk", "N"))
        .attribute_definitions(attr("g", "S"))
        .attribute_definitions(attr("l", "B"))
        .provisioned_throughput(throughput(5, 7))
        .global_secondary_indexes(gsi)
        .local_secondary_indexes(lsi)
        .tags(Tag::builder().key("env").value("test").build()?)
        .send()
        .await?;
    wait_active(&srv.client, &name).await?;
    let out = srv.client.describe_table().table_name(&name).send().await?;
    let t = out.table().expect("Table");
    assert_eq!(t.key_schema(), &[hash_key("pk"), range_key("sk")]);
    assert_eq!(t.attribute_definitions().len(), 4);
    let pt = t.provisioned_throughput().expect("ProvisionedThroughput");
    assert_eq!(pt.read_capacity_units(), Some(5));
    assert_eq!(pt.write_capacity_units(), Some(7));
    assert_eq!(pt.number_of_decreases_today(), Some(0));
    if let Some(bm) = t.billing_mode_summary() {
        assert_eq!(bm.billing_mode(), Some(&BillingMode::Provisioned));
    }
    let arn = srv.table_arn(&name);

    let [g] = t.global_secondary_indexes() else {
        panic!("expected one GSI: {:?}", t.global_secondary_indexes())
    };
    assert_eq!(g.index_name(), Some("gsi1"));
    assert_eq!(g.key_schema(), &[hash_key("g")]);
    assert_eq!(g.index_status(), Some(&IndexStatus::Active));
    assert_eq!(g.index_arn(), Some(format!("{arn}/index/gsi1").as_str()));
    assert_eq!(g.item_count(), Some(0));
    assert_eq!(g.index_size_bytes(), Some(0));
    let gp = g.projection().expect("GSI projection");
    assert_eq!(gp.projection_type(), Some(&ProjectionType::KeysOnly));
    let gpt = g.provisioned_throughput().expect("GSI throughput");
    assert_eq!(gpt.read_capacity_units(), Some(1));
    assert_eq!(gpt.write_capacity_units(), Some(2));

    let [l] = t.local_secondary_indexes() else {
        panic!("expected one LSI: {:?}", t.local_secondary_indexes())
    };
    assert_eq!(l.index_name(), Some("lsi1"));
    assert_eq!(l.key_schema(), &[hash_key("pk"), range_key("l")]);
    assert_eq!(l.index_arn(), Some(format!("{arn}/index/lsi1").as_str()));
    assert_eq!(l.item_count(), Some(0));
    let lp = l.projection().expect("LSI projection");
    assert_eq!(lp.projection_type(), Some(&ProjectionType::Include));
    assert_eq!(lp.non_key_attributes(), &["x".to_string()]);

    let tags = srv
        .client
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await?;
    let tags: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, vec![("env", "test")]);
    Ok(())
}

#[tokio::test]
async fn describe_missing_table_is_resource_not_found() {
    let srv = TestServer::start_memory().await;
    let res = srv
        .client
        .describe_table()
        .table_name(unique_name("cp-missing"))
        .send()
        .await;
    api_err(res).assert("ResourceNotFoundException", &[]);
}

#[tokio::test]
async fn creating_an_existing_table_is_resource_in_use() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("cp-dup");
    create_hash_table(&srv.client, &name).await?;
    let res = srv
        .client
        .create_table()
        .table_name(&name)
        .key_schema(hash_key("pk"))
        .attribute_definitions(attr("pk", "S"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    api_err(res).assert(
        "ResourceInUseException",
        &[
            &format!("Table already exists: {name}"),
            "Cannot create preexisting table",
        ],
    );
    Ok(())
}

#[tokio::test]
async fn list_tables_pages_with_limit_and_exclusive_start() -> TestResult {
    let srv = TestServer::start_memory().await;
    let prefix = unique_name("cp-list");
    let mut mine: Vec<String> = (0..7).map(|i| format!("{prefix}-t{i}")).collect();
    // create out of order: the listing must come back sorted
    for name in mine.iter().rev() {
        create_hash_table(&srv.client, name).await?;
    }
    mine.sort();
    let mut all = Vec::new();
    let mut start: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = srv
            .client
            .list_tables()
            .limit(3)
            .set_exclusive_start_table_name(start.clone())
            .send()
            .await?;
        pages += 1;
        assert!(out.table_names().len() <= 3, "page over Limit: {out:?}");
        all.extend(out.table_names().iter().cloned());
        match out.last_evaluated_table_name() {
            Some(last) => {
                assert_eq!(out.table_names().len(), 3, "short page with a next token");
                assert_eq!(Some(last), out.table_names().last().map(String::as_str));
                start = Some(last.to_string());
            }
            None => break,
        }
        assert!(pages < 1000, "ListTables never ended");
    }
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(all, sorted, "ListTables is not sorted or repeats names");
    let listed: Vec<String> = all.into_iter().filter(|t| t.starts_with(&prefix)).collect();
    assert_eq!(listed, mine);
    if !srv.is_external() {
        assert_eq!(pages, 3, "7 tables at Limit 3 make 3 pages");
    }
    // starting after the 5th of our tables yields the last two first
    let out = srv
        .client
        .list_tables()
        .exclusive_start_table_name(&mine[4])
        .limit(2)
        .send()
        .await?;
    assert_eq!(out.table_names(), &mine[5..7]);
    // the start name need not be a table: listing resumes after it in byte order
    let out = srv
        .client
        .list_tables()
        .exclusive_start_table_name(format!("{}x", mine[2]))
        .limit(1)
        .send()
        .await?;
    assert_eq!(out.table_names(), &mine[3..4]);
    Ok(())
}

#[tokio::test]
async fn update_table_switches_billing_mode_and_throughput() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("cp-upd");
    create_hash_table(&srv.client, &name).await?;
    let out = srv
        .client
        .update_table()
        .table_name(&name)
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput(3, 4))
        .send()
        .await?;
    let td = out.table_description().expect("TableDescription");
    assert!(matches!(
        td.table_status(),
        Some(TableStatus::Active | TableStatus::Updating)
    ));
    wait_active(&srv.client, &name).await?;
    let t = srv.client.describe_table().table_name(&name).send().await?;
    let t = t.table().expect("Table");
    let bm = t.billing_mode_summary().expect("BillingModeSummary");
    assert_eq!(bm.billing_mode(), Some(&BillingMode::Provisioned));
    let pt = t.provisioned_throughput().expect("ProvisionedThroughput");
    assert_eq!(
        (pt.read_capacity_units(), pt.write_capacity_units()),
        (Some(3), Some(4))
    );

    srv.client
        .update_table()
        .table_name(&name)
        .provisioned_throughput(throughput(8, 9))
        .send()
        .await?;
    wait_active(&srv.client, &name).await?;
    let t = srv.client.describe_table().table_name(&name).send().await?;
    let pt = t.table().and_then(|t| t.provisioned_throughput()).unwrap();
    assert_eq!(
        (pt.read_capacity_units(), pt.write_capacity_units()),
        (Some(8), Some(9))
    );

    srv.client
        .update_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    wait_active(&srv.client, &name).await?;
    let t = srv.client.describe_table().table_name(&name).send().await?;
    let t = t.table().unwrap();
    let bm = t.billing_mode_summary().expect("BillingModeSummary");
    assert_eq!(bm.billing_mode(), Some(&BillingMode::PayPerRequest));
    assert!(bm.last_update_to_pay_per_request_date_time().is_some());
    Ok(())
}

#[tokio::test]
async fn delete_table_returns_deleting_then_table_is_gone() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("cp-del");
    create_hash_table(&srv.client, &name).await?;
    srv.client
        .put_item()
        .table_name(&name)
        .item("pk", s("a"))
        .send()
        .await?;
    let out = srv.client.delete_table().table_name(&name).send().await?;
    let td = out.table_description().expect("TableDescription");
    assert_eq!(td.table_name(), Some(name.as_str()));
    assert_eq!(td.table_status(), Some(&TableStatus::Deleting));
    srv.client
        .wait_until_table_not_exists()
        .table_name(&name)
        .wait(Duration::from_secs(60))
        .await?;
    let res = srv.client.describe_table().table_name(&name).send().await;
    api_err(res).assert("ResourceNotFoundException", &[]);
    let listed = srv.client.list_tables().send().await?;
    assert!(!listed.table_names().contains(&name));
    let res = srv.client.delete_table().table_name(&name).send().await;
    api_err(res).assert("ResourceNotFoundException", &[]);
    // the name can be reused, and the new table is empty
    create_hash_table(&srv.client, &name).await?;
    let got = srv
        .client
        .get_item()
        .table_name(&name)
        .key("pk", s("a"))
        .send()
        .await?;
    assert_eq!(got.item(), None);
    Ok(())
}
