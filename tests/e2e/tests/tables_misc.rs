//! Tags on table ARNs, DescribeEndpoints, DescribeLimits and table naming.

use aws_sdk_dynamodb::types::Tag;
use eddy_e2e::*;

#[tokio::test]
async fn tag_untag_and_list_tags_on_table_arn() -> TestResult {
    let srv = TestServer::start_memory().await;
    let name = unique_name("cp-tags");
    create_hash_table(&srv.client, &name).await?;
    let arn = srv.table_arn(&name);
    let list = || async {
        let out = srv
            .client
            .list_tags_of_resource()
            .resource_arn(&arn)
            .send()
            .await
            .expect("ListTagsOfResource");
        let mut v: Vec<(String, String)> = out
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(list().await, vec![]);
    srv.client
        .tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("a").value("1").build()?)
        .tags(Tag::builder().key("env").value("prod").build()?)
        .send()
        .await?;
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(list().await, vec![pair("a", "1"), pair("env", "prod")]);
    // re-tagging a key overwrites its value
    srv.client
        .tag_resource()
        .resource_arn(&arn)
        .tags(Tag::builder().key("a").value("2").build()?)
        .send()
        .await?;
    assert_eq!(list().await, vec![pair("a", "2"), pair("env", "prod")]);
    // removing an absent key is not an error
    srv.client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("a")
        .tag_keys("absent")
        .send()
        .await?;
    assert_eq!(list().await, vec![pair("env", "prod")]);
    let res = srv
        .client
        .list_tags_of_resource()
        .resource_arn(srv.table_arn(&unique_name("cp-notable")))
        .send()
        .await;
    assert_eq!(api_err(res).code, "ResourceNotFoundException");
    Ok(())
}

#[tokio::test]
async fn describe_endpoints_and_limits() -> TestResult {
    let srv = TestServer::start_memory().await;
    let out = srv.client.describe_endpoints().send().await?;
    let [ep] = out.endpoints() else {
        panic!("expected one endpoint: {out:?}")
    };
    assert!(!ep.address().is_empty());
    assert_eq!(ep.cache_period_in_minutes(), 1440);
    let lim = srv.client.describe_limits().send().await?;
    assert_eq!(lim.account_max_read_capacity_units(), Some(80000));
    assert_eq!(lim.account_max_write_capacity_units(), Some(80000));
    assert_eq!(lim.table_max_read_capacity_units(), Some(40000));
    assert_eq!(lim.table_max_write_capacity_units(), Some(40000));
    Ok(())
}

#[tokio::test]
async fn table_names_are_case_sensitive() -> TestResult {
    // "All names must be encoded using UTF-8, and are case-sensitive" (DynamoDB naming rules)
    let srv = TestServer::start_memory().await;
    let lower = unique_name("case");
    let upper = lower.to_uppercase();
    create_hash_table(&srv.client, &lower).await?;
    create_hash_table(&srv.client, &upper).await?;
    srv.client
        .put_item()
        .table_name(&upper)
        .item("pk", s("only-upper"))
        .send()
        .await?;
    let got = srv
        .client
        .get_item()
        .table_name(&lower)
        .key("pk", s("only-upper"))
        .send()
        .await?;
    assert_eq!(got.item(), None);
    let listed = srv.client.list_tables().send().await?;
    let names = listed.table_names();
    let (iu, il) = (
        names.iter().position(|n| *n == upper),
        names.iter().position(|n| *n == lower),
    );
    assert!(iu.is_some() && il.is_some(), "{names:?}");
    assert!(iu < il, "uppercase sorts first in byte order: {names:?}");
    Ok(())
}
