//! ExecuteTransaction: up to 100 PartiQL statements, all or nothing.
//!
//! Either every statement is a single-item SELECT (a consistent read of all the items,
//! under their stripe locks, like TransactGetItems), or every statement is an INSERT,
//! UPDATE, DELETE or `EXISTS(SELECT ...)` condition check, run as one `write_group`:
//! all decisions under the locks of all items, one atomic commit, or nothing and a
//! `TransactionCanceledException` with one reason per statement in order. The
//! ClientRequestToken, item claims against concurrent transactions and capacity work as
//! in TransactWriteItems (`idempotency.rs`, `txn_registry.rs`, `transact_common.rs`).

use super::common::{
    CapacityMode, capacity_mode, decode, encode, read_units, touched_indexes, write_units,
};
use super::constraints::{RETURN_CONSUMED_CAPACITY, RETURN_VALUES_ON_CCF};
use super::idempotency::{TokenState, fingerprint};
use super::transact_common::{
    TableCapacity, cancelled, conflict_reason, no_reason, reason, reason_for,
};
use crate::Engine;
use crate::partiql::plan::{Plan, WriteKind};
use crate::partiql::request::{Coral, Prepared};
use crate::partiql::{Statement, exec, parse};
use crate::write::{GroupError, PlannedWrite, WriteOrigin};
use eddy_storage::WriteBatch;
use eddy_types::error::CancellationReason;
use eddy_types::size::item_size;
use eddy_types::{ApiError, AttributeValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Most statements in one transaction.
const MAX_STATEMENTS: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    transact_statements: Option<Vec<Request>>,
    client_request_token: Option<String>,
    return_consumed_capacity: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<Vec<AttributeValue>>,
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

impl Engine {
    /// ExecuteTransaction.
    pub(crate) async fn execute_transaction(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut v = Coral::default();
        v.not_null("transactStatements", input.transact_statements.is_some());
        if let Some(list) = &input.transact_statements {
            let rendered = serde_json::to_string(list).unwrap_or_default();
            v.list_length(
                "transactStatements",
                &rendered,
                list.len(),
                1,
                MAX_STATEMENTS,
            );
            for (i, r) in list.iter().enumerate() {
                let prefix = format!("transactStatements.{}.member.", i + 1);
                v.statement(&prefix, r.statement.as_deref(), r.parameters.as_deref());
                let member = format!("{prefix}returnValuesOnConditionCheckFailure");
                v.one_of(
                    &member,
                    r.return_values_on_condition_check_failure.as_deref(),
                    RETURN_VALUES_ON_CCF,
                );
            }
        }
        v.length(
            "clientRequestToken",
            input.client_request_token.as_deref(),
            1,
            36,
        );
        v.one_of(
            "returnConsumedCapacity",
            input.return_consumed_capacity.as_deref(),
            RETURN_CONSUMED_CAPACITY,
        );
        v.finish()?;
        let requests = input.transact_statements.unwrap_or_default();
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());

        let mut parsed = Vec::with_capacity(requests.len());
        for r in &requests {
            parsed.push(parse(r.statement.as_deref().unwrap_or_default())?);
        }
        let reads = parsed
            .iter()
            .filter(|p| matches!(p.statement, Statement::Select(_)))
            .count();
        if reads != 0 && reads != parsed.len() {
            return Err(ApiError::validation(
                "ExecuteTransaction API does not support both read and write operations in the same request.",
            ));
        }
        let mut prepared = Vec::with_capacity(parsed.len());
        for (i, (p, r)) in parsed.into_iter().zip(&requests).enumerate() {
            let bound = self.bind_parsed(p, r.parameters.as_deref().unwrap_or_default())?;
            let failed = |what: &str| {
                ApiError::validation(format!(
                    "Validation failed in TransactStatements[{i}]: {what}"
                ))
            };
            match &bound.plan {
                Plan::Select(s) if s.index.is_some() || !matches!(s.single, Some((_, 0))) => {
                    return Err(failed(
                        "Select statements within ExecuteTransaction must specify the primary key in the where clause.",
                    ));
                }
                Plan::Write(w) if matches!(w.kind, WriteKind::Check) && w.extra_conditions == 0 => {
                    return Err(failed(
                        "EXISTS() must contain a single item read with additional condition",
                    ));
                }
                _ => {}
            }
            prepared.push(bound);
        }
        let keys: Vec<Vec<u8>> = prepared.iter().map(storage_key).collect();
        let mut seen = HashSet::new();
        if keys.iter().any(|k| !seen.insert(k)) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        if reads != 0 {
            return self.transact_reads(&prepared, &keys, cap).await;
        }
        let token = input.client_request_token;
        let fp = token.as_ref().map(|_| fingerprint(&statements_json(body)));
        let _token_claim = match &token {
            Some(t) => Some(self.txns.claim_token(t).ok_or_else(|| {
                ApiError::TransactionInProgress(
                    "The transaction with the given request token is already in progress.".into(),
                )
            })?),
            None => None,
        };
        let mut extra = WriteBatch::new();
        if let (Some(t), Some(fp)) = (&token, &fp) {
            match self.token_state(t, fp)? {
                TokenState::Replay => return self.replay_statements(&prepared, cap),
                TokenState::Mismatch => {
                    return Err(ApiError::IdempotentParameterMismatch(String::new()));
                }
                TokenState::Fresh => self.stage_token(&mut extra, t, fp)?,
            }
        }
        let _claim = self.txns.claim_items(&keys).map_err(|busy| {
            let reasons = (0..prepared.len()).map(|i| {
                if busy.contains(&i) {
                    conflict_reason()
                } else {
                    no_reason()
                }
            });
            cancelled(reasons.collect())
        })?;
        let mut writes = Vec::with_capacity(prepared.len());
        for (p, r) in prepared.iter().zip(&requests) {
            let Plan::Write(w) = &p.plan else { continue };
            let on_fail = r.return_values_on_condition_check_failure.as_deref() == Some("ALL_OLD");
            writes.push(PlannedWrite {
                entry: &p.entry,
                key: w.key.clone(),
                decide: Box::new(exec::decider(w, on_fail)),
            });
        }
        let outcomes = match self
            .write_group_with(WriteOrigin::Client, writes, extra)
            .await
        {
            Ok(o) => o,
            Err(GroupError::Decisions(errors)) => {
                let reasons = errors
                    .into_iter()
                    .map(|e| e.map_or(Ok(no_reason()), statement_reason));
                return Err(cancelled(reasons.collect::<Result<_, _>>()?));
            }
            Err(GroupError::Other(e)) => return Err(e),
        };
        let mut capacity = TableCapacity::default();
        for (p, o) in prepared.iter().zip(&outcomes) {
            let (old, new) = (o.old.as_ref(), o.new.as_ref());
            if matches!(&p.plan, Plan::Write(w) if matches!(w.kind, WriteKind::Check)) {
                capacity.add(
                    &p.entry,
                    2.0 * read_units(old.map(item_size), true),
                    Vec::new(),
                );
                continue;
            }
            let indexes = touched_indexes(&p.entry, old, new)
                .into_iter()
                .map(|(g, n, u)| (g, n, 2.0 * u));
            let units = 2.0 * write_units(old.map(item_size), new.map(item_size));
            capacity.add(&p.entry, units, indexes.collect());
        }
        encode(&Output {
            responses: Vec::new(),
            consumed_capacity: capacity.render(cap),
        })
    }

    /// A read-only transaction: every item read under the locks of all of them.
    async fn transact_reads(
        &self,
        prepared: &[Prepared],
        keys: &[Vec<u8>],
        cap: CapacityMode,
    ) -> Result<Vec<u8>, ApiError> {
        let busy = self.txns.busy_items(keys);
        if !busy.is_empty() {
            let reasons = (0..keys.len()).map(|i| {
                if busy.contains(&i) {
                    conflict_reason()
                } else {
                    no_reason()
                }
            });
            return Err(cancelled(reasons.collect()));
        }
        let _locks = self.locks.lock(keys.iter().map(Vec::as_slice)).await;
        let mut capacity = TableCapacity::default();
        let mut responses = Vec::with_capacity(prepared.len());
        for p in prepared {
            let Plan::Select(s) = &p.plan else { continue };
            let Some((key, _)) = &s.single else { continue };
            let item = self.read_item(&p.entry, key)?;
            capacity.add(
                &p.entry,
                2.0 * read_units(item.as_ref().map(item_size), true),
                Vec::new(),
            );
            let mut m = Map::new();
            if let Some(item) = item {
                m.insert(
                    "Item".into(),
                    eddy_types::attr::item_to_json(&exec::project(&s.output, item)),
                );
            }
            responses.push(Value::Object(m));
        }
        encode(&Output {
            responses,
            consumed_capacity: capacity.render(cap),
        })
    }

    /// A retried transaction whose token already committed: nothing is written.
    fn replay_statements(
        &self,
        prepared: &[Prepared],
        cap: CapacityMode,
    ) -> Result<Vec<u8>, ApiError> {
        let mut capacity = TableCapacity::default();
        if cap != CapacityMode::None {
            for p in prepared {
                let Plan::Write(w) = &p.plan else { continue };
                let size = self.read_item(&p.entry, &w.key)?.as_ref().map(item_size);
                capacity.add(&p.entry, read_units(size, true), Vec::new());
            }
        }
        encode(&Output {
            responses: Vec::new(),
            consumed_capacity: capacity.render(cap),
        })
    }
}

/// The storage key of the item a transaction statement names.
fn storage_key(p: &Prepared) -> Vec<u8> {
    match &p.plan {
        Plan::Write(w) => w.key.encode(p.entry.def.id),
        Plan::Select(s) => s
            .single
            .as_ref()
            .map(|(k, _)| k.encode(p.entry.def.id))
            .unwrap_or_default(),
    }
}

/// The cancellation reason of a statement whose decision failed.
fn statement_reason(e: ApiError) -> Result<CancellationReason, ApiError> {
    match e {
        ApiError::DuplicateItem(m) => Ok(reason("DuplicateItem", Some(m))),
        other => reason_for(other),
    }
}

/// The part of the request a ClientRequestToken fingerprints: the statements.
fn statements_json(body: &[u8]) -> Value {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("TransactStatements").cloned())
        .unwrap_or(json!(null))
}
