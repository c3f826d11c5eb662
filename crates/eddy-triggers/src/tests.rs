//! Mappings end to end over an in-memory engine with a scripted fake function.

use crate::{FailureDestination, Invocation, InvokeError, Invoker, TriggerConfig, Triggers};
use eddy_engine::{Engine, EngineConfig, RequestContext};
use eddy_storage::Storage;
use futures::future::BoxFuture;
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How the fake function answers one invocation.
type Script = dyn Fn(&Value, usize) -> Result<Invocation, InvokeError> + Send + Sync;

/// A function that records every event and answers as scripted.
struct Fake {
    calls: Mutex<Vec<Value>>,
    script: Box<Script>,
}

impl Invoker for Fake {
    fn function_arn(&self, name: &str) -> Option<String> {
        let name = name.rsplit(':').next().unwrap_or(name);
        (name == "fn").then(|| "arn:aws:lambda:us-east-1:000000000000:function:fn".to_string())
    }

    fn invoke(
        &self,
        _: &str,
        payload: Vec<u8>,
    ) -> BoxFuture<'static, Result<Invocation, InvokeError>> {
        let event: Value = serde_json::from_slice(&payload).expect("event is JSON");
        let n = {
            let mut calls = self.calls.lock();
            calls.push(event.clone());
            calls.len()
        };
        let r = (self.script)(&event, n);
        Box::pin(async move { r })
    }
}

fn ok() -> Result<Invocation, InvokeError> {
    Ok(Invocation {
        payload: b"null".to_vec(),
        function_error: None,
    })
}

fn fail() -> Result<Invocation, InvokeError> {
    Ok(Invocation {
        payload: br#"{"errorMessage":"boom","errorType":"Exception"}"#.to_vec(),
        function_error: Some("Unhandled".into()),
    })
}

#[derive(Default)]
struct Sink(Mutex<Vec<(String, Value)>>);

impl FailureDestination for Sink {
    fn send(&self, arn: &str, record: Value) -> BoxFuture<'static, Result<(), String>> {
        self.0.lock().push((arn.to_string(), record));
        Box::pin(async { Ok(()) })
    }
}

struct Env {
    engine: Arc<Engine>,
    triggers: Arc<Triggers>,
    fake: Arc<Fake>,
    sink: Arc<Sink>,
    stream: String,
}

async fn call(engine: &Engine, op: &str, body: Value) -> Value {
    let out = engine
        .dynamodb(op, body.to_string().as_bytes(), &RequestContext::default())
        .await
        .unwrap_or_else(|e| panic!("{op}: {e:?}"));
    serde_json::from_slice(&out).expect("JSON")
}

async fn setup(storage: Arc<dyn Storage>, script: Box<Script>) -> Env {
    let engine = Engine::open(storage, EngineConfig::default())
        .await
        .expect("engine");
    let fake = Arc::new(Fake {
        calls: Mutex::new(Vec::new()),
        script,
    });
    let sink = Arc::new(Sink::default());
    let config = TriggerConfig {
        retry_backoff: Duration::from_millis(1),
        idle_wait: Duration::from_millis(50),
        ..TriggerConfig::default()
    };
    let triggers = Triggers::open(engine.clone(), fake.clone(), sink.clone(), config)
        .await
        .expect("triggers");
    let t = call(
        &engine,
        "CreateTable",
        json!({
            "TableName": "orders",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        }),
    )
    .await;
    let stream = t["TableDescription"]["LatestStreamArn"]
        .as_str()
        .expect("arn")
        .to_string();
    Env {
        engine,
        triggers,
        fake,
        sink,
        stream,
    }
}

impl Env {
    /// Waits (up to 10 s) for the first on-failure record sent to the destination.
    async fn first_failure_record(&self) -> (String, Value) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.sink.0.lock().is_empty() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no on-failure record"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.sink.0.lock()[0].clone()
    }

    async fn map(&self, extra: Value) -> Value {
        let mut body = json!({"FunctionName": "fn", "EventSourceArn": self.stream, "StartingPosition": "TRIM_HORIZON"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = self
            .triggers
            .handle(
                "POST",
                "/2015-03-31/event-source-mappings",
                "",
                body.to_string().as_bytes(),
            )
            .await;
        serde_json::from_slice(&r.body).expect("JSON")
    }

    async fn put(&self, pk: &str, v: i64) {
        call(
            &self.engine,
            "PutItem",
            json!({"TableName": "orders", "Item": {"pk": {"S": pk}, "v": {"N": v.to_string()}}}),
        )
        .await;
    }

    /// Every delivered record's (pk, v), in delivery order.
    fn delivered(&self) -> Vec<(String, String)> {
        self.fake
            .calls
            .lock()
            .iter()
            .flat_map(|e| e["Records"].as_array().cloned().unwrap_or_default())
            .map(|r| {
                let img = &r["dynamodb"]["NewImage"];
                (
                    img["pk"]["S"].as_str().unwrap_or("").to_string(),
                    img["v"]["N"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    async fn wait_calls(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.fake.calls.lock().len() < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} invocations, got {}",
                self.fake.calls.lock().len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn mem() -> Arc<dyn Storage> {
    Arc::new(eddy_storage_mem::MemoryStorage::new())
}

#[tokio::test]
async fn create_returns_the_aws_defaults_and_records_arrive_in_order() {
    let env = setup(mem(), Box::new(|_, _| ok())).await;
    let m = env.map(json!({})).await;
    assert_eq!(m["State"], "Creating");
    assert_eq!(m["BatchSize"], 100);
    assert_eq!(m["MaximumBatchingWindowInSeconds"], 0);
    assert_eq!(m["MaximumRetryAttempts"], -1);
    assert_eq!(m["MaximumRecordAgeInSeconds"], -1);
    assert_eq!(m["ParallelizationFactor"], 1);
    assert_eq!(m["TumblingWindowInSeconds"], 0);
    assert_eq!(m["DestinationConfig"], json!({"OnFailure": {}}));
    assert_eq!(m["FunctionResponseTypes"], json!([]));
    assert_eq!(m["StateTransitionReason"], "User action");
    assert_eq!(m["LastProcessingResult"], "No records processed");
    for i in 0..5 {
        env.put("a", i).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while env.delivered().len() < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "got {:?}",
            env.delivered()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let vs: Vec<String> = env.delivered().into_iter().map(|(_, v)| v).collect();
    assert_eq!(vs, ["0", "1", "2", "3", "4"]);
    let first = env.fake.calls.lock()[0]["Records"][0].clone();
    assert_eq!(first["eventSourceARN"], json!(env.stream));
    assert!(first["dynamodb"]["ApproximateCreationDateTime"].is_f64());
    let uuid = m["UUID"].as_str().unwrap();
    let r = env
        .triggers
        .handle(
            "GET",
            &format!("/2015-03-31/event-source-mappings/{uuid}"),
            "",
            b"",
        )
        .await;
    let got: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(got["State"], "Enabled");
    assert_eq!(got["LastProcessingResult"], "OK");
}

#[tokio::test]
async fn latest_skips_old_records_and_misses_none_after_creation() {
    let env = setup(mem(), Box::new(|_, _| ok())).await;
    env.put("old", 1).await;
    env.map(json!({"StartingPosition": "LATEST"})).await;
    env.put("new", 2).await;
    env.wait_calls(1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(env.delivered(), [("new".to_string(), "2".to_string())]);
}

#[tokio::test]
async fn a_poison_record_is_retried_then_discarded_to_the_destination() {
    let env = setup(mem(), Box::new(|_, _| fail())).await;
    let dest = "arn:aws:sqs:us-east-1:000000000000:dlq";
    env.map(json!({"MaximumRetryAttempts": 1, "DestinationConfig": {"OnFailure": {"Destination": dest}}}))
        .await;
    env.put("a", 1).await;
    let (arn, rec) = env.first_failure_record().await;
    assert_eq!(env.fake.calls.lock().len(), 2, "retries + 1 invocations");
    assert_eq!(arn, dest);
    assert_eq!(rec["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(rec["responseContext"]["functionError"], "Unhandled");
    assert_eq!(rec["DDBStreamBatchInfo"]["batchSize"], 1);
    assert_eq!(rec["DDBStreamBatchInfo"]["streamArn"], json!(env.stream));
    assert!(rec.get("payload").is_none(), "SQS records carry no payload");
}

/// Edge case 64: an S3 on-failure record carries the whole invocation event.
#[tokio::test]
async fn an_s3_on_failure_record_carries_the_event_payload() {
    let env = setup(mem(), Box::new(|_, _| fail())).await;
    let dest = "arn:aws:s3:::failed-batches";
    env.map(json!({"MaximumRetryAttempts": 0, "DestinationConfig": {"OnFailure": {"Destination": dest}}}))
        .await;
    env.put("a", 1).await;
    let (arn, rec) = env.first_failure_record().await;
    assert_eq!(arn, dest);
    let event = env.fake.calls.lock()[0].clone();
    assert_eq!(rec["payload"], event, "the payload is the invocation event");
    assert_eq!(
        rec["payload"]["Records"][0]["dynamodb"]["Keys"]["pk"]["S"],
        "a"
    );
}

#[tokio::test]
async fn bisect_isolates_the_bad_record_and_delivers_the_rest() {
    // Fails any batch containing v = 3.
    let script = |e: &Value, _: usize| {
        let bad = e["Records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["dynamodb"]["NewImage"]["v"]["N"] == "3");
        if bad { fail() } else { ok() }
    };
    let env = setup(mem(), Box::new(script)).await;
    for i in 0..6 {
        env.put(&format!("k{i}"), i).await;
    }
    env.map(json!({"BisectBatchOnFunctionError": true, "MaximumRetryAttempts": 0}))
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ok_vs: Vec<String> = env.delivered().into_iter().map(|(_, v)| v).collect();
        let good = ["0", "1", "2", "4", "5"]
            .iter()
            .all(|v| ok_vs.iter().any(|x| x == v));
        if good && !env.fake.calls.lock().is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivered {ok_vs:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The first invocation carried all six; the last one carrying 3 carried only 3.
    let calls = env.fake.calls.lock().clone();
    assert_eq!(calls[0]["Records"].as_array().unwrap().len(), 6);
    let last_bad = calls
        .iter()
        .rfind(|c| {
            c["Records"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["dynamodb"]["NewImage"]["v"]["N"] == "3")
        })
        .unwrap();
    assert_eq!(last_bad["Records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn partial_batch_responses_retry_from_the_lowest_failure() {
    // First call: report the third record as failed; later calls succeed.
    let script = |e: &Value, n: usize| {
        if n == 1 {
            let seq = e["Records"][2]["dynamodb"]["SequenceNumber"].clone();
            let body = json!({"batchItemFailures": [{"itemIdentifier": seq}]});
            Ok(Invocation {
                payload: body.to_string().into_bytes(),
                function_error: None,
            })
        } else {
            ok()
        }
    };
    let env = setup(mem(), Box::new(script)).await;
    for i in 0..5 {
        env.put(&format!("k{i}"), i).await;
    }
    env.map(json!({"FunctionResponseTypes": ["ReportBatchItemFailures"]}))
        .await;
    env.wait_calls(2).await;
    let calls = env.fake.calls.lock().clone();
    let second: Vec<&Value> = calls[1]["Records"].as_array().unwrap().iter().collect();
    let vs: Vec<&str> = second
        .iter()
        .map(|r| r["dynamodb"]["NewImage"]["v"]["N"].as_str().unwrap())
        .collect();
    assert_eq!(vs, ["2", "3", "4"]);
}

#[tokio::test]
async fn filters_drop_records_and_bad_patterns_are_refused() {
    let env = setup(mem(), Box::new(|_, _| ok())).await;
    let bad = env
        .map(json!({"FilterCriteria": {"Filters": [{"Pattern": "{nope"}]}}))
        .await;
    assert_eq!(bad["message"], "Invalid filter pattern definition.");
    let pattern = r#"{"dynamodb": {"NewImage": {"v": {"N": ["2", "4"]}}}}"#;
    env.map(json!({"FilterCriteria": {"Filters": [{"Pattern": pattern}]}}))
        .await;
    for i in 0..6 {
        env.put(&format!("k{i}"), i).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while env.delivered().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let vs: Vec<String> = env.delivered().into_iter().map(|(_, v)| v).collect();
    assert_eq!(vs, ["2", "4"]);
}

#[tokio::test]
async fn validation_and_lookup_errors_match_aws() {
    let env = setup(mem(), Box::new(|_, _| ok())).await;
    let cases = [
        (json!({"BatchSize": 0}), "ValidationException"),
        (json!({"BatchSize": 10001}), "ValidationException"),
        (
            json!({"MaximumBatchingWindowInSeconds": 301}),
            "ValidationException",
        ),
        (json!({"ParallelizationFactor": 11}), "ValidationException"),
        (json!({"MaximumRetryAttempts": -2}), "ValidationException"),
        (
            json!({"MaximumRecordAgeInSeconds": 30}),
            "InvalidParameterValueException",
        ),
        (
            json!({"MaximumRecordAgeInSeconds": 604801}),
            "ValidationException",
        ),
        (
            json!({"TumblingWindowInSeconds": 901}),
            "ValidationException",
        ),
        (
            json!({"StartingPosition": "AT_TIMESTAMP"}),
            "InvalidParameterValueException",
        ),
        (
            json!({"FunctionName": "nope"}),
            "InvalidParameterValueException",
        ),
    ];
    for (extra, code) in cases {
        let mut body = json!({"FunctionName": "fn", "EventSourceArn": env.stream, "StartingPosition": "LATEST"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = env
            .triggers
            .handle(
                "POST",
                "/2015-03-31/event-source-mappings",
                "",
                body.to_string().as_bytes(),
            )
            .await;
        assert_eq!(
            r.error_type,
            Some(code),
            "{extra}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let mut body = json!({"FunctionName": "fn", "EventSourceArn": env.stream});
    let r = env
        .triggers
        .handle(
            "POST",
            "/2015-03-31/event-source-mappings",
            "",
            body.to_string().as_bytes(),
        )
        .await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v["message"],
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."
    );
    body["StartingPosition"] = json!("LATEST");
    body["EventSourceArn"] = json!(env.stream.replace("/stream/2", "/stream/1"));
    let r = env
        .triggers
        .handle(
            "POST",
            "/2015-03-31/event-source-mappings",
            "",
            body.to_string().as_bytes(),
        )
        .await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Stream not found: "),
        "{v}"
    );
    let ok1 = env.map(json!({})).await;
    assert!(ok1["UUID"].is_string());
    let dup = env.map(json!({})).await;
    assert!(
        dup["message"]
            .as_str()
            .unwrap()
            .contains("provided mapping already exists"),
        "{dup}"
    );
    let r = env
        .triggers
        .handle("GET", "/2015-03-31/event-source-mappings/0000", "", b"")
        .await;
    assert_eq!(r.status, 404);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["Message"], "The resource you requested does not exist.");
    let uuid = ok1["UUID"].as_str().unwrap();
    let r = env
        .triggers
        .handle(
            "DELETE",
            &format!("/2015-03-31/event-source-mappings/{uuid}"),
            "",
            b"",
        )
        .await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!((r.status, v["State"].as_str()), (202, Some("Deleting")));
    let r = env
        .triggers
        .handle(
            "GET",
            &format!("/2015-03-31/event-source-mappings/{uuid}"),
            "",
            b"",
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn disable_then_enable_resumes_from_the_checkpoint_and_survives_a_restart() {
    let storage = mem();
    let env = setup(storage.clone(), Box::new(|_, _| ok())).await;
    let m = env.map(json!({})).await;
    let uuid = m["UUID"].as_str().unwrap().to_string();
    let path = format!("/2015-03-31/event-source-mappings/{uuid}");
    env.put("a", 1).await;
    env.wait_calls(1).await;
    let r = env
        .triggers
        .handle("PUT", &path, "", br#"{"Enabled": false}"#)
        .await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["State"], "Disabling");
    env.put("a", 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(env.delivered().len(), 1, "nothing delivered while disabled");
    let r = env
        .triggers
        .handle("PUT", &path, "", br#"{"Enabled": true}"#)
        .await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["State"], "Enabling");
    env.wait_calls(2).await;
    env.triggers.shutdown().await;
    // A new service over the same storage resumes after the checkpoint.
    let fake2 = Arc::new(Fake {
        calls: Mutex::new(Vec::new()),
        script: Box::new(|_, _| ok()),
    });
    let t2 = Triggers::open(
        env.engine.clone(),
        fake2.clone(),
        env.sink.clone(),
        TriggerConfig::default(),
    )
    .await
    .unwrap();
    env.put("a", 3).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake2.calls.lock().is_empty() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let recs = fake2.calls.lock().clone();
    let vs: Vec<&str> = recs
        .iter()
        .flat_map(|c| c["Records"].as_array().unwrap().iter())
        .map(|r| r["dynamodb"]["NewImage"]["v"]["N"].as_str().unwrap())
        .collect();
    assert_eq!(vs, ["3"], "no redelivery, no gap");
    t2.shutdown().await;
}

#[tokio::test]
async fn tumbling_windows_carry_state_and_end_with_a_final_invocation() {
    // The function counts records per window in its state.
    let script = |e: &Value, _: usize| {
        let n = e["state"]["n"].as_i64().unwrap_or(0);
        let add = e["Records"].as_array().map_or(0, Vec::len) as i64;
        let body = json!({"state": {"n": n + add}});
        Ok(Invocation {
            payload: body.to_string().into_bytes(),
            function_error: None,
        })
    };
    let env = setup(mem(), Box::new(script)).await;
    env.map(json!({"TumblingWindowInSeconds": 1, "BatchSize": 1}))
        .await;
    for i in 0..3 {
        env.put(&format!("k{i}"), i).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let calls = env.fake.calls.lock().clone();
        let finals: Vec<&Value> = calls
            .iter()
            .filter(|c| c["isFinalInvokeForWindow"] == true)
            .collect();
        let seen: usize = calls
            .iter()
            .map(|c| c["Records"].as_array().map_or(0, Vec::len))
            .sum();
        if seen == 3
            && calls
                .last()
                .is_some_and(|c| c["isFinalInvokeForWindow"] == true)
        {
            // Per window: states chain from {} and the final call carries the total.
            let mut by_window: std::collections::BTreeMap<String, Vec<&Value>> = Default::default();
            for c in &calls {
                by_window
                    .entry(c["window"]["start"].as_str().unwrap().to_string())
                    .or_default()
                    .push(c);
            }
            for (start, cs) in by_window {
                let mut n = 0;
                assert_eq!(cs[0]["state"], json!({}), "window {start} starts empty");
                for c in &cs {
                    assert_eq!(
                        c["state"]["n"].as_i64().unwrap_or(0),
                        n,
                        "window {start}: {c}"
                    );
                    assert_eq!(c["shardId"].as_str().unwrap().len(), 37);
                    n += c["Records"].as_array().unwrap().len() as i64;
                }
                assert_eq!(
                    cs.last().unwrap()["isFinalInvokeForWindow"],
                    true,
                    "window {start}"
                );
            }
            assert!(!finals.is_empty());
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "calls: {calls:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_windowed_response_without_state_is_a_failure() {
    let script = |e: &Value, n: usize| {
        // The first non-final call forgets the state; the retry returns it.
        let body = if n == 1 && e["isFinalInvokeForWindow"] == false {
            json!({})
        } else {
            json!({"state": {}})
        };
        Ok(Invocation {
            payload: body.to_string().into_bytes(),
            function_error: None,
        })
    };
    let env = setup(mem(), Box::new(script)).await;
    env.put("a", 1).await;
    env.map(json!({"TumblingWindowInSeconds": 60})).await;
    env.wait_calls(2).await;
    let calls = env.fake.calls.lock().clone();
    assert_eq!(
        calls[0]["Records"], calls[1]["Records"],
        "the failed call is retried"
    );
}
