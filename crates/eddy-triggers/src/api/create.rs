//! CreateEventSourceMapping.

use super::params::{Checks, boolean, check_record_age, destination, filters, response_types};
use super::{ApiResult, LambdaError, Response, body_json};
use crate::metrics::MappingMetrics;
use crate::model::{Checkpoint, MAPPINGS, Mapping};
use crate::poller::{spawn, stage_checkpoint};
use crate::{Running, Triggers};
use eddy_storage::WriteBatch;
use parking_lot::Mutex;
use serde_json::Value;
use std::sync::Arc;

const POSITIONS: &str = "[LATEST, AT_TIMESTAMP, TRIM_HORIZON]";

impl Triggers {
    /// CreateEventSourceMapping: validates, resolves the function and the stream, stores
    /// the mapping with its starting checkpoint (LATEST is pinned to the current end of
    /// the stream, durably, so no record committed after this call can be missed), and
    /// starts its poller.
    pub(crate) async fn create(&self, body: &[u8]) -> ApiResult {
        let v = body_json(body)?;
        let mut c = Checks::default();
        let batch_size = c.int(&v, "BatchSize", "batchSize", 1, 10_000);
        let window = c.int(
            &v,
            "MaximumBatchingWindowInSeconds",
            "maximumBatchingWindowInSeconds",
            0,
            300,
        );
        let parallel = c.int(&v, "ParallelizationFactor", "parallelizationFactor", 1, 10);
        let retries = c.int(
            &v,
            "MaximumRetryAttempts",
            "maximumRetryAttempts",
            -1,
            10_000,
        );
        let age = c.int(
            &v,
            "MaximumRecordAgeInSeconds",
            "maximumRecordAgeInSeconds",
            -1,
            604_800,
        );
        let tumbling = c.int(
            &v,
            "TumblingWindowInSeconds",
            "tumblingWindowInSeconds",
            0,
            900,
        );
        let types = response_types(&v, &mut c);
        let position = v.get("StartingPosition").and_then(Value::as_str);
        if let Some(p) = position
            && !matches!(p, "LATEST" | "AT_TIMESTAMP" | "TRIM_HORIZON")
        {
            c.push(format!(
                "Value '{p}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: {POSITIONS}"
            ));
        }
        let function = v.get("FunctionName").and_then(Value::as_str);
        if function.is_none() {
            c.push("Value null at 'functionName' failed to satisfy constraint: Member must not be null".into());
        }
        c.finish()?;
        check_record_age(age)?;
        let enabled = boolean(&v, "Enabled")?.unwrap_or(true);
        let bisect = boolean(&v, "BisectBatchOnFunctionError")?.unwrap_or(false);
        let invalid = |m: String| LambdaError::InvalidParameterValue(m);
        let Some(source) = v.get("EventSourceArn").and_then(Value::as_str) else {
            return Err(invalid("Unrecognized event source.".into()));
        };
        if !source.contains(":dynamodb:") || !source.contains("/stream/") {
            return Err(invalid("Unrecognized event source.".into()));
        }
        let Some(position) = position else {
            return Err(invalid(
                "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.".into(),
            ));
        };
        if position == "AT_TIMESTAMP" {
            return Err(invalid(format!(
                "Unsupported starting position for arn type: {source}"
            )));
        }
        let engine = &self.shared.engine;
        let Some(stream) = engine.stream_view(source) else {
            return Err(invalid(format!("Stream not found: {source}")));
        };
        let function = function.unwrap_or_default();
        let Some(function_arn) = self.shared.invoker.function_arn(function) else {
            return Err(invalid("Function does not exist".into()));
        };
        let filters = filters(&v)?.unwrap_or_default();
        let on_failure = destination(&v)?.flatten();
        let mut all = self.mappings.lock().await;
        if let Some(dup) = all.values().find(|r| {
            r.mapping.event_source_arn == stream.arn && r.mapping.function_arn == function_arn
        }) {
            return Err(LambdaError::ResourceConflict(format!(
                "The event source arn (\" {} \") and function (\" {} \") provided mapping already exists. Please update or delete the existing mapping with UUID {}",
                stream.arn, function, dup.mapping.uuid
            )));
        }
        let mapping = Mapping {
            uuid: uuid::Uuid::new_v4().to_string(),
            function_arn,
            event_source_arn: stream.arn.clone(),
            stream_id: stream.id,
            starting_position: position.to_string(),
            start_at: if position == "LATEST" {
                engine.stream_latest()
            } else {
                0
            },
            batch_size: batch_size.unwrap_or(100),
            batching_window: window.unwrap_or(0),
            parallelization_factor: parallel.unwrap_or(1),
            filters,
            on_failure,
            maximum_record_age: age.unwrap_or(-1),
            bisect,
            maximum_retry_attempts: retries.unwrap_or(-1),
            tumbling_window: tumbling.unwrap_or(0),
            function_response_types: types.unwrap_or_default(),
            enabled,
            last_modified: engine.now_millis() as f64 / 1000.0,
            state_transition_reason: "User action".into(),
        };
        let first_shard = stream.shards.first().map_or(0, |s| s.ordinal);
        let mut batch = WriteBatch::new();
        stage(&mut batch, &mapping);
        let cp = Checkpoint {
            shard: first_shard,
            next: 0,
        };
        stage_checkpoint(&mut batch, &mapping.uuid, cp);
        self.shared
            .storage
            .commit(batch)
            .await
            .map_err(|e| LambdaError::Service(format!("storage failure: {e}")))?;
        let last_result = Arc::new(Mutex::new("No records processed".to_string()));
        let metrics = Arc::new(MappingMetrics::default());
        let poller = enabled.then(|| {
            spawn(
                self.shared.clone(),
                mapping.clone(),
                last_result.clone(),
                metrics.clone(),
            )
        });
        let state = if enabled { "Creating" } else { "Disabled" };
        let out = self.render(&mapping, state, "No records processed");
        all.insert(
            mapping.uuid.clone(),
            Running {
                mapping,
                last_result,
                metrics,
                poller,
            },
        );
        Ok(Response::json(202, &out))
    }

    /// The wire configuration.
    pub(crate) fn render(&self, m: &Mapping, state: &str, last_result: &str) -> Value {
        let c = &self.shared.config;
        m.to_json(state, last_result, &c.region, &c.account_id)
    }
}

/// Stages a mapping's record.
pub(crate) fn stage(batch: &mut WriteBatch, m: &Mapping) {
    let bytes = serde_json::to_vec(m).unwrap_or_default();
    batch.put(MAPPINGS, m.uuid.as_bytes().to_vec(), bytes);
}
