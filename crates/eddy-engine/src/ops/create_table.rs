//! CreateTable.
//!
//! The table is usable as soon as the catalog record is durable. The response shows
//! `CREATING` as AWS does; DescribeTable already shows `ACTIVE`, so SDK waiters return
//! on their first poll.

use super::common::decode;
use super::constraints::*;
use super::schema::{self, AttributeDefinitionIn, IndexIn, KeySchemaElementIn, ThroughputIn};
use super::tags::{TagIn, validate_tags};
use crate::Engine;
use crate::catalog::{Catalog, TableEntry};
use crate::model::{TableDef, TableStats, Throughput};
use crate::streams::meta::{TableStream, ViewType};
use eddy_storage::WriteBatch;
use eddy_types::ApiError;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    attribute_definitions: Option<Vec<AttributeDefinitionIn>>,
    key_schema: Option<Vec<KeySchemaElementIn>>,
    billing_mode: Option<String>,
    provisioned_throughput: Option<ThroughputIn>,
    global_secondary_indexes: Option<Vec<IndexIn>>,
    local_secondary_indexes: Option<Vec<IndexIn>>,
    tags: Option<Vec<TagIn>>,
    stream_specification: Option<StreamSpecIn>,
    table_class: Option<String>,
    deletion_protection_enabled: Option<bool>,
}

/// `StreamSpecification` on the wire (CreateTable and UpdateTable).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StreamSpecIn {
    stream_enabled: Option<bool>,
    stream_view_type: Option<String>,
}

/// `StreamViewType` in the order AWS prints it.
const STREAM_VIEW_TYPE: &[&str] = &["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"];

/// Validates a `StreamSpecification`: `Some(view type)` to enable, `None` to disable.
pub(crate) fn check_stream_spec(s: &StreamSpecIn) -> Result<Option<ViewType>, ApiError> {
    let mut c = Violations::new();
    c.one_of(
        "streamSpecification.streamViewType",
        s.stream_view_type.as_deref(),
        STREAM_VIEW_TYPE,
    );
    c.finish()?;
    match (s.stream_enabled, s.stream_view_type.as_deref()) {
        (None, _) => Err(invalid("Stream StreamEnabled was null")),
        (Some(true), None | Some("")) => Err(invalid(
            "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams.",
        )),
        (Some(false), Some(_)) => Err(invalid(
            "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.",
        )),
        (Some(true), Some(v)) => Ok(ViewType::parse(v)),
        (Some(false), None) => Ok(None),
    }
}

fn invalid(msg: &str) -> ApiError {
    ApiError::validation(msg)
}

impl Engine {
    /// CreateTable.
    pub(crate) async fn create_table(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Violations::new();
        for (i, d) in input.attribute_definitions.iter().flatten().enumerate() {
            let member = format!("attributeDefinitions.{}.member.attributeType", i + 1);
            c.one_of(&member, d.attribute_type.as_deref(), SCALAR_TYPE);
        }
        c.table_name("tableName", input.table_name.as_deref(), true);
        for (i, k) in input.key_schema.iter().flatten().enumerate() {
            c.one_of(
                &format!("keySchema.{}.member.keyType", i + 1),
                k.key_type.as_deref(),
                KEY_TYPE,
            );
        }
        c.one_of("billingMode", input.billing_mode.as_deref(), BILLING_MODE);
        c.one_of("tableClass", input.table_class.as_deref(), TABLE_CLASS);
        c.finish()?;
        let name = input.table_name.clone().unwrap_or_default();
        if input.key_schema.as_ref().is_none_or(Vec::is_empty) {
            return Err(invalid(
                "No defined key schema.  A key schema containing at least a hash key must be defined for all tables",
            ));
        }
        let defs = schema::attribute_definitions(input.attribute_definitions.as_deref())?;
        let key = schema::key_schema(input.key_schema.as_deref(), &defs)?;
        let billing = input.billing_mode.clone();
        let on_demand = billing.as_deref() == Some("PAY_PER_REQUEST");
        let throughput = match (on_demand, input.provisioned_throughput) {
            (true, Some(_)) => {
                return Err(invalid(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            (true, None) => Throughput { read: 0, write: 0 },
            (false, Some(t)) => schema::throughput(t)?,
            (false, None) if billing.is_some() => {
                return Err(invalid(
                    "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                ));
            }
            (false, None) => {
                return Err(invalid("No provisioned throughput specified for the table"));
            }
        };
        let mut gsis = Vec::new();
        if let Some(list) = &input.global_secondary_indexes {
            if list.is_empty() {
                return Err(invalid("GSI list is empty/invalid"));
            }
            if list.len() > 20 {
                return Err(ApiError::LimitExceeded("Subscriber limit exceeded: Only 20 global secondary indexes are allowed per table".into()));
            }
            for i in list {
                gsis.push(schema::index(i, true, &key, &defs, !on_demand)?);
            }
        }
        let mut lsis = Vec::new();
        if let Some(list) = &input.local_secondary_indexes {
            if list.is_empty() {
                return Err(invalid("ListOfLocalSecondaryIndexes must not be empty"));
            }
            if list.len() > 5 {
                return Err(invalid(
                    "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5",
                ));
            }
            for i in list {
                lsis.push(schema::index(i, false, &key, &defs, !on_demand)?);
            }
        }
        for (list, kind) in [(&gsis, "global"), (&lsis, "local")] {
            let mut names = HashSet::new();
            if list.iter().any(|i| !names.insert(i.name.as_str())) {
                return Err(invalid(&format!(
                    "Two {kind} secondary indices have the same name"
                )));
            }
        }
        if gsis.iter().any(|g| lsis.iter().any(|l| l.name == g.name)) {
            return Err(invalid(
                "Local Secondary Indices AND Global Secondary Indices must have different names",
            ));
        }
        let used: HashSet<&str> = std::iter::once(&key)
            .chain(gsis.iter().map(|i| &i.key))
            .chain(lsis.iter().map(|i| &i.key))
            .flat_map(|k| {
                std::iter::once(k.hash.name.as_str())
                    .chain(k.range.as_ref().map(|r| r.name.as_str()))
            })
            .collect();
        if defs.iter().any(|d| !used.contains(d.name.as_str())) {
            return Err(invalid(
                "The number of attributes in key schema must match the number of attributes defined in attribute definitions.",
            ));
        }
        let tags = validate_tags(input.tags.as_deref().unwrap_or(&[]))?;
        let view_type = match &input.stream_specification {
            Some(s) => check_stream_spec(s)?,
            None => None,
        };
        let _guard = self.ddl_lock.lock().await;
        if self.catalog.get(&name).is_some() {
            return Err(ApiError::ResourceInUse(
                "Cannot create preexisting table".into(),
            ));
        }
        let now = self.now_seconds();
        let mut def = TableDef {
            name: name.clone(),
            id: crate::new_id(),
            attribute_definitions: defs,
            key,
            billing_mode: billing.clone().unwrap_or_else(|| "PROVISIONED".into()),
            ever_on_demand: on_demand,
            throughput,
            gsis,
            lsis,
            deleting_gsis: Vec::new(),
            tags,
            created_at: now,
            billing_mode_updated_at: now,
            deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
            table_class: input.table_class,
            ttl: Default::default(),
            stream: None,
            latest_stream: None,
        };
        let mut batch = WriteBatch::new();
        let now_ms = self.clock.now_millis();
        let stream = view_type.map(|v| self.streams.create(&mut batch, &def, v, now_ms));
        def.stream = stream.as_ref().map(|m| TableStream {
            id: m.id,
            label: m.label.clone(),
            view_type: m.view_type,
        });
        def.latest_stream = def.stream.clone();
        Catalog::stage_put(&mut batch, &def, TableStats::default());
        self.storage
            .commit(batch)
            .await
            .map_err(crate::storage_error)?;
        if let Some(m) = stream {
            self.streams.insert(m);
        }
        let desc = def.describe(
            "CREATING",
            TableStats::default(),
            &self.config.region,
            &self.config.account_id,
        );
        self.catalog
            .put(Arc::new(TableEntry::new(def, TableStats::default())));
        Ok(serde_json::to_vec(&json!({ "TableDescription": desc })).unwrap_or_default())
    }
}
