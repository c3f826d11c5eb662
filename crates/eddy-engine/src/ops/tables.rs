//! DescribeTable, ListTables, DeleteTable, DescribeEndpoints and DescribeLimits: the
//! small control-plane operations.

use super::common::decode;
use super::constraints::Violations;
use crate::Engine;
use crate::catalog::{CATALOG, ITEMS};
use crate::keys::table_prefix;
use eddy_storage::{KeyRange, WriteBatch};
use eddy_types::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableNameInput {
    table_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTablesInput {
    exclusive_start_table_name: Option<String>,
    limit: Option<i64>,
}

fn to_vec(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

impl Engine {
    /// DescribeTable.
    pub(crate) async fn describe_table(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: TableNameInput = decode(body)?;
        let entry = self.table_ddl(input.table_name.as_deref())?;
        let desc = entry.def.describe_with(
            "ACTIVE",
            entry.stats(),
            &|index_id| self.indexes.stats.get(index_id),
            &self.config.region,
            &self.config.account_id,
        );
        Ok(to_vec(&json!({ "Table": desc })))
    }

    /// ListTables.
    pub(crate) async fn list_tables(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: ListTablesInput = decode(body)?;
        let limit = match input.limit {
            None => 100,
            Some(l) if l < 1 => {
                return Err(ApiError::validation(
                    "Limit must be greater than or equal to 1",
                ));
            }
            Some(l) if l > 100 => {
                return Err(ApiError::validation("Limit in ListTables must be <= 100"));
            }
            Some(l) => l as usize,
        };
        let start = input.exclusive_start_table_name;
        let mut c = Violations::new();
        c.table_name("exclusiveStartTableName", start.as_deref(), false);
        c.finish()?;
        let names: Vec<String> = self
            .catalog
            .names()
            .into_iter()
            .filter(|n| start.as_ref().is_none_or(|s| n > s))
            .collect();
        let page: Vec<&String> = names.iter().take(limit).collect();
        let mut out = json!({ "TableNames": page });
        if names.len() > limit {
            out["LastEvaluatedTableName"] = json!(page.last());
        }
        Ok(to_vec(&out))
    }

    /// DeleteTable. The catalog record goes first (durably); the items are purged in the
    /// background. They are unreachable already, because a recreated table gets a new id.
    pub(crate) async fn delete_table(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: TableNameInput = decode(body)?;
        let _guard = self.ddl_lock.lock().await;
        let entry = self.table_ddl(input.table_name.as_deref())?;
        if entry.def.deletion_protection {
            return Err(ApiError::validation(
                "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
            ));
        }
        let mut batch = WriteBatch::new();
        batch.delete(CATALOG, entry.def.name.as_bytes().to_vec());
        self.storage
            .commit(batch)
            .await
            .map_err(crate::storage_error)?;
        self.catalog.remove(&entry.def.name);
        if let Some(s) = &entry.def.stream {
            // The stream outlives its table: DISABLED, readable for the retention period.
            let now = self.clock.now_millis();
            self.streams
                .close_shard(self.storage.as_ref(), s.id, false, now)
                .await
                .map_err(crate::storage_error)?;
        }
        let desc = entry.def.describe(
            "DELETING",
            entry.stats(),
            &self.config.region,
            &self.config.account_id,
        );
        let storage = self.storage.clone();
        let table_id = entry.def.id;
        tokio::spawn(async move { purge_items(storage, table_id).await });
        let d = &entry.def;
        let indexes = d.gsis.iter().chain(&d.lsis).chain(&d.deleting_gsis);
        self.indexes.purge(indexes.map(|i| i.id).collect());
        Ok(to_vec(&json!({ "TableDescription": desc })))
    }

    /// DescribeEndpoints: this node is the endpoint.
    pub(crate) fn describe_endpoints(&self) -> Vec<u8> {
        to_vec(&json!({
            "Endpoints": [{
                "Address": format!("dynamodb.{}.amazonaws.com", self.config.region),
                "CachePeriodInMinutes": 1440,
            }]
        }))
    }

    /// DescribeLimits: AWS's default account quotas.
    pub(crate) fn describe_limits(&self) -> Vec<u8> {
        to_vec(&json!({
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }))
    }
}

/// Deletes every item of a dropped table, a page at a time.
pub(crate) async fn purge_items(storage: std::sync::Arc<dyn eddy_storage::Storage>, table_id: u64) {
    let range = KeyRange::prefix(&table_prefix(table_id));
    loop {
        let page = match storage.scan(ITEMS, &range, false, 1000) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(table_id, error = %e, "purging a deleted table's items failed");
                return;
            }
        };
        if page.is_empty() {
            return;
        }
        let mut batch = WriteBatch::new();
        for (k, _) in page {
            batch.delete(ITEMS, k);
        }
        if let Err(e) = storage.commit(batch).await {
            tracing::warn!(table_id, error = %e, "purging a deleted table's items failed");
            return;
        }
    }
}

/// Purges items of tables that no longer exist (a DeleteTable whose background purge was
/// interrupted by a crash). Walks the `items` keyspace one table prefix at a time.
pub(crate) async fn sweep_orphans(
    storage: std::sync::Arc<dyn eddy_storage::Storage>,
    is_live: impl Fn(u64) -> bool,
) {
    let mut range = KeyRange::prefix(&[]);
    loop {
        let first = match storage.scan(ITEMS, &range, false, 1) {
            Ok(p) => p,
            Err(_) => return,
        };
        let Some((key, _)) = first.into_iter().next() else {
            return;
        };
        let Some(id_bytes) = key.get(..8) else { return };
        let mut id = [0u8; 8];
        id.copy_from_slice(id_bytes);
        let id = u64::from_be_bytes(id);
        if !is_live(id) {
            tracing::info!(table_id = id, "purging items of a deleted table");
            purge_items(storage.clone(), id).await;
        }
        match eddy_storage::prefix_successor(&table_prefix(id)) {
            Some(next) => range.start = std::ops::Bound::Included(next),
            None => return,
        }
    }
}
