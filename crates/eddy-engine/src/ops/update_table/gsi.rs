//! UpdateTable's `GlobalSecondaryIndexUpdates`: Create (a new `CREATING` index, filled
//! by a background backfill), Delete (the index turns `DELETING` while its entries are
//! purged) and Update (provisioned throughput).
//!
//! Rules and messages are DynamoDB Local's (AWS's where the request shape is concerned,
//! see docs/compatibility.md): one Create or Delete per request and none while another
//! index of the table is being created or deleted (LimitExceededException; deleting the
//! index being backfilled cancels it, as AWS allows during backfilling), each index
//! named at most once, the new index's key attributes defined in the request's own
//! `AttributeDefinitions` with the types the table already gives them, at most 20 GSIs.
//! The table's `AttributeDefinitions` always end up as exactly the attributes some key
//! schema uses (new ones merged in, unused ones dropped), as on AWS.

use crate::model::{IndexDef, IndexStatus, KeyAttr, TableDef, Throughput};
use crate::ops::constraints::{KEY_TYPE, Violations};
use crate::ops::schema::{self, AttributeDefinitionIn, IndexIn, ThroughputIn};
use eddy_types::ApiError;
use serde::Deserialize;

/// `ProjectionType`, in the order AWS prints it.
const PROJECTION_TYPE: &[&str] = &["ALL", "KEYS_ONLY", "INCLUDE"];
/// LimitExceededException text for a second concurrent index creation or deletion.
const ONLINE_LIMIT: &str = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table";
/// Most global secondary indexes per table.
const MAX_GSIS: usize = 20;
/// Most `NonKeyAttributes`, summed over every index of a table.
const MAX_PROJECTED: usize = 100;

/// One `GlobalSecondaryIndexUpdate` on the wire.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GsiUpdateIn {
    update: Option<UpdateIn>,
    create: Option<IndexIn>,
    delete: Option<DeleteIn>,
}

/// `UpdateGlobalSecondaryIndexAction`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateIn {
    index_name: Option<String>,
    provisioned_throughput: Option<ThroughputIn>,
}

/// `DeleteGlobalSecondaryIndexAction`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteIn {
    index_name: Option<String>,
}

/// A change that needs background work once the new definition is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    /// Index `id` was added as CREATING: backfill it.
    Created(u64),
    /// Index `id` was moved to DELETING: purge it.
    Deleted(u64),
}

impl GsiUpdateIn {
    fn target(&self) -> Option<&str> {
        let create = self.create.as_ref().and_then(|c| c.index_name.as_deref());
        let update = self.update.as_ref().and_then(|u| u.index_name.as_deref());
        let delete = self.delete.as_ref().and_then(|d| d.index_name.as_deref());
        create.or(update).or(delete)
    }
}

/// The request-shape constraints of the list (AWS's front-end checks), in member order.
pub(super) fn constraints(c: &mut Violations, list: &[GsiUpdateIn]) {
    for (i, u) in list.iter().enumerate() {
        let m = format!("globalSecondaryIndexUpdates.{}.member", i + 1);
        if let Some(up) = &u.update {
            c.table_name(
                &format!("{m}.update.indexName"),
                up.index_name.as_deref(),
                true,
            );
        }
        if let Some(cr) = &u.create {
            c.table_name(
                &format!("{m}.create.indexName"),
                cr.index_name.as_deref(),
                true,
            );
            c.not_null(&format!("{m}.create.keySchema"), cr.key_schema.is_some());
            for (j, k) in cr.key_schema.iter().flatten().enumerate() {
                let km = format!("{m}.create.keySchema.{}.member", j + 1);
                let name = k.attribute_name.as_deref();
                c.not_null(&format!("{km}.attributeName"), name.is_some());
                c.length(&format!("{km}.attributeName"), name, 1, 255);
                c.not_null(&format!("{km}.keyType"), k.key_type.is_some());
                c.one_of(&format!("{km}.keyType"), k.key_type.as_deref(), KEY_TYPE);
            }
            c.not_null(&format!("{m}.create.projection"), cr.projection.is_some());
            let pt = cr
                .projection
                .as_ref()
                .and_then(|p| p.projection_type.as_deref());
            c.one_of(
                &format!("{m}.create.projection.projectionType"),
                pt,
                PROJECTION_TYPE,
            );
        }
        if let Some(d) = &u.delete {
            c.table_name(
                &format!("{m}.delete.indexName"),
                d.index_name.as_deref(),
                true,
            );
        }
    }
}

fn invalid(msg: &str) -> ApiError {
    ApiError::validation(msg)
}

fn in_use(what: &str) -> ApiError {
    ApiError::ResourceInUse(format!(
        "Attempt to change a resource which is still in use: {what}"
    ))
}

/// True while an index of the table is being created or deleted.
fn busy(def: &TableDef) -> bool {
    def.gsis.iter().any(|g| g.status == IndexStatus::Creating) || !def.deleting_gsis.is_empty()
}

/// Applies the list to `def` (already carrying this request's billing mode). Returns
/// the background work to start once `def` is durable.
pub(super) fn apply(
    def: &mut TableDef,
    list: &[GsiUpdateIn],
    defs_in: Option<&[AttributeDefinitionIn]>,
) -> Result<Vec<Effect>, ApiError> {
    let mut targets: Vec<&str> = Vec::new();
    for u in list {
        let actions = [u.create.is_some(), u.update.is_some(), u.delete.is_some()];
        match actions.iter().filter(|a| **a).count() {
            0 => return Err(invalid("Update global secondary index action is null")),
            1 => {}
            _ => {
                return Err(invalid(
                    "One or more parameter values were invalid: Only one of Create, Update or Delete may be specified in a GlobalSecondaryIndexUpdate",
                ));
            }
        }
        if let Some(name) = u.target() {
            if targets.contains(&name) {
                return Err(invalid(
                    "Only one global secondary index update per index is allowed simultaneously.",
                ));
            }
            targets.push(name);
        }
    }
    if list.iter().filter(|u| u.update.is_none()).count() > 1 {
        return Err(ApiError::LimitExceeded(ONLINE_LIMIT.into()));
    }
    let mut effects = Vec::new();
    for u in list {
        if let Some(c) = &u.create {
            effects.push(create(def, c, defs_in)?);
        } else if let Some(d) = &u.delete {
            effects.push(delete(def, d)?);
        } else if let Some(up) = &u.update {
            update(def, up)?;
        }
    }
    let used: Vec<String> = std::iter::once(&def.key)
        .chain(def.gsis.iter().chain(&def.lsis).map(|i| &i.key))
        .flat_map(|k| std::iter::once(&k.hash).chain(&k.range))
        .map(|a| a.name.clone())
        .collect();
    def.attribute_definitions.retain(|a| used.contains(&a.name));
    Ok(effects)
}

fn create(
    def: &mut TableDef,
    c: &IndexIn,
    defs_in: Option<&[AttributeDefinitionIn]>,
) -> Result<Effect, ApiError> {
    let name = c.index_name.as_deref().unwrap_or_default();
    if let Some(existing) = def.gsis.iter().find(|g| g.name == name) {
        return Err(match existing.status {
            IndexStatus::Creating => in_use("Index is being created."),
            _ => invalid("Attempting to create an index which already exists"),
        });
    }
    if def.deleting_gsis.iter().any(|g| g.name == name) {
        return Err(in_use("Index is being deleted."));
    }
    if def.lsis.iter().any(|l| l.name == name) {
        return Err(invalid(
            "Attempting to create an index which already exists",
        ));
    }
    if busy(def) {
        return Err(ApiError::LimitExceeded(ONLINE_LIMIT.into()));
    }
    if def.gsis.len() >= MAX_GSIS {
        return Err(ApiError::LimitExceeded(
            "Number of global secondary indexes exceeds per-table limit".into(),
        ));
    }
    let request_defs = schema::attribute_definitions(defs_in)?;
    let redefined = request_defs.iter().any(|r| {
        def.attribute_definitions
            .iter()
            .any(|d| d.name == r.name && d.ty != r.ty)
    });
    if redefined {
        return Err(invalid(
            "invalid attribute, SchemaElement redefined should be of same type as previously defined",
        ));
    }
    let provisioned = def.billing_mode != "PAY_PER_REQUEST";
    let mut index = schema::index(c, true, &def.key, &request_defs, provisioned)?;
    let projected = |i: &IndexDef| i.projection.non_key_attributes.as_ref().map_or(0, Vec::len);
    let total: usize = def
        .gsis
        .iter()
        .chain(&def.lsis)
        .chain([&index])
        .map(projected)
        .sum();
    if total > MAX_PROJECTED {
        return Err(invalid(
            "No more than 20 attributes per table can be projected into Local Secondary Indices",
        ));
    }
    index.status = IndexStatus::Creating;
    let key_attrs: Vec<KeyAttr> = std::iter::once(&index.key.hash)
        .chain(&index.key.range)
        .cloned()
        .collect();
    for attr in key_attrs {
        if !def
            .attribute_definitions
            .iter()
            .any(|d| d.name == attr.name)
        {
            def.attribute_definitions.push(attr);
        }
    }
    let id = index.id;
    def.gsis.push(index);
    Ok(Effect::Created(id))
}

fn delete(def: &mut TableDef, d: &DeleteIn) -> Result<Effect, ApiError> {
    let name = d.index_name.as_deref().unwrap_or_default();
    let pos = def.gsis.iter().position(|g| g.name == name);
    // An index being backfilled may be deleted (that cancels its creation), as on AWS:
    // only *another* index in progress blocks the deletion.
    let cancels = pos.is_some_and(|p| def.gsis[p].status == IndexStatus::Creating);
    if busy(def) && !cancels {
        return Err(ApiError::LimitExceeded(ONLINE_LIMIT.into()));
    }
    let Some(pos) = pos else {
        return Err(ApiError::ResourceNotFound(
            "Requested resource not found".into(),
        ));
    };
    let mut index = def.gsis.remove(pos);
    index.status = IndexStatus::Deleting;
    let id = index.id;
    def.deleting_gsis.push(index);
    Ok(Effect::Deleted(id))
}

fn update(def: &mut TableDef, up: &UpdateIn) -> Result<(), ApiError> {
    let name = up.index_name.as_deref().unwrap_or_default();
    if def.deleting_gsis.iter().any(|g| g.name == name) {
        return Err(in_use("Index is being deleted."));
    }
    let on_demand = def.billing_mode == "PAY_PER_REQUEST";
    let Some(index) = def.gsis.iter_mut().find(|g| g.name == name) else {
        return Err(invalid("Invalid global secondary index name"));
    };
    if index.status == IndexStatus::Creating {
        return Err(in_use("Index is being created."));
    }
    let Some(t) = up.provisioned_throughput else {
        return Err(invalid(
            "No provisioned throughput specified for the global secondary index",
        ));
    };
    if on_demand {
        return Err(invalid(&format!(
            "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
        )));
    }
    let t: Throughput = schema::throughput(t).map_err(|_| {
        invalid("Global Secondary Index's read and write throughput must be at least 1, and cannot be null")
    })?;
    if index.throughput == Some(t) {
        return Err(invalid(
            "The requested throughput value equals the current value",
        ));
    }
    index.throughput = Some(t);
    Ok(())
}
