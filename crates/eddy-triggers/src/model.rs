//! An event source mapping as stored, its checkpoint, and its wire rendering
//! (`EventSourceMappingConfiguration`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Keyspace of mappings: UUID → JSON [`Mapping`].
pub const MAPPINGS: &str = "event_source_mappings";
/// Keyspace of checkpoints: UUID → JSON [`Checkpoint`].
pub const CHECKPOINTS: &str = "esm_checkpoints";

/// One mapping from a stream to a function.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mapping {
    /// The mapping's id.
    pub uuid: String,
    /// The function's ARN (qualified when the request named a qualifier).
    pub function_arn: String,
    /// The stream ARN.
    pub event_source_arn: String,
    /// The stream's internal id.
    pub stream_id: u64,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    /// First sequence number to deliver: 0 for TRIM_HORIZON; for LATEST the position just
    /// after the newest record visible when the mapping was created (durable, so a
    /// restart cannot move it and no record written after creation is missed).
    pub start_at: u64,
    /// BatchSize.
    pub batch_size: i64,
    /// MaximumBatchingWindowInSeconds.
    pub batching_window: i64,
    /// ParallelizationFactor: concurrent batches per shard, records of one item in one lane.
    pub parallelization_factor: i64,
    /// FilterCriteria patterns (JSON text, as given).
    pub filters: Vec<String>,
    /// DestinationConfig.OnFailure.Destination.
    pub on_failure: Option<String>,
    /// MaximumRecordAgeInSeconds (-1: infinite).
    pub maximum_record_age: i64,
    /// BisectBatchOnFunctionError.
    pub bisect: bool,
    /// MaximumRetryAttempts (-1: infinite).
    pub maximum_retry_attempts: i64,
    /// TumblingWindowInSeconds (accepted and echoed; windows are not implemented).
    pub tumbling_window: i64,
    /// FunctionResponseTypes.
    pub function_response_types: Vec<String>,
    /// Whether the mapping should be polling.
    pub enabled: bool,
    /// LastModified, epoch seconds.
    pub last_modified: f64,
    /// StateTransitionReason.
    pub state_transition_reason: String,
}

impl Mapping {
    /// `arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID`.
    pub fn arn(&self, region: &str, account: &str) -> String {
        format!(
            "arn:aws:lambda:{region}:{account}:event-source-mapping:{}",
            self.uuid
        )
    }

    /// Whether partial batch responses are honoured.
    pub fn reports_item_failures(&self) -> bool {
        self.function_response_types
            .iter()
            .any(|t| t == "ReportBatchItemFailures")
    }

    /// The wire configuration with `state` and `last_result`.
    pub fn to_json(&self, state: &str, last_result: &str, region: &str, account: &str) -> Value {
        let mut m = Map::new();
        m.insert("UUID".into(), json!(self.uuid));
        m.insert("StartingPosition".into(), json!(self.starting_position));
        m.insert("BatchSize".into(), json!(self.batch_size));
        m.insert(
            "MaximumBatchingWindowInSeconds".into(),
            json!(self.batching_window),
        );
        m.insert(
            "ParallelizationFactor".into(),
            json!(self.parallelization_factor),
        );
        m.insert("EventSourceArn".into(), json!(self.event_source_arn));
        if !self.filters.is_empty() {
            let f: Vec<Value> = self.filters.iter().map(|p| json!({"Pattern": p})).collect();
            m.insert("FilterCriteria".into(), json!({ "Filters": f }));
        }
        m.insert("FunctionArn".into(), json!(self.function_arn));
        m.insert("LastModified".into(), json!(self.last_modified));
        m.insert("LastProcessingResult".into(), json!(last_result));
        m.insert("State".into(), json!(state));
        m.insert(
            "StateTransitionReason".into(),
            json!(self.state_transition_reason),
        );
        let on_failure = match &self.on_failure {
            Some(d) => json!({ "Destination": d }),
            None => json!({}),
        };
        m.insert(
            "DestinationConfig".into(),
            json!({ "OnFailure": on_failure }),
        );
        m.insert(
            "MaximumRecordAgeInSeconds".into(),
            json!(self.maximum_record_age),
        );
        m.insert("BisectBatchOnFunctionError".into(), json!(self.bisect));
        m.insert(
            "MaximumRetryAttempts".into(),
            json!(self.maximum_retry_attempts),
        );
        m.insert(
            "TumblingWindowInSeconds".into(),
            json!(self.tumbling_window),
        );
        m.insert(
            "FunctionResponseTypes".into(),
            json!(self.function_response_types),
        );
        m.insert(
            "EventSourceMappingArn".into(),
            json!(self.arn(region, account)),
        );
        Value::Object(m)
    }
}

/// How far a mapping has delivered: the shard (by ordinal) it is on and the next sequence
/// number to deliver there. Written after every delivered (or discarded) batch, so it
/// never passes an undelivered record.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    /// The shard being read.
    pub shard: u32,
    /// The next sequence number to deliver in it.
    pub next: u64,
}
