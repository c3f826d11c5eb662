//! Concurrent writers against one item.

use eddy_e2e::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_unconditional_puts_to_one_key_all_succeed() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cc-put");
    create_hash_table(&srv.client, &t).await?;
    let mut tasks = Vec::new();
    for task in 0..16u32 {
        let client = srv.client.clone();
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..50u32 {
                client
                    .put_item()
                    .table_name(&t)
                    .item("pk", s("hot"))
                    .item("task", n(&task.to_string()))
                    .item("i", n(&i.to_string()))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("task {task} put {i} failed: {e:?}"));
            }
            task
        }));
    }
    for t in tasks {
        t.await?;
    }
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("hot"))
        .consistent_read(true)
        .send()
        .await?;
    let it = got.item().expect("the item exists");
    // the survivor is the last put of one of the tasks
    assert_eq!(get_n(it, "i"), Some("49"), "{it:?}");
    let task: u32 = get_n(it, "task").unwrap().parse()?;
    assert!(task < 16);
    Ok(())
}

/// Read the counter, then `SET n = n + 1` on the condition that it still holds the value
/// read; retry on ConditionalCheckFailed. Returns the number of successful increments.
async fn increment_loop(
    client: aws_sdk_dynamodb::Client,
    t: String,
    want: u32,
    deadline: Instant,
) -> u32 {
    let mut done = 0;
    while done < want {
        assert!(Instant::now() < deadline, "conditional counter too slow");
        let cur = client
            .get_item()
            .table_name(&t)
            .key("pk", s("ctr"))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem");
        let cur = get_n(cur.item().expect("counter"), "n")
            .expect("n")
            .to_string();
        let res = client
            .update_item()
            .table_name(&t)
            .key("pk", s("ctr"))
            .update_expression("SET n = n + :one")
            .condition_expression("n = :expected")
            .expression_attribute_values(":one", n("1"))
            .expression_attribute_values(":expected", n(&cur))
            .send()
            .await;
        match res {
            Ok(_) => done += 1,
            Err(e) => {
                let e = e.into_service_error();
                assert!(
                    e.is_conditional_check_failed_exception(),
                    "unexpected error: {e:?}"
                );
            }
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conditional_counter_is_linearizable() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cc-ctr");
    create_hash_table(&srv.client, &t).await?;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("ctr"))
        .item("n", n("0"))
        .send()
        .await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(increment_loop(srv.client.clone(), t.clone(), 25, deadline)))
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await?;
    }
    assert_eq!(total, 8 * 25);
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("ctr"))
        .consistent_read(true)
        .send()
        .await?;
    assert_eq!(
        get_n(got.item().unwrap(), "n"),
        Some(total.to_string().as_str()),
        "lost or duplicated increments"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_add_counters_lose_no_update() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cc-add");
    create_hash_table(&srv.client, &t).await?;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = srv.client.clone();
            let t = t.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    client
                        .update_item()
                        .table_name(&t)
                        .key("pk", s("add"))
                        .update_expression("ADD n :one")
                        .expression_attribute_values(":one", n("1"))
                        .send()
                        .await
                        .expect("UpdateItem ADD");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("add"))
        .consistent_read(true)
        .send()
        .await?;
    assert_eq!(get_n(got.item().unwrap(), "n"), Some("200"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_conditional_create_wins() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("cc-create");
    create_hash_table(&srv.client, &t).await?;
    for round in 0..10 {
        let key = format!("k{round}");
        let tasks: Vec<_> = (0..12u32)
            .map(|task| {
                let client = srv.client.clone();
                let (t, key) = (t.clone(), key.clone());
                tokio::spawn(async move {
                    let res = client
                        .put_item()
                        .table_name(&t)
                        .item("pk", s(&key))
                        .item("owner", n(&task.to_string()))
                        .condition_expression("attribute_not_exists(pk)")
                        .send()
                        .await;
                    match res {
                        Ok(_) => Some(task),
                        Err(e) => {
                            let e = e.into_service_error();
                            assert!(e.is_conditional_check_failed_exception(), "{e:?}");
                            None
                        }
                    }
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            winners.extend(task.await?);
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let got = srv
            .client
            .get_item()
            .table_name(&t)
            .key("pk", s(&key))
            .consistent_read(true)
            .send()
            .await?;
        let owner = winners[0].to_string();
        assert_eq!(get_n(got.item().unwrap(), "owner"), Some(owner.as_str()));
    }
    Ok(())
}
