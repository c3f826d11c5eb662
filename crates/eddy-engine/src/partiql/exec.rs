//! Running bound statements.
//!
//! Reads page through storage ranges (one partition prefix, or the table prefix for a
//! scan), never loading more than one page: `Limit` counts the items *evaluated*, a page
//! also ends after 1 MB read, and the position is returned as an opaque `NextToken`
//! (version, partition ordinal, last storage key). Writes build a decide closure and go
//! through [`Engine::write_one`] / [`Engine::write_group`], the same path as PutItem,
//! UpdateItem and DeleteItem.

use super::Returning;
use super::access::{Access, SortRange};
use super::plan::{Output, SelectPlan, WriteKind, WritePlan};
use crate::Engine;
use crate::catalog::{ITEMS, TableEntry};
use crate::index::INDEX;
use crate::keys::{key_of_item, partition_prefix, table_prefix};
use crate::model::TableDef;
use crate::write::WriteOutcome;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use eddy_expr::path::get;
use eddy_storage::{KeyRange, prefix_successor};
use eddy_types::codec::decode_item;
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, Item};
use std::ops::Bound;
use std::sync::Arc;

/// A page stops after this many bytes of items read, as DynamoDB's 1 MB.
const PAGE_BYTES: usize = 1024 * 1024;
/// Items fetched from storage per call.
const BATCH: usize = 128;
/// First byte of every `NextToken` payload.
const TOKEN_VERSION: u8 = 1;

/// Where a SELECT stopped: the ordinal of the partition (0 for a scan) and the last
/// storage key read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    part: u32,
    key: Vec<u8>,
}

impl Cursor {
    /// The opaque `NextToken`.
    pub fn token(&self) -> String {
        let mut bytes = Vec::with_capacity(5 + self.key.len());
        bytes.push(TOKEN_VERSION);
        bytes.extend_from_slice(&self.part.to_be_bytes());
        bytes.extend_from_slice(&self.key);
        STANDARD.encode(bytes)
    }

    /// Reads a `NextToken` back, checking that it points into what `plan` reads.
    pub fn parse(token: &str, def: &TableDef, plan: &SelectPlan) -> Result<Self, ApiError> {
        let invalid = || ApiError::validation("Invalid NextToken");
        let bytes = STANDARD.decode(token).map_err(|_| invalid())?;
        if bytes.len() < 5 || bytes[0] != TOKEN_VERSION {
            return Err(invalid());
        }
        let part = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        let key = bytes[5..].to_vec();
        let (_, id) = source(def, plan);
        let prefix = match &plan.access {
            Access::Scan if part == 0 => table_prefix(id),
            Access::Partitions(parts, _) => {
                let i = usize::try_from(part).map_err(|_| invalid())?;
                let pk = ordered(parts, plan.partitions_desc)
                    .nth(i)
                    .ok_or_else(invalid)?;
                partition_prefix(id, pk)
            }
            Access::Scan => return Err(invalid()),
        };
        if !key.starts_with(&prefix) {
            return Err(invalid());
        }
        Ok(Cursor { part, key })
    }
}

/// One page of a SELECT.
#[derive(Debug, Default)]
pub struct Page {
    /// The (projected) items that matched.
    pub items: Vec<Item>,
    /// Where to continue, when the page stopped early.
    pub next: Option<Cursor>,
    /// Total size of the items read (for consumed capacity).
    pub read_bytes: usize,
}

fn ordered<T>(parts: &[T], desc: bool) -> Box<dyn Iterator<Item = &T> + '_> {
    if desc {
        Box::new(parts.iter().rev())
    } else {
        Box::new(parts.iter())
    }
}

/// The storage range of one partition's sort-key range.
///
/// Index entry keys continue after the index sort key (with the table key), so a bound
/// that includes the sort key value `s` must cover every key starting with `P ++ s`, and
/// one that excludes it must skip them all; since key encodings are self-delimiting,
/// that is the prefix successor of `P ++ s`. (Item keys end at the sort key, where this
/// is equally right.)
fn partition_range(prefix: Vec<u8>, r: &SortRange) -> KeyRange {
    let join = |s: &[u8]| [prefix.as_slice(), s].concat();
    let after = |s: &[u8]| prefix_successor(&join(s));
    let start = match &r.lower {
        Bound::Unbounded => Bound::Included(prefix.clone()),
        Bound::Included(s) => Bound::Included(join(s)),
        Bound::Excluded(s) => after(s).map_or(Bound::Excluded(join(s)), Bound::Included),
    };
    let end = match &r.upper {
        Bound::Unbounded => prefix_successor(&prefix).map_or(Bound::Unbounded, Bound::Excluded),
        Bound::Included(s) => after(s).map_or(Bound::Unbounded, Bound::Excluded),
        Bound::Excluded(s) => Bound::Excluded(join(s)),
    };
    KeyRange { start, end }
}

/// The keyspace and id prefix a SELECT reads: the index's entries or the table's items.
fn source(def: &TableDef, plan: &SelectPlan) -> (&'static str, u64) {
    match &plan.index {
        Some(i) => (INDEX, i.id),
        None => (ITEMS, def.id),
    }
}

/// Counts what a page has evaluated.
struct Budget {
    limit: Option<usize>,
    evaluated: usize,
    bytes: usize,
}

impl Budget {
    fn exhausted(&self) -> bool {
        self.limit.is_some_and(|l| self.evaluated >= l) || self.bytes >= PAGE_BYTES
    }
}

/// The state of one page being read.
struct Reader<'p> {
    keyspace: &'static str,
    /// The table, when index entries are replaced by their items.
    table: Option<&'p TableEntry>,
    plan: &'p SelectPlan,
    budget: Budget,
    page: Page,
}

impl Engine {
    /// Reads one page of a SELECT.
    pub(crate) fn run_select(
        &self,
        entry: &TableEntry,
        plan: &SelectPlan,
        limit: Option<usize>,
        cursor: Option<Cursor>,
    ) -> Result<Page, ApiError> {
        let (keyspace, id) = source(&entry.def, plan);
        let mut read = Reader {
            keyspace,
            table: plan.fetch.then_some(entry),
            plan,
            budget: Budget {
                limit,
                evaluated: 0,
                bytes: 0,
            },
            page: Page::default(),
        };
        match &plan.access {
            Access::Scan => {
                let mut range = KeyRange::prefix(&table_prefix(id));
                if let Some(c) = cursor {
                    range.start = Bound::Excluded(c.key);
                }
                if let Some(key) = self.read_range(range, false, &mut read)? {
                    read.page.next = Some(Cursor { part: 0, key });
                }
            }
            Access::Partitions(parts, sort) => {
                let (first, mut resume) = match cursor {
                    Some(c) => (c.part, Some(c.key)),
                    None => (0, None),
                };
                let todo = ordered(parts, plan.partitions_desc)
                    .enumerate()
                    .skip(first as usize);
                for (i, pk) in todo {
                    let mut range = partition_range(partition_prefix(id, pk), sort);
                    if let Some(key) = resume.take() {
                        if plan.desc {
                            range.end = Bound::Excluded(key);
                        } else {
                            range.start = Bound::Excluded(key);
                        }
                    }
                    if let Some(key) = self.read_range(range, plan.desc, &mut read)? {
                        let part = u32::try_from(i).unwrap_or(u32::MAX);
                        read.page.next = Some(Cursor { part, key });
                        break;
                    }
                }
            }
        }
        read.page.read_bytes = read.budget.bytes;
        Ok(read.page)
    }

    /// Reads `range` until it ends (`None`) or the budget runs out (`Some(last key)`).
    fn read_range(
        &self,
        mut range: KeyRange,
        reverse: bool,
        read: &mut Reader,
    ) -> Result<Option<Vec<u8>>, ApiError> {
        loop {
            let budget = &read.budget;
            let want = budget.limit.map_or(BATCH, |l| {
                l.saturating_sub(budget.evaluated).clamp(1, BATCH)
            });
            let batch = self
                .storage
                .scan(read.keyspace, &range, reverse, want)
                .map_err(crate::storage_error)?;
            let full = batch.len() >= want;
            let mut last = None;
            for (k, v) in batch {
                let item = decode_item(&v).map_err(crate::corrupt_item)?;
                read.budget.evaluated += 1;
                read.budget.bytes += item_size(&item);
                let item = match (read.plan.fetch, &read.table) {
                    (true, Some(t)) => self.table_item(t, item)?,
                    _ => item,
                };
                if let Some(out) = select_item(read.plan, item)? {
                    read.page.items.push(out);
                }
                if read.budget.exhausted() {
                    return Ok(Some(k));
                }
                last = Some(k);
            }
            let Some(last) = last.filter(|_| full) else {
                return Ok(None);
            };
            if reverse {
                range.end = Bound::Excluded(last);
            } else {
                range.start = Bound::Excluded(last);
            }
        }
    }

    /// The table item an index entry stands for (the entry itself if the item is gone).
    fn table_item(&self, table: &TableEntry, entry: Item) -> Result<Item, ApiError> {
        let key = key_of_item(&table.def.key, &entry)?;
        Ok(self.read_item(table, &key)?.unwrap_or(entry))
    }

    /// Runs one single-item write through the write path.
    pub(crate) async fn run_write(
        &self,
        entry: &Arc<TableEntry>,
        plan: &WritePlan,
        on_fail: bool,
    ) -> Result<WriteOutcome, ApiError> {
        self.write_one(entry, plan.key.clone(), decider(plan, on_fail))
            .await
    }
}

/// The item a SELECT returns for a stored item (or index entry), if it matches.
fn select_item(plan: &SelectPlan, item: Item) -> Result<Option<Item>, ApiError> {
    if let Some(f) = &plan.filter
        && !f.eval(&item)?
    {
        return Ok(None);
    }
    Ok(Some(project(&plan.output, item)))
}

/// Applies a SELECT list.
pub fn project(output: &Output, item: Item) -> Item {
    match output {
        Output::Star => item,
        Output::Paths(paths) => paths
            .iter()
            .filter_map(|(name, p)| get(&item, p).map(|v| (name.clone(), v.clone())))
            .collect(),
    }
}

/// "Duplicate primary key exists in table"
pub fn duplicate_item() -> ApiError {
    ApiError::DuplicateItem("Duplicate primary key exists in table".into())
}

/// The decision of a write: the new state of its item from the old one.
pub fn decider(
    plan: &WritePlan,
    on_fail: bool,
) -> impl FnOnce(Option<&Item>) -> Result<Option<Item>, ApiError> + Send + 'static {
    let kind = plan.kind.clone();
    let condition = plan.condition.clone();
    move |old| {
        let failed = |old: Option<&Item>| {
            ApiError::condition_failed(on_fail.then(|| old.cloned()).flatten())
        };
        let holds = |item: &Item| condition.as_ref().map_or(Ok(true), |c| c.eval(item));
        match kind {
            WriteKind::Insert(item) => {
                if old.is_some() {
                    return Err(duplicate_item());
                }
                if item_size(&item) > MAX_ITEM_SIZE {
                    return Err(ApiError::validation(
                        "Item size has exceeded the maximum allowed size",
                    ));
                }
                Ok(Some(item))
            }
            WriteKind::Update {
                update, key_update, ..
            } => {
                let Some(current) = old else {
                    return Err(failed(None));
                };
                if let Some(k) = key_update {
                    return Err(ApiError::validation(format!(
                        "One or more parameter values were invalid: Cannot update attribute {k}. This attribute is part of the key"
                    )));
                }
                if !holds(current)? {
                    return Err(failed(old));
                }
                let mut item = current.clone();
                update.apply(&mut item)?;
                if item_size(&item) > MAX_ITEM_SIZE {
                    return Err(ApiError::validation(
                        "Item size to update has exceeded the maximum allowed size",
                    ));
                }
                Ok(Some(item))
            }
            WriteKind::Delete => match old {
                None => Ok(None),
                Some(current) if holds(current)? => Ok(None),
                Some(_) => Err(failed(old)),
            },
            WriteKind::Check => match old {
                Some(current) if holds(current)? => Ok(Some(current.clone())),
                // AWS words an EXISTS failure like any condition check (Local adds a period).
                _ => Err(failed(old)),
            },
        }
    }
}

/// The items a `RETURNING` clause returns for a write's outcome.
pub fn returned(plan: &WritePlan, outcome: &WriteOutcome) -> Vec<Item> {
    let Some(r) = plan.returning else {
        return Vec::new();
    };
    let modified = |item: Option<&Item>| match (&plan.kind, item) {
        (WriteKind::Update { updated, .. }, Some(i)) => Some(updated.apply(i)),
        _ => None,
    };
    let picked = match r {
        Returning::AllOld => outcome.old.clone(),
        Returning::AllNew => outcome.new.clone(),
        Returning::ModifiedOld => modified(outcome.old.as_ref()),
        Returning::ModifiedNew => modified(outcome.new.as_ref()),
    };
    picked.into_iter().filter(|i| !i.is_empty()).collect()
}
