//! BatchExecuteStatement: up to 25 PartiQL statements, all reads (single-item SELECTs)
//! or all writes, each answered on its own.
//!
//! A statement that cannot run gets an `Error {Code, Message}` entry in `Responses`
//! instead of failing the call; only the request's shape, a mix of reads and writes, and
//! two statements on the same item fail the whole call (DynamoDB's rules, checked against
//! DynamoDB Local). Writes are independent single-item writes through the write path, run
//! concurrently so that they share group commits.

use super::common::{capacity_mode, decode, encode, read_units, touched_indexes, write_units};
use super::constraints::{RETURN_CONSUMED_CAPACITY, RETURN_VALUES_ON_CCF};
use super::transact_common::TableCapacity;
use crate::Engine;
use crate::partiql::plan::Plan;
use crate::partiql::request::{Coral, Prepared, error_code};
use crate::partiql::{Statement, exec, parse};
use eddy_types::size::item_size;
use eddy_types::{ApiError, AttributeValue, Item};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Most statements in one batch.
const MAX_STATEMENTS: usize = 25;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    statements: Option<Vec<Request>>,
    return_consumed_capacity: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<Vec<AttributeValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consistent_read: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_values_on_condition_check_failure: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    responses: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Vec<Value>>,
}

/// One statement, ready or refused.
type Slot = Result<Prepared, ApiError>;

impl Engine {
    /// BatchExecuteStatement.
    pub(crate) async fn batch_execute_statement(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut v = Coral::default();
        v.not_null("statements", input.statements.is_some());
        if let Some(list) = &input.statements {
            let rendered = serde_json::to_string(list).unwrap_or_default();
            v.list_length("statements", &rendered, list.len(), 1, MAX_STATEMENTS);
            for (i, r) in list.iter().enumerate() {
                let prefix = format!("statements.{}.member.", i + 1);
                v.statement(&prefix, r.statement.as_deref(), r.parameters.as_deref());
                let member = format!("{prefix}returnValuesOnConditionCheckFailure");
                v.one_of(
                    &member,
                    r.return_values_on_condition_check_failure.as_deref(),
                    RETURN_VALUES_ON_CCF,
                );
            }
        }
        v.one_of(
            "returnConsumedCapacity",
            input.return_consumed_capacity.as_deref(),
            RETURN_CONSUMED_CAPACITY,
        );
        v.finish()?;
        let requests = input.statements.unwrap_or_default();
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());

        let parsed: Vec<_> = requests
            .iter()
            .map(|r| parse(r.statement.as_deref().unwrap_or_default()))
            .collect();
        let reads = parsed
            .iter()
            .flatten()
            .any(|p| matches!(p.statement, Statement::Select(_)));
        let writes = parsed
            .iter()
            .flatten()
            .any(|p| !matches!(p.statement, Statement::Select(_)));
        if reads && writes {
            return Err(ApiError::validation(
                "Read and write requests together in the same batch is not supported.",
            ));
        }
        let slots: Vec<Slot> = parsed
            .into_iter()
            .zip(&requests)
            .map(|(p, r)| {
                self.prepare_batch_statement(p, r.parameters.as_deref().unwrap_or_default())
            })
            .collect();
        let mut seen = HashSet::new();
        for p in slots.iter().flatten() {
            let key = match &p.plan {
                Plan::Select(s) => s.single.as_ref().map(|(k, _)| k),
                Plan::Write(w) => Some(&w.key),
            };
            if let Some(k) = key
                && !seen.insert(k.encode(p.entry.def.id))
            {
                return Err(ApiError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
        }
        let mut capacity = TableCapacity::default();
        let responses = if reads {
            self.batch_reads(slots, &requests, &mut capacity)?
        } else {
            self.batch_writes(slots, &requests, &mut capacity).await
        };
        encode(&Output {
            responses,
            consumed_capacity: capacity.render(cap),
        })
    }

    /// Binds one statement of a batch; reads must name exactly one item.
    fn prepare_batch_statement(
        &self,
        parsed: Result<crate::partiql::Parsed, ApiError>,
        params: &[AttributeValue],
    ) -> Slot {
        let parsed = parsed.map_err(|e| match e {
            ApiError::Validation(m) if m.starts_with("Unsupported operation") => ApiError::validation(
                "Invalid operation. Only select, insert, update and delete operations are valid",
            ),
            other => other,
        })?;
        if matches!(parsed.statement, Statement::Exists(_)) {
            return Err(ApiError::validation(
                "EXISTS can only be used in ExecuteTransaction write requests.",
            ));
        }
        let prepared = self.bind_parsed(parsed, params)?;
        if let Plan::Select(s) = &prepared.plan
            && (s.index.is_some() || !matches!(s.single, Some((_, 0))))
        {
            return Err(ApiError::validation("Only single item select is supported"));
        }
        Ok(prepared)
    }

    fn batch_reads(
        &self,
        slots: Vec<Slot>,
        requests: &[Request],
        capacity: &mut TableCapacity,
    ) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::with_capacity(slots.len());
        for (slot, r) in slots.into_iter().zip(requests) {
            let p = match slot {
                Ok(p) => p,
                Err(e) => {
                    out.push(error_entry(e, None));
                    continue;
                }
            };
            let Plan::Select(s) = &p.plan else { continue };
            let Some((key, _)) = &s.single else { continue };
            let item = self.read_item(&p.entry, key)?;
            let consistent = r.consistent_read.unwrap_or(false);
            capacity.add(
                &p.entry,
                read_units(item.as_ref().map(item_size), consistent),
                Vec::new(),
            );
            let mut m = Map::new();
            m.insert("TableName".into(), json!(p.entry.def.name));
            if let Some(item) = item {
                m.insert("Item".into(), item_json(&exec::project(&s.output, item)));
            }
            out.push(Value::Object(m));
        }
        Ok(out)
    }

    async fn batch_writes(
        &self,
        slots: Vec<Slot>,
        requests: &[Request],
        capacity: &mut TableCapacity,
    ) -> Vec<Value> {
        let runs = slots.iter().zip(requests).map(|(slot, r)| async move {
            let p = slot.as_ref().map_err(Clone::clone)?;
            let Plan::Write(w) = &p.plan else {
                return Err(ApiError::validation("Only single item select is supported"));
            };
            let on_fail = r.return_values_on_condition_check_failure.as_deref() == Some("ALL_OLD");
            self.run_write(&p.entry, w, on_fail).await
        });
        let results = futures::future::join_all(runs).await;
        let mut out = Vec::with_capacity(results.len());
        for (slot, result) in slots.iter().zip(results) {
            let table = slot.as_ref().ok().map(|p| p.entry.def.name.clone());
            match (slot, result) {
                (Ok(p), Ok(o)) => {
                    let (old, new) = (o.old.as_ref(), o.new.as_ref());
                    let units = write_units(old.map(item_size), new.map(item_size));
                    capacity.add(&p.entry, units, touched_indexes(&p.entry, old, new));
                    out.push(json!({"TableName": table}));
                }
                (Ok(_), Err(e)) => out.push(error_entry(e, table)),
                (Err(_), Err(e)) => out.push(error_entry(e, None)),
                (Err(e), Ok(_)) => out.push(error_entry(e.clone(), None)),
            }
        }
        out
    }
}

/// `{"Error": {"Code", "Message", "Item"?}, "TableName"?}`.
fn error_entry(e: ApiError, table: Option<String>) -> Value {
    let (code, message, item) = error_code(e);
    let mut err = Map::new();
    err.insert("Code".into(), json!(code));
    err.insert("Message".into(), json!(message));
    if let Some(item) = item {
        err.insert("Item".into(), item_json(&item));
    }
    let mut m = Map::new();
    m.insert("Error".into(), Value::Object(err));
    if let Some(t) = table {
        m.insert("TableName".into(), json!(t));
    }
    Value::Object(m)
}

fn item_json(item: &Item) -> Value {
    eddy_types::attr::item_to_json(item)
}
