//! TransactWriteItems: up to 100 Put / Update / Delete / ConditionCheck actions across
//! tables, all or nothing.
//!
//! Validation follows DynamoDB's order: the request shape (Coral constraints), one
//! operation per action, every action's expressions, then tables and keys, duplicate
//! items and the 4 MB payload. Then the ClientRequestToken (replay or mismatch, see
//! `idempotency.rs`), the claim of every item against other in-flight transactions
//! (`TransactionConflict`, see `txn_registry.rs`), and one `write_group`: every action's
//! decision runs under the stripe locks of all items, and either every change (plus the
//! token record) is committed in one batch, or nothing is and the client gets one
//! cancellation reason per action, in request order.

use super::common::{
    CapacityMode, Exprs, capacity_mode, decode, encode, read_units, touched_indexes, write_units,
};
use super::idempotency::{TokenState, fingerprint};
use super::returns::{item_collection_metrics, on_condition_failure};
use super::transact_common::*;
use super::transact_write_input::*;
use crate::Engine;
use crate::catalog::TableEntry;
use crate::keys::{PrimaryKey, check_index_keys, key_from_param, key_of_item};
use crate::write::{GroupError, PlannedWrite, WriteOrigin};
use eddy_storage::WriteBatch;
use eddy_types::error::CancellationReason;
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, Item};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// Largest sum of the items a transaction writes.
const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_collection_metrics: Option<Map<String, Value>>,
}

/// A validated action.
struct Planned {
    kind: Kind,
    entry: Arc<TableEntry>,
    /// The item's key, or the reason it cancels the transaction.
    key: Result<PrimaryKey, CancellationReason>,
    decide: Option<Decide>,
}

impl Engine {
    /// TransactWriteItems.
    pub(crate) async fn transact_write_items(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        check_shape(&input, body)?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let metrics = input.return_item_collection_metrics;
        let mut actions = Vec::new();
        for entry in input.transact_items.unwrap_or_default() {
            actions.push(entry.single()?);
        }
        let mut exprs = Vec::with_capacity(actions.len());
        for (kind, a) in &actions {
            exprs.push(parse_exprs(*kind, a)?);
        }
        let plans = self.plan_writes(actions, exprs)?;
        let skeys: Vec<Option<Vec<u8>>> = plans
            .iter()
            .map(|p| p.key.as_ref().ok().map(|k| k.encode(p.entry.def.id)))
            .collect();
        let mut seen = HashSet::new();
        if skeys.iter().flatten().any(|k| !seen.insert(k)) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        if plans.iter().any(|p| p.key.is_err()) {
            return Err(self.dry_run(plans)?);
        }
        let token = input.client_request_token;
        let fp = token
            .as_ref()
            .map(|_| fingerprint(&transact_items_json(body)));
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
                TokenState::Replay => return self.replay(&plans, cap, metrics.as_deref()),
                TokenState::Mismatch => {
                    return Err(ApiError::IdempotentParameterMismatch(String::new()));
                }
                TokenState::Fresh => self.stage_token(&mut extra, t, fp)?,
            }
        }
        let keys: Vec<Vec<u8>> = skeys.into_iter().flatten().collect();
        let _claim = match self.txns.claim_items(&keys) {
            Ok(claim) => claim,
            Err(busy) => {
                let reasons = (0..plans.len()).map(|i| {
                    if busy.contains(&i) {
                        conflict_reason()
                    } else {
                        no_reason()
                    }
                });
                return Err(cancelled(reasons.collect()));
            }
        };
        let mut meta = Vec::with_capacity(plans.len());
        let mut writes = Vec::with_capacity(plans.len());
        for p in plans {
            let Ok(key) = p.key else { continue };
            meta.push((p.kind, p.entry, key));
            writes.push(p.decide);
        }
        let planned = meta
            .iter()
            .zip(writes)
            .map(|((_, entry, key), decide)| PlannedWrite {
                entry,
                key: key.clone(),
                decide: decide.unwrap_or_else(|| Box::new(|old: Option<&Item>| Ok(old.cloned()))),
            })
            .collect();
        let outcomes = match self
            .write_group_with(WriteOrigin::Client, planned, extra)
            .await
        {
            Ok(outcomes) => outcomes,
            Err(GroupError::Decisions(errors)) => {
                let reasons = errors
                    .into_iter()
                    .map(|e| e.map_or(Ok(no_reason()), reason_for));
                return Err(cancelled(reasons.collect::<Result<_, _>>()?));
            }
            Err(GroupError::Other(e)) => return Err(e),
        };
        let mut capacity = TableCapacity::default();
        let mut collections = Map::new();
        for ((kind, entry, key), o) in meta.iter().zip(&outcomes) {
            let (old, new) = (o.old.as_ref(), o.new.as_ref());
            if *kind == Kind::ConditionCheck {
                capacity.add(
                    entry,
                    2.0 * read_units(old.map(item_size), true),
                    Vec::new(),
                );
                continue;
            }
            let indexes = touched_indexes(entry, old, new)
                .into_iter()
                .map(|(g, n, u)| (g, n, 2.0 * u));
            let units = 2.0 * write_units(old.map(item_size), new.map(item_size));
            capacity.add(entry, units, indexes.collect());
            add_collection(&mut collections, entry, metrics.as_deref(), key);
        }
        encode(&Output {
            consumed_capacity: capacity.render(cap),
            item_collection_metrics: (!collections.is_empty()).then_some(collections),
        })
    }

    /// Resolves tables and keys and builds every action's decision.
    fn plan_writes(
        &self,
        actions: Vec<(Kind, Action)>,
        exprs: Vec<Exprs>,
    ) -> Result<Vec<Planned>, ApiError> {
        let mut plans = Vec::with_capacity(actions.len());
        let mut payload = 0;
        for ((kind, a), exprs) in actions.into_iter().zip(exprs) {
            let entry = self.table(a.table_name.as_deref())?;
            let schema = &entry.def.key;
            let key = match (kind, &a.item, &a.key) {
                (Kind::Put, Some(item), _) => key_of_item(schema, item),
                (_, _, Some(key)) => key_from_param(schema, key),
                // The constraint pass guarantees the member is present.
                _ => Err(ApiError::validation(
                    "The provided key element does not match the schema",
                )),
            };
            let key = match key {
                Ok(k) => Ok(k),
                Err(e) => Err(key_error(e)?),
            };
            let put = if kind == Kind::Put { a.item } else { None };
            if let Some(item) = &put {
                let size = item_size(item);
                if size > MAX_ITEM_SIZE {
                    return Err(ApiError::validation(
                        "Item size has exceeded the maximum allowed size",
                    ));
                }
                payload += size;
            }
            let key_attr = exprs.update.as_ref().and_then(|u| {
                u.top_level_names()
                    .into_iter()
                    .find(|n| schema.is_key(n))
                    .map(str::to_string)
            });
            let on_fail =
                on_condition_failure(a.return_values_on_condition_check_failure.as_deref());
            let decide = key.as_ref().ok().map(|k| {
                let key_item = k.to_item(schema);
                decider(kind, exprs, put, key_item, on_fail, key_attr)
            });
            plans.push(Planned {
                kind,
                entry,
                key,
                decide,
            });
        }
        if payload > MAX_PAYLOAD {
            return Err(ApiError::validation(format!(
                "Transaction payload size cannot exceed 4MB. Payload Size: {payload}"
            )));
        }
        Ok(plans)
    }

    /// The cancellation of a transaction with an action that cannot run (a malformed
    /// key): every other action is still evaluated, so each gets its own reason.
    fn dry_run(&self, plans: Vec<Planned>) -> Result<ApiError, ApiError> {
        let mut reasons = Vec::with_capacity(plans.len());
        for p in plans {
            let (key, decide) = match (p.key, p.decide) {
                (Err(reason), _) => {
                    reasons.push(reason);
                    continue;
                }
                (Ok(key), Some(decide)) => (key, decide),
                (Ok(_), None) => {
                    reasons.push(no_reason());
                    continue;
                }
            };
            let old = self.read_item(&p.entry, &key)?;
            let decided = decide(old.as_ref()).and_then(|new| match &new {
                Some(item) => check_index_keys(&p.entry.def, item),
                None => Ok(()),
            });
            reasons.push(match decided {
                Ok(()) => no_reason(),
                Err(e) => reason_for(e)?,
            });
        }
        Ok(cancelled(reasons))
    }

    /// The answer to a retried request whose token already committed: nothing is
    /// written; capacity is what reading the items costs (as DynamoDB documents).
    fn replay(
        &self,
        plans: &[Planned],
        cap: CapacityMode,
        metrics: Option<&str>,
    ) -> Result<Vec<u8>, ApiError> {
        let mut capacity = TableCapacity::default();
        let mut collections = Map::new();
        for p in plans {
            let Ok(key) = &p.key else { continue };
            if cap != CapacityMode::None {
                let size = self.read_item(&p.entry, key)?.as_ref().map(item_size);
                capacity.add(&p.entry, read_units(size, true), Vec::new());
            }
            if p.kind != Kind::ConditionCheck {
                add_collection(&mut collections, &p.entry, metrics, key);
            }
        }
        encode(&Output {
            consumed_capacity: capacity.render(cap),
            item_collection_metrics: (!collections.is_empty()).then_some(collections),
        })
    }
}

/// Adds the item collection of a written item (tables with local indexes, SIZE asked).
fn add_collection(
    out: &mut Map<String, Value>,
    entry: &TableEntry,
    mode: Option<&str>,
    key: &PrimaryKey,
) {
    if let Some(m) = item_collection_metrics(entry, mode, key) {
        let list = out
            .entry(entry.def.name.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(m);
        }
    }
}
