//! UpdateTable: billing mode, provisioned throughput, deletion protection, table class,
//! streams (enable creates a new stream with a new ARN; disable closes the current one,
//! which stays readable for the retention period), and global secondary indexes
//! (`gsi.rs`).
//!
//! Table-level changes apply at once (the response shows `UPDATING` as AWS does,
//! DescribeTable `ACTIVE`). A created index is `CREATING` (with `Backfilling`) until its
//! background backfill is done, a deleted one `DELETING` until its entries are purged;
//! both states are in the catalog record, so a restart resumes the work.

mod gsi;

use super::common::decode;
use super::constraints::*;
use super::create_table::{StreamSpecIn, check_stream_spec};
use super::schema::{self, AttributeDefinitionIn, ThroughputIn};
use crate::Engine;
use crate::catalog::Catalog;
use crate::model::Throughput;
use crate::streams::meta::TableStream;
use eddy_storage::WriteBatch;
use eddy_types::ApiError;
use gsi::{Effect, GsiUpdateIn};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    billing_mode: Option<String>,
    provisioned_throughput: Option<ThroughputIn>,
    global_secondary_index_updates: Option<Vec<GsiUpdateIn>>,
    attribute_definitions: Option<Vec<AttributeDefinitionIn>>,
    stream_specification: Option<StreamSpecIn>,
    deletion_protection_enabled: Option<bool>,
    table_class: Option<String>,
}

impl Engine {
    /// UpdateTable.
    pub(crate) async fn update_table(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Violations::new();
        for (i, d) in input.attribute_definitions.iter().flatten().enumerate() {
            let member = format!("attributeDefinitions.{}.member.attributeType", i + 1);
            c.one_of(&member, d.attribute_type.as_deref(), SCALAR_TYPE);
        }
        c.table_name("tableName", input.table_name.as_deref(), true);
        c.one_of("billingMode", input.billing_mode.as_deref(), BILLING_MODE);
        gsi::constraints(
            &mut c,
            input
                .global_secondary_index_updates
                .as_deref()
                .unwrap_or(&[]),
        );
        c.one_of("tableClass", input.table_class.as_deref(), TABLE_CLASS);
        c.finish()?;
        let _guard = self.ddl_lock.lock().await;
        let entry = self.table_ddl(input.table_name.as_deref())?;
        let mut def = entry.def.clone();
        let mut changed = false;
        if let Some(m) = input.billing_mode.as_deref() {
            if m != def.billing_mode {
                changed = true;
                if m == "PAY_PER_REQUEST" {
                    def.ever_on_demand = true;
                    def.billing_mode_updated_at = self.now_seconds();
                    def.throughput = Throughput { read: 0, write: 0 };
                    for g in &mut def.gsis {
                        g.throughput = None;
                    }
                } else if input.provisioned_throughput.is_none() {
                    return Err(ApiError::validation(
                        "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
                    ));
                }
            }
            def.billing_mode = m.to_string();
        }
        if let Some(t) = input.provisioned_throughput {
            if def.billing_mode == "PAY_PER_REQUEST" {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            let t = schema::throughput(t)?;
            if t == def.throughput && !changed {
                return Err(ApiError::validation(
                    "The requested throughput value equals the current value",
                ));
            }
            def.throughput = t;
            changed = true;
        }
        if let Some(p) = input.deletion_protection_enabled {
            changed |= p != def.deletion_protection;
            def.deletion_protection = p;
        }
        if let Some(c) = input.table_class {
            changed |= def.table_class.as_deref() != Some(c.as_str());
            def.table_class = Some(c);
        }
        let mut effects = Vec::new();
        if let Some(list) = &input.global_secondary_index_updates {
            effects = gsi::apply(&mut def, list, input.attribute_definitions.as_deref())?;
            changed |= !list.is_empty();
        }
        let mut batch = WriteBatch::new();
        let mut new_stream = None;
        let mut closed_stream = None;
        if let Some(spec) = &input.stream_specification {
            match (check_stream_spec(spec)?, &def.stream) {
                (Some(_), Some(_)) => {
                    return Err(ApiError::validation(format!(
                        "Table {} already has an enabled stream",
                        def.name
                    )));
                }
                (None, None) => {
                    return Err(ApiError::validation("Table has no stream to disable"));
                }
                (Some(view), None) => {
                    let m = self
                        .streams
                        .create(&mut batch, &def, view, self.clock.now_millis());
                    def.stream = Some(TableStream {
                        id: m.id,
                        label: m.label.clone(),
                        view_type: view,
                    });
                    def.latest_stream = def.stream.clone();
                    new_stream = Some(m);
                }
                (None, Some(s)) => {
                    closed_stream = Some(s.id);
                    def.stream = None;
                }
            }
            changed = true;
        }
        if !changed {
            return Err(ApiError::validation("Nothing to update"));
        }
        Catalog::stage_put(&mut batch, &def, entry.stats());
        self.storage
            .commit(batch)
            .await
            .map_err(crate::storage_error)?;
        let index_stats = |id| self.indexes.stats.get(id);
        let (region, account) = (&self.config.region, &self.config.account_id);
        let mut desc = def.describe_with("UPDATING", entry.stats(), &index_stats, region, account);
        let (name, table_id) = (def.name.clone(), def.id);
        let created: Vec<String> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Created(id) => def
                    .gsis
                    .iter()
                    .find(|g| g.id == *id)
                    .map(|g| g.name.clone()),
                Effect::Deleted(_) => None,
            })
            .collect();
        let new = entry.with_def(def);
        self.catalog.put(Arc::new(new));
        if let Some(m) = new_stream {
            self.streams.insert(m);
        }
        if let Some(id) = closed_stream {
            let now = self.clock.now_millis();
            self.streams
                .close_shard(self.storage.as_ref(), id, false, now)
                .await
                .map_err(crate::storage_error)?;
        }
        for effect in effects {
            match effect {
                Effect::Created(id) => self.indexes.backfill(&name, table_id, id),
                Effect::Deleted(id) => self.indexes.delete(&name, table_id, id),
            }
        }
        // Right after the request AWS reports a new index as not backfilling yet.
        let gsis = desc
            .get_mut("GlobalSecondaryIndexes")
            .and_then(Value::as_array_mut);
        for g in gsis.into_iter().flatten() {
            if created
                .iter()
                .any(|n| g.get("IndexName") == Some(&json!(n)))
            {
                g["Backfilling"] = json!(false);
            }
        }
        Ok(serde_json::to_vec(&json!({ "TableDescription": desc })).unwrap_or_default())
    }
}
