//! Delivering one batch: invoke, interpret, retry, bisect, discard.
//!
//! The batch is worked as a queue of sub-batches in stream order (bisecting pushes the
//! two halves to the front, first half first), so records of one shard are never
//! delivered out of order except through retries, as on AWS:
//! - success (or, with `ReportBatchItemFailures`, an empty failure list) → done;
//! - a partial batch response → the records before the lowest reported sequence number
//!   are done (the checkpoint moves there at once), the rest is a failed sub-batch;
//! - a function error → with `BisectBatchOnFunctionError` and more than one record, the
//!   two halves are retried separately without using an attempt; otherwise an attempt is
//!   used and, once `MaximumRetryAttempts` is exhausted, the sub-batch is discarded with
//!   an on-failure record (`RetryAttemptsExhausted`);
//! - records older than `MaximumRecordAgeInSeconds` are discarded before invoking
//!   (`RecordAgeExceeded`);
//! - throttles and platform errors are retried without using attempts.
//!
//! The caller checkpoints past the whole batch when this returns `Done`.

use crate::metrics::MappingMetrics;
use crate::model::{Checkpoint, Mapping};
use crate::poller::stage_checkpoint;
use crate::window::Window;
use crate::{InvokeError, Shared};
use eddy_engine::streams::meta::seq_to_wire;
use eddy_engine::streams::reader::StreamRecord;
use eddy_storage::WriteBatch;
use parking_lot::Mutex;
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use tokio::sync::watch;

/// A stream record in Lambda event form.
#[derive(Debug, Clone)]
pub(crate) struct LambdaRecord {
    pub(crate) seq: u64,
    pub(crate) created_ms: i64,
    pub(crate) value: Value,
}

impl LambdaRecord {
    /// The GetRecords record plus `eventSourceARN`, with `userIdentity` members in the
    /// event casing (`type`, `principalId`) and the creation time as a float.
    pub(crate) fn from_stream(r: &StreamRecord, stream_arn: &str) -> Option<Self> {
        let mut v: Map<String, Value> = serde_json::from_slice(&r.json).ok()?;
        if let Some(Value::Object(d)) = v.get_mut("dynamodb")
            && let Some(t) = d.get("ApproximateCreationDateTime").and_then(Value::as_f64)
        {
            d.insert("ApproximateCreationDateTime".into(), json!(t));
        }
        if let Some(Value::Object(u)) = v.remove("userIdentity") {
            let mut lower = Map::new();
            for (k, val) in u {
                let k = match k.as_str() {
                    "Type" => "type".to_string(),
                    "PrincipalId" => "principalId".to_string(),
                    _ => k,
                };
                lower.insert(k, val);
            }
            v.insert("userIdentity".into(), Value::Object(lower));
        }
        v.insert("eventSourceARN".into(), json!(stream_arn));
        Some(Self {
            seq: r.seq,
            created_ms: r.created_ms,
            value: Value::Object(v),
        })
    }
}

/// How a batch ended.
pub(crate) enum Delivered {
    /// Every record was delivered or discarded.
    Done,
    /// The poller was stopped; nothing past the last checkpoint is assumed delivered.
    Stopped,
}

/// What delivery needs from the poller.
pub(crate) struct Context<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) mapping: &'a Mapping,
    pub(crate) shard_id: &'a str,
    pub(crate) stream_arn: &'a str,
    pub(crate) last_result: &'a Mutex<String>,
    pub(crate) metrics: &'a MappingMetrics,
    pub(crate) checkpoint_shard: u32,
    /// The open tumbling window, when the mapping has windows.
    pub(crate) window: Option<&'a Mutex<Window>>,
    /// A partial batch response may move the checkpoint at once. Not with concurrent
    /// lanes: another lane may still hold earlier, undelivered records.
    pub(crate) partial_checkpoints: bool,
}

enum Verdict {
    Success,
    /// Index of the first failed record.
    Partial(usize),
    Failed {
        function_error: bool,
    },
    NotInvoked,
}

/// Delivers `records` (non-empty, in stream order).
pub(crate) async fn deliver(
    ctx: &Context<'_>,
    records: Vec<LambdaRecord>,
    stop: &mut watch::Receiver<bool>,
) -> Delivered {
    let m = ctx.mapping;
    let mut queue: VecDeque<(Vec<LambdaRecord>, u32)> = VecDeque::from([(records, 0)]);
    let mut failures = 0u32;
    while let Some((mut batch, attempts)) = queue.pop_front() {
        if *stop.borrow() {
            return Delivered::Stopped;
        }
        if m.maximum_record_age >= 0 {
            let now = ctx.shared.engine_now_ms();
            let oldest_ok = now - m.maximum_record_age * 1000;
            let expired = batch
                .iter()
                .take_while(|r| r.created_ms < oldest_ok)
                .count();
            if expired > 0 {
                let old: Vec<_> = batch.drain(..expired).collect();
                discard(ctx, &old, "RecordAgeExceeded", attempts, None).await;
            }
            if batch.is_empty() {
                continue;
            }
        }
        let verdict = invoke(ctx, &batch).await;
        let (failed, function_error) = match verdict {
            Verdict::Success => {
                *ctx.last_result.lock() = "OK".into();
                let mm = ctx.metrics;
                MappingMetrics::inc(&mm.records_delivered, batch.len() as u64);
                if let Some(last) = batch.last() {
                    let age = ctx.shared.engine_now_ms() - last.created_ms;
                    mm.iterator_age_ms.store(age.max(0), Ordering::Relaxed);
                }
                failures = 0;
                continue;
            }
            Verdict::NotInvoked => {
                queue.push_front((batch, attempts));
                if !backoff(ctx, failures, stop).await {
                    return Delivered::Stopped;
                }
                failures += 1;
                continue;
            }
            Verdict::Partial(i) => {
                // Records before the first failure are done: checkpoint there now.
                if ctx.partial_checkpoints {
                    let cp = Checkpoint {
                        shard: ctx.checkpoint_shard,
                        next: batch[i].seq,
                    };
                    let mut b = WriteBatch::new();
                    stage_checkpoint(&mut b, &m.uuid, cp);
                    let _ = ctx.shared.storage.commit(b).await;
                }
                (batch.split_off(i), None)
            }
            Verdict::Failed { function_error } => (batch, function_error.then_some("Unhandled")),
        };
        *ctx.last_result.lock() = "PROBLEM: Function call failed".into();
        MappingMetrics::inc(&ctx.metrics.errors, 1);
        MappingMetrics::inc(&ctx.metrics.retries, 1);
        let partial = function_error.is_none();
        if m.bisect && failed.len() > 1 && !partial {
            let mut first = failed;
            let second = first.split_off(first.len() / 2);
            queue.push_front((second, attempts));
            queue.push_front((first, attempts));
        } else {
            let attempts = attempts + 1;
            let exhausted =
                m.maximum_retry_attempts >= 0 && i64::from(attempts) > m.maximum_retry_attempts;
            if exhausted {
                discard(
                    ctx,
                    &failed,
                    "RetryAttemptsExhausted",
                    attempts,
                    function_error,
                )
                .await;
                continue;
            }
            queue.push_front((failed, attempts));
        }
        if !backoff(ctx, failures, stop).await {
            return Delivered::Stopped;
        }
        failures += 1;
    }
    Delivered::Done
}

async fn invoke(ctx: &Context<'_>, batch: &[LambdaRecord]) -> Verdict {
    let records: Vec<&Value> = batch.iter().map(|r| &r.value).collect();
    let mut event = json!({ "Records": records });
    if let Some(w) = ctx.window {
        w.lock()
            .decorate(&mut event, ctx.shard_id, ctx.stream_arn, false);
    }
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    let fut = ctx
        .shared
        .invoker
        .invoke(&ctx.mapping.function_arn, payload);
    let started = std::time::Instant::now();
    let result = fut.await;
    MappingMetrics::inc(&ctx.metrics.invocations, 1);
    let micros = started.elapsed().as_micros() as u64;
    MappingMetrics::inc(&ctx.metrics.batch_micros, micros);
    match result {
        Ok(inv) if inv.function_error.is_some() => Verdict::Failed {
            function_error: true,
        },
        // A windowed function must return its state; without it the call failed.
        Ok(inv) if ctx.window.is_some_and(|w| !w.lock().absorb(&inv.payload)) => Verdict::Failed {
            function_error: false,
        },
        Ok(inv) if ctx.mapping.reports_item_failures() => partial_verdict(&inv.payload, batch),
        Ok(_) => Verdict::Success,
        Err(InvokeError::NotFound) => {
            *ctx.last_result.lock() = "PROBLEM: Function not found".into();
            Verdict::NotInvoked
        }
        Err(InvokeError::Throttled(why) | InvokeError::Service(why)) => {
            tracing::warn!(mapping = %ctx.mapping.uuid, %why, "invocation not possible; retrying");
            Verdict::NotInvoked
        }
    }
}

/// Interprets a `ReportBatchItemFailures` response (spec §2.8).
fn partial_verdict(payload: &[u8], batch: &[LambdaRecord]) -> Verdict {
    let v: Value = match serde_json::from_slice(payload) {
        Ok(v) => v,
        Err(_) => return Verdict::Success,
    };
    let list = match &v {
        Value::Object(o) => match o.get("batchItemFailures") {
            None | Some(Value::Null) => return Verdict::Success,
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Verdict::Failed {
                    function_error: false,
                };
            }
        },
        _ => return Verdict::Success,
    };
    if list.is_empty() {
        return Verdict::Success;
    }
    let mut lowest: Option<usize> = None;
    for entry in list {
        let id = entry.get("itemIdentifier").and_then(Value::as_str);
        let Some(id) = id.filter(|s| !s.is_empty()) else {
            return Verdict::Failed {
                function_error: false,
            };
        };
        let Some(i) = batch.iter().position(|r| seq_to_wire(r.seq) == id) else {
            return Verdict::Failed {
                function_error: false,
            };
        };
        lowest = Some(lowest.map_or(i, |l| l.min(i)));
    }
    match lowest {
        Some(0) | None => Verdict::Failed {
            function_error: false,
        },
        Some(i) => Verdict::Partial(i),
    }
}

/// Sleeps before a retry (exponential, capped); false if stopped meanwhile.
async fn backoff(ctx: &Context<'_>, failures: u32, stop: &mut watch::Receiver<bool>) -> bool {
    let pause = ctx.shared.config.retry_backoff * 2u32.pow(failures.min(4));
    tokio::select! {
        () = tokio::time::sleep(pause) => true,
        _ = stop.changed() => false,
    }
}

/// Sends the on-failure record of discarded `records` (spec §2.9) and logs it.
async fn discard(
    ctx: &Context<'_>,
    records: &[LambdaRecord],
    condition: &str,
    attempts: u32,
    function_error: Option<&str>,
) {
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return;
    };
    MappingMetrics::inc(&ctx.metrics.discarded, records.len() as u64);
    tracing::warn!(
        mapping = %ctx.mapping.uuid, condition, records = records.len(),
        "discarding records after failed delivery"
    );
    let Some(dest) = &ctx.mapping.on_failure else {
        return;
    };
    let record = json!({
        "requestContext": {
            "requestId": uuid::Uuid::new_v4().to_string(),
            "functionArn": ctx.mapping.function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": function_error,
        },
        "version": "1.0",
        "timestamp": iso_millis(ctx.shared.engine_now_ms()),
        "DDBStreamBatchInfo": {
            "shardId": ctx.shard_id,
            "startSequenceNumber": seq_to_wire(first.seq),
            "endSequenceNumber": seq_to_wire(last.seq),
            "approximateArrivalOfFirstRecord": iso_seconds(first.created_ms),
            "approximateArrivalOfLastRecord": iso_seconds(last.created_ms),
            "batchSize": records.len(),
            "streamArn": ctx.stream_arn,
        }
    });
    let mut record = record;
    if dest.starts_with("arn:aws:s3:") {
        // Only S3 destinations carry the invocation event itself (spec §2.9).
        let values: Vec<&Value> = records.iter().map(|r| &r.value).collect();
        record["payload"] = json!({ "Records": values });
    }
    if let Err(e) = ctx.shared.destination.send(dest, record).await {
        tracing::error!(mapping = %ctx.mapping.uuid, destination = %dest, error = %e, "on-failure destination failed");
    }
}

fn datetime(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// `2019-11-14T00:13:49.717Z`.
pub(crate) fn iso_millis(ms: i64) -> String {
    let t = datetime(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `2019-11-14T00:13:19Z`.
pub(crate) fn iso_seconds(ms: i64) -> String {
    let s = iso_millis(ms);
    format!("{}Z", &s[..19])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64) -> LambdaRecord {
        LambdaRecord {
            seq,
            created_ms: 0,
            value: Value::Null,
        }
    }

    #[test]
    fn partial_responses_follow_the_aws_table() {
        let batch = [rec(1), rec(2), rec(3)];
        let ok = |p: &str| matches!(partial_verdict(p.as_bytes(), &batch), Verdict::Success);
        for p in [
            "null",
            "{}",
            "[]",
            r#"{"batchItemFailures": []}"#,
            r#"{"batchItemFailures": null}"#,
        ] {
            assert!(ok(p), "{p}");
        }
        let at = |p: String| match partial_verdict(p.as_bytes(), &batch) {
            Verdict::Partial(i) => Some(i),
            _ => None,
        };
        let id = |n| seq_to_wire(n);
        assert_eq!(
            at(format!(
                r#"{{"batchItemFailures":[{{"itemIdentifier":"{}"}},{{"itemIdentifier":"{}"}}]}}"#,
                id(3),
                id(2)
            )),
            Some(1)
        );
        let failed = |p: String| {
            matches!(
                partial_verdict(p.as_bytes(), &batch),
                Verdict::Failed {
                    function_error: false
                }
            )
        };
        assert!(failed(format!(
            r#"{{"batchItemFailures":[{{"itemIdentifier":"{}"}}]}}"#,
            id(1)
        )));
        for bad in [
            r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":123}]}"#,
            r#"{"batchItemFailures":[{"foo":"x"}]}"#,
            r#"{"batchItemFailures":"x"}"#,
        ] {
            assert!(failed(bad.to_string()), "{bad}");
        }
    }

    #[test]
    fn timestamps_have_the_destination_record_shapes() {
        assert_eq!(iso_millis(1_573_690_429_717), "2019-11-14T00:13:49.717Z");
        assert_eq!(iso_seconds(1_573_690_399_000), "2019-11-14T00:13:19Z");
    }
}
