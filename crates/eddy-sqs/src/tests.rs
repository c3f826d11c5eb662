//! Service-level tests over the in-memory and fjall backends, driving the JSON API
//! through [`Queues::handle`] with a clock the tests move.

use super::*;
use serde_json::{Value, json};
use std::sync::atomic::AtomicI64;

struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl TestClock {
    fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

const T0: i64 = 1_700_000_000_000;

fn config(clock: Arc<TestClock>) -> SqsConfig {
    SqsConfig {
        endpoint_url: "http://127.0.0.1:9999".into(),
        clock,
        ..SqsConfig::default()
    }
}

async fn service() -> (Arc<Queues>, Arc<TestClock>) {
    let clock = Arc::new(TestClock(AtomicI64::new(T0)));
    let storage = Arc::new(eddy_storage_mem::MemoryStorage::new());
    let q = Queues::open(storage, config(clock.clone()))
        .await
        .expect("open");
    (q, clock)
}

async fn call(q: &Queues, op: &str, body: Value) -> Result<Value, (u16, String, String)> {
    let r = q.handle(op, body.to_string().as_bytes()).await;
    let v: Value = serde_json::from_slice(&r.body).expect("json body");
    if r.status == 200 {
        Ok(v)
    } else {
        let qe = r
            .headers
            .iter()
            .find(|(k, _)| *k == "x-amzn-query-error")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        Err((r.status, v["__type"].as_str().unwrap_or("").to_string(), qe))
    }
}

async fn ok(q: &Queues, op: &str, body: Value) -> Value {
    match call(q, op, body.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{op} {body} failed: {e:?}"),
    }
}

async fn err_type(q: &Queues, op: &str, body: Value) -> String {
    match call(q, op, body).await {
        Ok(v) => panic!("{op} unexpectedly succeeded: {v}"),
        Err((_, t, _)) => t.rsplit('#').next().unwrap_or("").to_string(),
    }
}

async fn create(q: &Queues, name: &str, attrs: Value) -> String {
    let v = ok(
        q,
        "CreateQueue",
        json!({"QueueName": name, "Attributes": attrs}),
    )
    .await;
    v["QueueUrl"].as_str().expect("url").to_string()
}

async fn receive(q: &Queues, url: &str, extra: Value) -> Vec<Value> {
    let mut body = json!({"QueueUrl": url, "MaxNumberOfMessages": 10});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let v = ok(q, "ReceiveMessage", body).await;
    v["Messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn queue_lifecycle_and_idempotent_create() {
    let (q, _) = service().await;
    let url = create(&q, "orders", json!({"VisibilityTimeout": "60"})).await;
    assert_eq!(url, "http://127.0.0.1:9999/000000000000/orders");
    // Same attributes (and none): the same URL; a different value: QueueNameExists.
    assert_eq!(
        create(&q, "orders", json!({"VisibilityTimeout": "60"})).await,
        url
    );
    assert_eq!(create(&q, "orders", json!({})).await, url);
    let e = call(
        &q,
        "CreateQueue",
        json!({"QueueName": "orders", "Attributes": {"VisibilityTimeout": "61"}}),
    )
    .await
    .expect_err("conflict");
    assert_eq!(e.1, "com.amazonaws.sqs#QueueNameExists");
    assert_eq!(e.2, "QueueAlreadyExists;Sender");

    let v = ok(&q, "GetQueueUrl", json!({"QueueName": "orders"})).await;
    assert_eq!(v["QueueUrl"], url.as_str());
    let other = create(&q, "other", json!({})).await;
    let v = ok(&q, "ListQueues", json!({"QueueNamePrefix": "ord"})).await;
    assert_eq!(v["QueueUrls"], json!([url]));
    let v = ok(&q, "ListQueues", json!({"MaxResults": 1})).await;
    assert_eq!(v["QueueUrls"].as_array().map(Vec::len), Some(1));
    let token = v["NextToken"].as_str().expect("token").to_string();
    let v = ok(
        &q,
        "ListQueues",
        json!({"MaxResults": 1, "NextToken": token}),
    )
    .await;
    assert_eq!(v["QueueUrls"], json!([other]));
    assert!(v.get("NextToken").is_none());

    let attrs = ok(
        &q,
        "GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["All"]}),
    )
    .await;
    let a = &attrs["Attributes"];
    assert_eq!(a["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:orders");
    assert_eq!(a["VisibilityTimeout"], "60");
    assert_eq!(a["MessageRetentionPeriod"], "345600");
    assert_eq!(a["ApproximateNumberOfMessages"], "0");
    assert_eq!(a["CreatedTimestamp"], (T0 / 1000).to_string());
    ok(
        &q,
        "SetQueueAttributes",
        json!({"QueueUrl": url, "Attributes": {"DelaySeconds": "5"}}),
    )
    .await;
    let attrs = ok(
        &q,
        "GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["DelaySeconds"]}),
    )
    .await;
    assert_eq!(attrs, json!({"Attributes": {"DelaySeconds": "5"}}));
    assert_eq!(
        err_type(
            &q,
            "GetQueueAttributes",
            json!({"QueueUrl": url, "AttributeNames": ["Nope"]})
        )
        .await,
        "InvalidAttributeName"
    );
    assert_eq!(
        err_type(
            &q,
            "SetQueueAttributes",
            json!({"QueueUrl": url, "Attributes": {"VisibilityTimeout": "-1"}})
        )
        .await,
        "InvalidAttributeValue"
    );

    ok(&q, "DeleteQueue", json!({"QueueUrl": url})).await;
    let e = call(&q, "GetQueueUrl", json!({"QueueName": "orders"}))
        .await
        .expect_err("gone");
    assert_eq!(e.0, 400);
    assert_eq!(e.1, "com.amazonaws.sqs#QueueDoesNotExist");
    assert_eq!(e.2, "AWS.SimpleQueueService.NonExistentQueue;Sender");
    assert_eq!(
        err_type(
            &q,
            "SendMessage",
            json!({"QueueUrl": url, "MessageBody": "x"})
        )
        .await,
        "QueueDoesNotExist"
    );
    assert_eq!(
        err_type(&q, "CreateQueue", json!({"QueueName": "f.fifo"})).await,
        "UnsupportedOperation"
    );
    assert_eq!(
        err_type(&q, "CreateQueue", json!({"QueueName": "bad name"})).await,
        "InvalidParameterValue"
    );
    assert_eq!(
        err_type(&q, "Nope", json!({})).await,
        "UnknownOperationException"
    );
}

#[tokio::test]
async fn send_receive_delete_with_digests_and_attributes() {
    let (q, _) = service().await;
    let url = create(&q, "q", json!({})).await;
    let sent = ok(
        &q,
        "SendMessage",
        json!({
            "QueueUrl": url,
            "MessageBody": "hello world",
            "MessageAttributes": {
                "store": {"DataType": "String", "StringValue": "Amazon.com"},
                "bin": {"DataType": "Binary", "BinaryValue": "AAEC"}
            }
        }),
    )
    .await;
    assert_eq!(sent["MD5OfMessageBody"], "5eb63bbbe01eeed093cb22bb8f5acdc3");
    assert!(sent["MD5OfMessageAttributes"].is_string());
    let got = receive(
        &q,
        &url,
        json!({"MessageAttributeNames": ["All"], "AttributeNames": ["All"]}),
    )
    .await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m["MessageId"], sent["MessageId"]);
    assert_eq!(m["Body"], "hello world");
    assert_eq!(m["MD5OfBody"], "5eb63bbbe01eeed093cb22bb8f5acdc3");
    assert_eq!(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"]);
    assert_eq!(
        m["MessageAttributes"]["bin"],
        json!({"DataType": "Binary", "BinaryValue": "AAEC"})
    );
    assert_eq!(m["Attributes"]["ApproximateReceiveCount"], "1");
    assert_eq!(m["Attributes"]["SentTimestamp"], T0.to_string());
    // Only the selected attribute, and its own digest.
    ok(
        &q,
        "ChangeMessageVisibility",
        json!({"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}),
    )
    .await;
    let got = receive(&q, &url, json!({"MessageAttributeNames": ["store"]})).await;
    assert_eq!(
        got[0]["MD5OfMessageAttributes"],
        "d7fd1937a78c0989cbb021a446c375d2"
    );
    assert!(got[0].get("Attributes").is_none());
    ok(
        &q,
        "DeleteMessage",
        json!({"QueueUrl": url, "ReceiptHandle": got[0]["ReceiptHandle"]}),
    )
    .await;
    // Deleting again succeeds; a made-up handle does not.
    ok(
        &q,
        "DeleteMessage",
        json!({"QueueUrl": url, "ReceiptHandle": got[0]["ReceiptHandle"]}),
    )
    .await;
    assert_eq!(
        err_type(
            &q,
            "DeleteMessage",
            json!({"QueueUrl": url, "ReceiptHandle": "garbage"})
        )
        .await,
        "ReceiptHandleIsInvalid"
    );
    assert!(receive(&q, &url, json!({})).await.is_empty());
    assert_eq!(
        err_type(
            &q,
            "SendMessage",
            json!({"QueueUrl": url, "MessageBody": "a\u{1}"})
        )
        .await,
        "InvalidMessageContents"
    );
    assert_eq!(
        err_type(
            &q,
            "SendMessage",
            json!({"QueueUrl": url, "MessageBody": "x".repeat(262_145)})
        )
        .await,
        "InvalidParameterValue"
    );
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "x".repeat(262_144)}),
    )
    .await;
    assert_eq!(
        err_type(
            &q,
            "ReceiveMessage",
            json!({"QueueUrl": url, "MaxNumberOfMessages": 11})
        )
        .await,
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn visibility_timeout_delay_and_counts_follow_the_clock() {
    let (q, clock) = service().await;
    let url = create(&q, "q", json!({"VisibilityTimeout": "10"})).await;
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "now"}),
    )
    .await;
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "later", "DelaySeconds": 5}),
    )
    .await;
    let counts = |v: Value| {
        let a = &v["Attributes"];
        (
            a["ApproximateNumberOfMessages"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            a["ApproximateNumberOfMessagesNotVisible"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            a["ApproximateNumberOfMessagesDelayed"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    let all = json!({"QueueUrl": url, "AttributeNames": ["All"]});
    assert_eq!(
        counts(ok(&q, "GetQueueAttributes", all.clone()).await),
        ("1".into(), "0".into(), "1".into())
    );
    let got = receive(&q, &url, json!({})).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "now");
    assert_eq!(
        counts(ok(&q, "GetQueueAttributes", all.clone()).await),
        ("0".into(), "1".into(), "1".into())
    );
    clock.advance(5_000);
    let got = receive(&q, &url, json!({})).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "later");
    clock.advance(5_001);
    // "now" is visible again after its 10 s; its receive count is 2.
    let got = receive(
        &q,
        &url,
        json!({"AttributeNames": ["ApproximateReceiveCount"]}),
    )
    .await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "now");
    assert_eq!(got[0]["Attributes"]["ApproximateReceiveCount"], "2");
    // A message that is visible is not in flight.
    ok(
        &q,
        "ChangeMessageVisibility",
        json!({"QueueUrl": url, "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0}),
    )
    .await;
    assert_eq!(
        err_type(&q, "ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0})).await,
        "MessageNotInflight"
    );
    ok(&q, "PurgeQueue", json!({"QueueUrl": url})).await;
    assert_eq!(
        err_type(&q, "PurgeQueue", json!({"QueueUrl": url})).await,
        "PurgeQueueInProgress"
    );
    clock.advance(60_000);
    ok(&q, "PurgeQueue", json!({"QueueUrl": url})).await;
    assert_eq!(
        counts(ok(&q, "GetQueueAttributes", all).await),
        ("0".into(), "0".into(), "0".into())
    );
}

#[tokio::test]
async fn redrive_moves_a_message_after_max_receive_count() {
    let (q, clock) = service().await;
    let dlq = create(&q, "dlq", json!({})).await;
    let arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
    let policy = json!({"deadLetterTargetArn": arn, "maxReceiveCount": 2}).to_string();
    let url = create(
        &q,
        "src",
        json!({"VisibilityTimeout": "1", "RedrivePolicy": policy}),
    )
    .await;
    let bad = json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:none", "maxReceiveCount": 2}).to_string();
    assert_eq!(
        err_type(
            &q,
            "CreateQueue",
            json!({"QueueName": "x", "Attributes": {"RedrivePolicy": bad}})
        )
        .await,
        "InvalidParameterValue"
    );
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "poison"}),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(receive(&q, &url, json!({})).await.len(), 1);
        clock.advance(1_001);
    }
    assert!(receive(&q, &url, json!({})).await.is_empty());
    let got = receive(&q, &dlq, json!({"AttributeNames": ["All"]})).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "poison");
    assert_eq!(
        got[0]["Attributes"]["DeadLetterQueueSourceArn"],
        "arn:aws:sqs:us-east-1:000000000000:src"
    );
    let v = ok(&q, "ListDeadLetterSourceQueues", json!({"QueueUrl": dlq})).await;
    assert_eq!(v["queueUrls"], json!([url]));
}

#[tokio::test]
async fn batches_report_per_entry_results() {
    let (q, _) = service().await;
    let url = create(&q, "q", json!({})).await;
    let v = ok(&q, "SendMessageBatch", json!({"QueueUrl": url, "Entries": [
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "x"}}},
        {"Id": "c", "MessageBody": "three"}
    ]}))
    .await;
    assert_eq!(v["Successful"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["Failed"][0]["Id"], "b");
    assert_eq!(v["Failed"][0]["SenderFault"], true);
    assert_eq!(v["Failed"][0]["Code"], "InvalidParameterValue");
    assert_eq!(
        err_type(
            &q,
            "SendMessageBatch",
            json!({"QueueUrl": url, "Entries": []})
        )
        .await,
        "EmptyBatchRequest"
    );
    let many: Vec<Value> = (0..11)
        .map(|i| json!({"Id": format!("m{i}"), "MessageBody": "x"}))
        .collect();
    assert_eq!(
        err_type(
            &q,
            "SendMessageBatch",
            json!({"QueueUrl": url, "Entries": many})
        )
        .await,
        "TooManyEntriesInBatchRequest"
    );
    let dup = json!([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]);
    assert_eq!(
        err_type(
            &q,
            "SendMessageBatch",
            json!({"QueueUrl": url, "Entries": dup})
        )
        .await,
        "BatchEntryIdsNotDistinct"
    );
    assert_eq!(
        err_type(
            &q,
            "SendMessageBatch",
            json!({"QueueUrl": url, "Entries": [{"Id": "a b", "MessageBody": "x"}]})
        )
        .await,
        "InvalidBatchEntryId"
    );
    let big: Vec<Value> = (0..2)
        .map(|i| json!({"Id": format!("m{i}"), "MessageBody": "x".repeat(200_000)}))
        .collect();
    assert_eq!(
        err_type(
            &q,
            "SendMessageBatch",
            json!({"QueueUrl": url, "Entries": big})
        )
        .await,
        "BatchRequestTooLong"
    );

    let got = receive(&q, &url, json!({})).await;
    assert_eq!(got.len(), 2);
    let entries: Vec<Value> = got
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"Id": format!("e{i}"), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 100}))
        .chain([json!({"Id": "bad", "ReceiptHandle": "nope", "VisibilityTimeout": 1})])
        .collect();
    let v = ok(
        &q,
        "ChangeMessageVisibilityBatch",
        json!({"QueueUrl": url, "Entries": entries.clone()}),
    )
    .await;
    assert_eq!(v["Successful"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
    let v = ok(
        &q,
        "DeleteMessageBatch",
        json!({"QueueUrl": url, "Entries": entries}),
    )
    .await;
    assert_eq!(v["Successful"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["Failed"].as_array().map(Vec::len), Some(1));
    let all = ok(
        &q,
        "GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessagesNotVisible"]}),
    )
    .await;
    assert_eq!(
        all["Attributes"]["ApproximateNumberOfMessagesNotVisible"],
        "0"
    );
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_a_message_arrives() {
    let (q, _) = service().await;
    let url = create(&q, "q", json!({})).await;
    let started = std::time::Instant::now();
    let empty = receive(&q, &url, json!({"WaitTimeSeconds": 1})).await;
    assert!(empty.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));

    let sender = q.clone();
    let url2 = url.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        sender
            .handle(
                "SendMessage",
                json!({"QueueUrl": url2, "MessageBody": "ping"})
                    .to_string()
                    .as_bytes(),
            )
            .await;
    });
    let started = std::time::Instant::now();
    let got = receive(&q, &url, json!({"WaitTimeSeconds": 10})).await;
    assert_eq!(got.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rust_api_sends_by_arn() {
    let (q, _) = service().await;
    let arn = "arn:aws:sqs:us-east-1:000000000000:fanout";
    assert!(!q.queue_exists(arn));
    let err = q
        .send_message(arn, "x".into(), vec![])
        .await
        .expect_err("no queue");
    assert!(matches!(err, SqsError::QueueDoesNotExist(_)));
    let url = create(&q, "fanout", json!({})).await;
    assert!(q.queue_exists(arn));
    assert_eq!(q.queue_url(arn).as_deref(), Some(url.as_str()));
    assert!(!q.queue_exists("arn:aws:sqs:eu-west-1:000000000000:fanout"));
    let attr = MessageAttribute {
        data_type: "String".into(),
        string_value: Some("Amazon.com".into()),
        binary_value: None,
    };
    let id = q
        .send_message(
            arn,
            "{\"Type\":\"Notification\"}".into(),
            vec![("store".into(), attr)],
        )
        .await
        .expect("sent");
    let got = receive(&q, &url, json!({"MessageAttributeNames": ["All"]})).await;
    assert_eq!(got[0]["MessageId"], id.as_str());
    assert_eq!(
        got[0]["MD5OfMessageAttributes"],
        "d7fd1937a78c0989cbb021a446c375d2"
    );
    let bad = MessageAttribute {
        data_type: "Nope".into(),
        string_value: Some("x".into()),
        binary_value: None,
    };
    assert!(matches!(
        q.send_message(arn, "x".into(), vec![("a".into(), bad)])
            .await,
        Err(SqsError::InvalidParameterValue(_))
    ));
}

#[tokio::test]
async fn messages_and_receive_state_survive_reopening_fjall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(TestClock(AtomicI64::new(T0)));
    let open = |clock: Arc<TestClock>| {
        let dir = dir.path().to_path_buf();
        async move {
            let storage: Arc<dyn Storage> = Arc::new(
                eddy_storage_fjall::FjallStorage::open(
                    &dir,
                    eddy_storage_fjall::FjallOptions::default(),
                )
                .expect("fjall"),
            );
            (
                Queues::open(storage.clone(), config(clock))
                    .await
                    .expect("open"),
                storage,
            )
        }
    };
    let (q, storage) = open(clock.clone()).await;
    let url = create(&q, "durable", json!({"VisibilityTimeout": "30"})).await;
    let gone = create(&q, "gone", json!({})).await;
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": gone, "MessageBody": "x"}),
    )
    .await;
    ok(&q, "DeleteQueue", json!({"QueueUrl": gone})).await;
    ok(&q, "SendMessage", json!({"QueueUrl": url, "MessageBody": "keep me", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}})).await;
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "second"}),
    )
    .await;
    let got = receive(&q, &url, json!({"MaxNumberOfMessages": 1})).await;
    assert_eq!(got[0]["Body"], "keep me");
    q.shutdown().await;
    drop(q);
    storage.close().expect("close");
    drop(storage);

    let (q, _storage) = open(clock.clone()).await;
    // The in-flight message is still in flight; the other is receivable.
    let got = receive(
        &q,
        &url,
        json!({"AttributeNames": ["All"], "MessageAttributeNames": ["All"]}),
    )
    .await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "second");
    ok(
        &q,
        "DeleteMessage",
        json!({"QueueUrl": url, "ReceiptHandle": got[0]["ReceiptHandle"]}),
    )
    .await;
    clock.advance(30_001);
    let got = receive(
        &q,
        &url,
        json!({"AttributeNames": ["All"], "MessageAttributeNames": ["All"]}),
    )
    .await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "keep me");
    assert_eq!(got[0]["Attributes"]["ApproximateReceiveCount"], "2");
    assert_eq!(got[0]["MessageAttributes"]["k"]["StringValue"], "v");
    // The deleted queue stays deleted and a new one with its name starts empty.
    let again = create(&q, "gone", json!({})).await;
    assert!(receive(&q, &again, json!({})).await.is_empty());
    let v = ok(
        &q,
        "GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["VisibilityTimeout"]}),
    )
    .await;
    assert_eq!(v["Attributes"]["VisibilityTimeout"], "30");
}

#[tokio::test]
async fn retention_drops_old_messages() {
    let (q, clock) = service().await;
    let url = create(&q, "q", json!({"MessageRetentionPeriod": "60"})).await;
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "old"}),
    )
    .await;
    clock.advance(60_000);
    ok(
        &q,
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "new"}),
    )
    .await;
    let got = receive(&q, &url, json!({})).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["Body"], "new");
    q.sweep().await;
}
