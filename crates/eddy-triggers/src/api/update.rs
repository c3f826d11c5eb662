//! UpdateEventSourceMapping and DeleteEventSourceMapping.

use super::create::stage;
use super::params::{Checks, boolean, check_record_age, destination, filters, response_types};
use super::{ApiResult, LambdaError, Response, body_json, not_found};
use crate::Triggers;
use crate::model::{CHECKPOINTS, MAPPINGS};
use crate::poller::spawn;
use eddy_storage::WriteBatch;
use serde_json::Value;

impl Triggers {
    /// UpdateEventSourceMapping: applies the changes, persists them, and restarts the
    /// poller, which resumes from the mapping's checkpoint (never from the starting
    /// position again), so disable/enable neither redelivers nor skips.
    pub(crate) async fn update(&self, uuid: &str, body: &[u8]) -> ApiResult {
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
        c.finish()?;
        check_record_age(age)?;
        let enabled = boolean(&v, "Enabled")?;
        let bisect = boolean(&v, "BisectBatchOnFunctionError")?;
        let new_filters = filters(&v)?;
        let new_destination = destination(&v)?;
        let mut all = self.mappings.lock().await;
        let r = all.get_mut(uuid).ok_or_else(not_found)?;
        let mut m = r.mapping.clone();
        if let Some(f) = v.get("FunctionName").and_then(Value::as_str) {
            m.function_arn = self.shared.invoker.function_arn(f).ok_or_else(|| {
                LambdaError::InvalidParameterValue("Function does not exist".into())
            })?;
        }
        let was_enabled = m.enabled;
        m.enabled = enabled.unwrap_or(m.enabled);
        m.batch_size = batch_size.unwrap_or(m.batch_size);
        m.batching_window = window.unwrap_or(m.batching_window);
        m.parallelization_factor = parallel.unwrap_or(m.parallelization_factor);
        m.maximum_retry_attempts = retries.unwrap_or(m.maximum_retry_attempts);
        m.maximum_record_age = age.unwrap_or(m.maximum_record_age);
        m.tumbling_window = tumbling.unwrap_or(m.tumbling_window);
        m.bisect = bisect.unwrap_or(m.bisect);
        if let Some(t) = types {
            m.function_response_types = t;
        }
        if let Some(f) = new_filters {
            m.filters = f;
        }
        if let Some(d) = new_destination {
            m.on_failure = d;
        }
        m.last_modified = self.shared.engine.now_millis() as f64 / 1000.0;
        let mut batch = WriteBatch::new();
        stage(&mut batch, &m);
        self.shared
            .storage
            .commit(batch)
            .await
            .map_err(|e| LambdaError::Service(format!("storage failure: {e}")))?;
        if let Some(p) = r.poller.take() {
            p.stop().await;
        }
        if m.enabled {
            let (last, metrics) = (r.last_result.clone(), r.metrics.clone());
            r.poller = Some(spawn(self.shared.clone(), m.clone(), last, metrics));
        }
        let state = match (was_enabled, m.enabled) {
            (false, true) => "Enabling",
            (true, false) => "Disabling",
            _ => "Updating",
        };
        r.mapping = m;
        let last = r.last_result.lock().clone();
        Ok(Response::json(202, &self.render(&r.mapping, state, &last)))
    }

    /// DeleteEventSourceMapping: stops the poller and forgets the mapping and its
    /// checkpoint.
    pub(crate) async fn delete(&self, uuid: &str) -> ApiResult {
        let mut all = self.mappings.lock().await;
        let r = all.get_mut(uuid).ok_or_else(not_found)?;
        if let Some(p) = r.poller.take() {
            p.stop().await;
        }
        let mut batch = WriteBatch::new();
        batch.delete(MAPPINGS, uuid.as_bytes().to_vec());
        batch.delete(CHECKPOINTS, uuid.as_bytes().to_vec());
        self.shared
            .storage
            .commit(batch)
            .await
            .map_err(|e| LambdaError::Service(format!("storage failure: {e}")))?;
        let r = all.remove(uuid).ok_or_else(not_found)?;
        let last = r.last_result.lock().clone();
        Ok(Response::json(
            202,
            &self.render(&r.mapping, "Deleting", &last),
        ))
    }
}
