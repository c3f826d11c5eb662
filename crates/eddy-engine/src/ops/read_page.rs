//! Reading one page of a Query or Scan: the storage loop, `Limit`, the 1 MB page, the
//! filter, `Select`/projection, `LastEvaluatedKey` and consumed capacity.
//!
//! The key range is read in growing chunks (`Storage::scan` with a limit), so a Query of
//! ten items reads about ten entries whatever the table size, and a Scan of a large table
//! never holds more than one page. DynamoDB's page rules, checked against DynamoDB Local
//! and AWS's documentation:
//! - `Limit` counts items *evaluated* (read), before the filter; reaching it ends the
//!   page with a `LastEvaluatedKey` even when nothing follows;
//! - the 1 MB limit counts the size of the items read, before filter and projection
//!   (AWS; Local counts after the filter). The item that reaches 1 MB is still part of
//!   the page; the page ends with a `LastEvaluatedKey` only if another item follows;
//! - capacity: the total size read, rounded up to 4 KB, one unit per 4 KB (half for
//!   eventually consistent reads), at least one unit; items an LSI query fetches from the
//!   table cost their own units, each rounded up separately.

use super::common::{CapacityMode, consumed, encode, read_units};
use super::select::{Select, projected};
use crate::Engine;
use crate::catalog::{ITEMS, TableEntry};
use crate::index::INDEX;
use crate::keys::PrimaryKey;
use crate::model::IndexDef;
use eddy_expr::{Condition, condition_paths};
use eddy_storage::KeyRange;
use eddy_types::codec::decode_item;
use eddy_types::codec_json::item_json;
use eddy_types::size::item_size;
use eddy_types::{ApiError, Item};
use serde::Serialize;
use serde_json::Value;
use std::ops::Bound;

/// A page ends once this many bytes were read.
const PAGE_BYTES: usize = 1024 * 1024;
/// First storage read of a page; later reads double up to [`MAX_CHUNK`], never asking
/// for much more than the rest of the 1 MB page needs at the average item size.
const FIRST_CHUNK: usize = 16;
/// Largest storage read.
const MAX_CHUNK: usize = 1024;

/// One page to read.
pub struct PageRequest<'a> {
    /// The table.
    pub entry: &'a TableEntry,
    /// The index read instead of the table, and whether it is global.
    pub index: Option<(&'a IndexDef, bool)>,
    /// The storage range (keyspace `items`, or `index` when `index` is set).
    pub range: KeyRange,
    /// Descending key order.
    pub reverse: bool,
    /// `Limit`.
    pub limit: Option<usize>,
    /// The filter.
    pub filter: Option<&'a Condition>,
    /// What to return.
    pub select: &'a Select,
    /// `ConsistentRead`.
    pub consistent: bool,
}

/// One page read.
#[derive(Debug, Default)]
pub struct Page {
    /// Returned items (empty for `Select::Count`, and when `json` holds them).
    pub items: Vec<Item>,
    /// The returned items as comma-separated wire JSON, written straight from storage
    /// when they are returned as stored (no filter, no projection, no table fetch).
    pub json: Option<Vec<u8>>,
    /// Items that passed the filter.
    pub count: usize,
    /// Items read.
    pub scanned: usize,
    /// Where a next page starts, when this one was cut short.
    pub last_key: Option<Item>,
    /// Bytes read from the table (or index).
    pub bytes: usize,
    /// Capacity of items an LSI read fetched from the table.
    pub fetched_units: f64,
}

/// Whether a read of an LSI must fetch each item from the table: for whole items, or a
/// projection or filter naming attributes the index does not hold.
fn fetches(req: &PageRequest<'_>) -> bool {
    let Some((index, false)) = req.index else {
        return false;
    };
    let mut names: Vec<&str> = req
        .filter
        .map(condition_paths)
        .unwrap_or_default()
        .iter()
        .map(|p| p.top_level())
        .collect();
    match req.select {
        Select::All => return true,
        Select::Specific(p) => names.extend(p.paths.iter().map(|p| p.top_level())),
        Select::AllProjected | Select::Count => {}
    }
    names.iter().any(|n| !projected(req.entry, index, n))
}

impl Engine {
    /// Reads one page. Storage is read in chunks that double from [`FIRST_CHUNK`], so
    /// a small `Limit` reads little and a 1 MB page costs a handful of storage calls.
    pub(crate) fn read_page(&self, req: PageRequest<'_>) -> Result<Page, ApiError> {
        let keyspace = if req.index.is_some() { INDEX } else { ITEMS };
        let fetch = fetches(&req);
        let def = &req.entry.def;
        let key_names: Vec<&str> = {
            let table = std::iter::once(&def.key.hash).chain(def.key.range.as_ref());
            let index = req
                .index
                .into_iter()
                .flat_map(|(i, _)| std::iter::once(&i.key.hash).chain(i.key.range.as_ref()));
            table.chain(index).map(|a| a.name.as_str()).collect()
        };
        let mut range = req.range.clone();
        let mut page = Page::default();
        let raw = !fetch
            && req.filter.is_none()
            && matches!(req.select, Select::All | Select::AllProjected);
        if raw {
            page.json = Some(Vec::new());
        }
        let mut last: Option<Item> = None;
        let mut chunk = FIRST_CHUNK;
        loop {
            let want = req.limit.map_or(chunk, |l| chunk.min(l - page.scanned));
            let batch = self
                .storage
                .scan(keyspace, &range, req.reverse, want)
                .map_err(crate::storage_error)?;
            let exhausted = batch.len() < want;
            for (key, value) in batch {
                if page.bytes >= PAGE_BYTES {
                    page.last_key = last;
                    return Ok(page);
                }
                // Items returned as stored go from their bytes straight to JSON; the
                // others are decoded to be filtered, fetched or projected.
                let stored = match &mut page.json {
                    Some(json) => {
                        if page.count > 0 {
                            json.push(b',');
                        }
                        page.bytes += item_json(&value, json).map_err(crate::corrupt_item)?;
                        page.count += 1;
                        None
                    }
                    None => {
                        let stored = decode_item(&value).map_err(crate::corrupt_item)?;
                        page.bytes += item_size(&stored);
                        Some(stored)
                    }
                };
                page.scanned += 1;
                // The key of the page's last item is only needed if this item may end
                // the page: built then, not for every item read.
                if req.limit == Some(page.scanned) || page.bytes >= PAGE_BYTES {
                    last = Some(match &stored {
                        Some(item) => key_of(&key_names, item),
                        None => key_of(
                            &key_names,
                            &decode_item(&value).map_err(crate::corrupt_item)?,
                        ),
                    });
                }
                match req.reverse {
                    true => range.end = Bound::Excluded(key),
                    false => range.start = Bound::Excluded(key),
                }
                if let Some(stored) = stored {
                    self.collect(&req, fetch, stored, &mut page)?;
                }
                if req.limit == Some(page.scanned) {
                    page.last_key = last;
                    return Ok(page);
                }
            }
            if exhausted {
                return Ok(page);
            }
            // Double the chunk, but not past what the rest of the 1 MB page needs at the
            // average item size so far (plus one to see whether another item follows).
            let average = (page.bytes / page.scanned.max(1)).max(1);
            let rest = PAGE_BYTES.saturating_sub(page.bytes).div_ceil(average) + 1;
            chunk = (chunk * 2).min(MAX_CHUNK).min(rest);
        }
    }

    /// Adds one decoded item to the page if it passes the filter: fetched from the table
    /// first when the index entry does not hold enough (`fetch`), then selected.
    fn collect(
        &self,
        req: &PageRequest<'_>,
        fetch: bool,
        stored: Item,
        page: &mut Page,
    ) -> Result<(), ApiError> {
        let full = if fetch {
            self.fetch_from_table(req.entry, &stored, req.consistent, page)?
        } else {
            None
        };
        let item = full.as_ref().unwrap_or(&stored);
        if (!fetch || full.is_some()) && req.filter.is_none_or(|f| f.eval(item).unwrap_or(false)) {
            page.count += 1;
            match req.select {
                Select::Count => {}
                Select::Specific(p) => page.items.push(p.apply(item)),
                Select::All => page.items.push(full.unwrap_or(stored)),
                // What the index holds, even when the filter needed the table item.
                Select::AllProjected => page.items.push(stored),
            }
        }
        Ok(())
    }

    /// The table item behind an LSI entry (`None` if it vanished since the entry was
    /// read); charges its capacity to the page.
    fn fetch_from_table(
        &self,
        entry: &TableEntry,
        stored: &Item,
        consistent: bool,
        page: &mut Page,
    ) -> Result<Option<Item>, ApiError> {
        let key = &entry.def.key;
        let hash = stored.get(&key.hash.name).cloned();
        let range = match &key.range {
            None => Some(None),
            Some(r) => stored.get(&r.name).cloned().map(Some),
        };
        let (Some(hash), Some(range)) = (hash, range) else {
            return Ok(None);
        };
        let item = self.read_item(entry, &PrimaryKey { hash, range })?;
        if let Some(i) = &item {
            page.fetched_units += read_units(Some(item_size(i)), consistent);
        }
        Ok(item)
    }
}

/// The key attributes (`names`) of `item`: a `LastEvaluatedKey`.
fn key_of(names: &[&str], item: &Item) -> Item {
    names
        .iter()
        .filter_map(|n| item.get(*n).map(|v| (n.to_string(), v.clone())))
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Vec<Item>>,
    count: usize,
    scanned_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_evaluated_key: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Value>,
}

/// The response body of a Query or Scan.
pub fn page_output(
    page: Page,
    select: &Select,
    cap: CapacityMode,
    entry: &TableEntry,
    index: Option<(&IndexDef, bool)>,
    consistent: bool,
) -> Result<Vec<u8>, ApiError> {
    let units = read_units(Some(page.bytes), consistent);
    let capacity = match index {
        None => consumed(cap, &entry.def.name, units, &[]),
        Some((i, global)) => consumed(
            cap,
            &entry.def.name,
            page.fetched_units,
            &[(global, i.name.clone(), units)],
        ),
    };
    if let Some(json) = page.json {
        // The same members in the same order as `Output`, around items already in JSON.
        let mut out = Vec::with_capacity(json.len() + 128);
        out.extend_from_slice(b"{\"Items\":[");
        out.extend_from_slice(&json);
        out.extend_from_slice(
            format!(
                "],\"Count\":{},\"ScannedCount\":{}",
                page.count, page.scanned
            )
            .as_bytes(),
        );
        if let Some(last) = &page.last_key {
            out.extend_from_slice(b",\"LastEvaluatedKey\":");
            out.extend_from_slice(&encode(last)?);
        }
        if let Some(c) = &capacity {
            out.extend_from_slice(b",\"ConsumedCapacity\":");
            out.extend_from_slice(&encode(c)?);
        }
        out.push(b'}');
        return Ok(out);
    }
    encode(&Output {
        items: (!matches!(select, Select::Count)).then_some(page.items),
        count: page.count,
        scanned_count: page.scanned,
        last_evaluated_key: page.last_key,
        consumed_capacity: capacity,
    })
}
