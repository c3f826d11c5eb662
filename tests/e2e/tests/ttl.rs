//! Time to Live: the UpdateTimeToLive/DescribeTimeToLive error matrix, and the expiry
//! worker deleting expired items from the running binary (`--ttl-interval`).
//!
//! The API matrix also runs against DynamoDB Local (`EDDY_E2E_ENDPOINT`), accepting its
//! wording where AWS's differs; the 1-hour cooldown after a change is AWS-only (DynamoDB
//! Local does not enforce it), so that check is skipped there.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{TimeToLiveSpecification, TimeToLiveStatus};
use eddy_e2e::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

async fn update(
    client: &Client,
    table: &str,
    enabled: bool,
    attribute: &str,
) -> Result<(), ApiErr> {
    let spec = TimeToLiveSpecification::builder()
        .enabled(enabled)
        .attribute_name(attribute)
        .build()
        .expect("TimeToLiveSpecification");
    let res = client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await;
    match res {
        Ok(out) => {
            let echo = out
                .time_to_live_specification()
                .expect("echoed specification");
            assert_eq!(
                (echo.enabled(), echo.attribute_name()),
                (enabled, attribute)
            );
            Ok(())
        }
        Err(e) => Err(api_err::<(), _, _>(Err(e))),
    }
}

async fn describe(client: &Client, table: &str) -> (TimeToLiveStatus, Option<String>) {
    let out = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .expect("DescribeTimeToLive");
    let d = out
        .time_to_live_description()
        .expect("TimeToLiveDescription");
    let status = d.time_to_live_status().cloned().expect("TimeToLiveStatus");
    (status, d.attribute_name().map(str::to_string))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[tokio::test]
async fn update_and_describe_error_matrix() {
    let srv = TestServer::start_memory().await;
    let c = &srv.client;
    let t = unique_name("ttl-api");
    create_hash_table(c, &t).await.expect("create table");

    assert_eq!(describe(c, &t).await, (TimeToLiveStatus::Disabled, None));
    let e = update(c, &t, false, "exp")
        .await
        .expect_err("disable when disabled");
    e.assert("ValidationException", &["TimeToLive is already disabled"]);

    update(c, &t, true, "exp").await.expect("enable");
    assert_eq!(
        describe(c, &t).await,
        (TimeToLiveStatus::Enabled, Some("exp".into()))
    );
    let e = update(c, &t, true, "exp").await.expect_err("enable twice");
    e.assert("ValidationException", &["TimeToLive is already enabled"]);
    let different = [
        "TimeToLive is active on a different AttributeName: current AttributeName is exp",
        "TimeToLive is active on a different AttributeName",
    ];
    let e = update(c, &t, true, "other")
        .await
        .expect_err("enable another attribute");
    e.assert("ValidationException", &different);
    let e = update(c, &t, false, "other")
        .await
        .expect_err("disable another attribute");
    e.assert("ValidationException", &different);
    if !srv.is_external() {
        let e = update(c, &t, false, "exp")
            .await
            .expect_err("second change within the hour");
        e.assert(
            "ValidationException",
            &["Time to live has been modified multiple times within a fixed interval"],
        );
        assert_eq!(
            describe(c, &t).await,
            (TimeToLiveStatus::Enabled, Some("exp".into()))
        );
    }

    let long = "a".repeat(256);
    let e = update(c, &t, true, &long)
        .await
        .expect_err("256-character attribute name");
    e.assert_contains(
        "ValidationException",
        &["length less than or equal to 255", "between 1 and 255"],
    );
    let e = update(c, &t, true, "")
        .await
        .expect_err("empty attribute name");
    e.assert_contains(
        "ValidationException",
        &["length greater than or equal to 1", "between 1 and 255"],
    );

    let missing = unique_name("ttl-missing");
    let e = update(c, &missing, true, "exp")
        .await
        .expect_err("missing table");
    e.assert_contains(
        "ResourceNotFoundException",
        &["not found", "non-existent table"],
    );
    let res = c.describe_time_to_live().table_name(&missing).send().await;
    api_err(res).assert_contains(
        "ResourceNotFoundException",
        &["not found", "non-existent table"],
    );

    // DescribeTable carries no TTL information.
    let table = c
        .describe_table()
        .table_name(&t)
        .send()
        .await
        .expect("DescribeTable");
    assert!(!format!("{table:?}").contains("TimeToLive"));
}

/// Polls `GetItem` until the item is gone; false if it is still there after `timeout`.
async fn gone_within(client: &Client, table: &str, key: &Item, timeout: Duration) -> bool {
    poll_until(timeout, || async {
        let out = client
            .get_item()
            .table_name(table)
            .set_key(Some(key.clone()))
            .consistent_read(true)
            .send()
            .await
            .ok()?;
        out.item().is_none().then_some(())
    })
    .await
    .is_ok()
}

async fn exists(client: &Client, table: &str, key: &Item) -> bool {
    let out = client
        .get_item()
        .table_name(table)
        .set_key(Some(key.clone()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem");
    out.item().is_some()
}

async fn put(client: &Client, table: &str, item: Item) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .expect("PutItem");
}

#[tokio::test]
async fn the_binary_deletes_expired_items_of_hash_and_composite_tables() {
    let srv = BinaryServer::spawn([
        "serve",
        "--in-memory",
        "--port",
        "0",
        "--ttl-interval",
        "0.2",
    ]);
    let c = &srv.client;
    let hash = unique_name("ttl-hash");
    let comp = unique_name("ttl-comp");
    create_hash_table(c, &hash)
        .await
        .expect("create hash table");
    create_hash_range_table(c, &comp)
        .await
        .expect("create composite table");
    update(c, &hash, true, "exp")
        .await
        .expect("enable on hash table");
    update(c, &comp, true, "exp")
        .await
        .expect("enable on composite table");

    let now = now_secs();
    let soon = (now + 2).to_string();
    let h = |pk: &str| item([("pk", s(pk))]);
    let r = |pk: &str, sk: &str| item([("pk", s(pk)), ("sk", n(sk))]);
    put(c, &hash, item([("pk", s("soon")), ("exp", n(&soon))])).await;
    put(
        c,
        &hash,
        item([("pk", s("past")), ("exp", n(&(now - 60).to_string()))]),
    )
    .await;
    put(
        c,
        &hash,
        item([("pk", s("future")), ("exp", n(&(now + 3600).to_string()))]),
    )
    .await;
    put(
        c,
        &hash,
        item([("pk", s("string")), ("exp", s(&(now - 60).to_string()))]),
    )
    .await;
    let ancient = (now - 6 * 365 * 86_400).to_string();
    put(c, &hash, item([("pk", s("ancient")), ("exp", n(&ancient))])).await;
    put(
        c,
        &hash,
        item([("pk", s("none")), ("other", n(&(now - 60).to_string()))]),
    )
    .await;
    put(
        c,
        &comp,
        item([("pk", s("p")), ("sk", n("1")), ("exp", n(&soon))]),
    )
    .await;
    put(
        c,
        &comp,
        item([
            ("pk", s("p")),
            ("sk", n("2")),
            ("exp", n(&(now + 3600).to_string())),
        ]),
    )
    .await;
    // Refreshed before it expired: must survive.
    put(
        c,
        &comp,
        item([("pk", s("p")), ("sk", n("3")), ("exp", n(&soon))]),
    )
    .await;
    c.update_item()
        .table_name(&comp)
        .key("pk", s("p"))
        .key("sk", n("3"))
        .update_expression("SET exp = :f")
        .expression_attribute_values(":f", n(&(now + 3600).to_string()))
        .send()
        .await
        .expect("UpdateItem");
    assert!(exists(c, &hash, &h("soon")).await, "not expired yet");

    let wait = Duration::from_secs(20);
    assert!(
        gone_within(c, &hash, &h("past"), wait).await,
        "past item kept"
    );
    assert!(
        gone_within(c, &hash, &h("soon"), wait).await,
        "hash item kept after expiry"
    );
    assert!(
        gone_within(c, &comp, &r("p", "1"), wait).await,
        "composite item kept after expiry"
    );
    for pk in ["future", "string", "ancient", "none"] {
        assert!(exists(c, &hash, &h(pk)).await, "item {pk} must not expire");
    }
    assert!(
        exists(c, &comp, &r("p", "2")).await,
        "future composite item kept"
    );
    assert!(exists(c, &comp, &r("p", "3")).await, "refreshed item kept");
}

#[tokio::test]
async fn sigterm_stops_the_worker_and_the_setting_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_string_lossy().to_string();
    let args = |interval: &str| {
        let v = [
            "serve",
            "--port",
            "0",
            "--data-dir",
            &data,
            "--ttl-interval",
            interval,
        ];
        v.map(str::to_string)
    };
    let srv = BinaryServer::spawn(args("0.05"));
    let t = unique_name("ttl-stop");
    create_hash_table(&srv.client, &t)
        .await
        .expect("create table");
    update(&srv.client, &t, true, "exp").await.expect("enable");
    let past = (now_secs() - 60).to_string();
    for i in 0..200 {
        put(
            &srv.client,
            &t,
            item([("pk", s(&format!("k{i}"))), ("exp", n(&past))]),
        )
        .await;
    }
    let output = srv.output();
    let status = srv.terminate(Duration::from_secs(15));
    let status =
        status.unwrap_or_else(|| panic!("eddy did not exit after SIGTERM; output:\n{output}"));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );

    let srv = BinaryServer::spawn(args("3600"));
    assert_eq!(
        describe(&srv.client, &t).await,
        (TimeToLiveStatus::Enabled, Some("exp".into()))
    );
    let e = update(&srv.client, &t, false, "exp")
        .await
        .expect_err("cooldown survives a restart");
    e.assert_contains(
        "ValidationException",
        &["multiple times within a fixed interval"],
    );
}
