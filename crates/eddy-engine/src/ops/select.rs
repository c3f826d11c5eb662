//! `Select` of a Query or Scan resolved against the projection and the index, and the
//! checks of which attributes an index can serve.
//!
//! DynamoDB's order, after the key checks: (Query on an index) filter attributes the
//! index does not project → `Select`/projection conflicts → `ALL_PROJECTED_ATTRIBUTES`
//! without an index → `ALL_ATTRIBUTES` on a GSI that does not project everything → a
//! projection naming attributes a GSI does not project. An LSI serves those from the
//! table instead (each item fetched costs its own read).

use crate::catalog::TableEntry;
use crate::model::IndexDef;
use eddy_expr::{Condition, Projection, condition_paths};
use eddy_types::ApiError;
use std::collections::BTreeSet;

/// What a read returns per item.
#[derive(Debug, Clone)]
pub enum Select {
    /// Whole items (on an LSI: fetched from the table).
    All,
    /// What the index holds.
    AllProjected,
    /// The paths of a projection.
    Specific(Projection),
    /// Nothing but the counts.
    Count,
}

/// True when `name` is stored in `index`'s entries.
pub fn projected(entry: &TableEntry, index: &IndexDef, name: &str) -> bool {
    let p = &index.projection;
    entry.def.key.is_key(name)
        || index.key.is_key(name)
        || p.projection_type == "ALL"
        || p.non_key_attributes
            .as_ref()
            .is_some_and(|n| n.iter().any(|a| a == name))
}

/// The top-level names in `names` that `index` does not project, sorted, as
/// DynamoDB lists them (`[a, b]`).
fn missing<'n>(
    entry: &TableEntry,
    index: &IndexDef,
    names: impl Iterator<Item = &'n str>,
) -> Option<String> {
    let missing: BTreeSet<&str> = names.filter(|n| !projected(entry, index, n)).collect();
    (!missing.is_empty())
        .then(|| format!("[{}]", missing.into_iter().collect::<Vec<_>>().join(", ")))
}

/// The request's `Select`, projection and index, as they decide what a read returns.
pub struct SelectRequest<'a> {
    /// The table.
    pub entry: &'a TableEntry,
    /// The index read, and whether it is global.
    pub index: Option<(&'a IndexDef, bool)>,
    /// `Select`.
    pub select: Option<&'a str>,
    /// The projection (expression or `AttributesToGet`).
    pub projection: Option<Projection>,
    /// True when the projection came from `AttributesToGet`.
    pub legacy_projection: bool,
    /// A Query's filter: on an index it may only use projected attributes.
    pub query_filter: Option<&'a Condition>,
}

impl SelectRequest<'_> {
    /// Resolves `Select`, with DynamoDB's messages in its order.
    pub fn resolve(self) -> Result<Select, ApiError> {
        let invalid = |detail: String| {
            ApiError::validation(format!(
                "One or more parameter values were invalid: {detail}"
            ))
        };
        if let (Some((index, _)), Some(filter)) = (self.index, self.query_filter) {
            let paths = condition_paths(filter);
            if let Some(names) = missing(self.entry, index, paths.iter().map(|p| p.top_level())) {
                return Err(invalid(format!(
                    "Secondary index {} does not project one or more filter attributes: {names}",
                    index.name
                )));
            }
        }
        let param = if self.legacy_projection {
            "AttributesToGet"
        } else {
            "ProjectionExpression"
        };
        let conflict = |what: &str| {
            ApiError::validation(format!(
                "Cannot specify the {param} when choosing to get {what}"
            ))
        };
        let select = match (self.select, self.projection) {
            (Some("COUNT"), Some(_)) => return Err(conflict("only the Count")),
            (Some("ALL_ATTRIBUTES"), Some(_)) => return Err(conflict("ALL_ATTRIBUTES")),
            (Some("ALL_PROJECTED_ATTRIBUTES"), Some(_)) => {
                return Err(conflict("ALL_PROJECTED_ATTRIBUTES"));
            }
            (Some("SPECIFIC_ATTRIBUTES"), None) => {
                return Err(ApiError::validation(
                    "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
                ));
            }
            (Some("COUNT"), None) => Select::Count,
            (Some("ALL_ATTRIBUTES"), None) => Select::All,
            (Some("ALL_PROJECTED_ATTRIBUTES"), None) => Select::AllProjected,
            (_, Some(p)) => Select::Specific(p),
            (_, None) if self.index.is_some() => Select::AllProjected,
            (_, None) => Select::All,
        };
        match (&select, self.index) {
            (Select::AllProjected, None) => Err(ApiError::validation(
                "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
            )),
            (Select::All, Some((i, true))) if i.projection.projection_type != "ALL" => {
                Err(invalid(format!(
                    "Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                    i.name
                )))
            }
            (Select::Specific(p), Some((i, true))) => {
                match missing(self.entry, i, p.paths.iter().map(|p| p.top_level())) {
                    Some(names) => Err(invalid(format!(
                        "Global secondary index {} does not project {names}",
                        i.name
                    ))),
                    None => Ok(select),
                }
            }
            _ => Ok(select),
        }
    }
}
