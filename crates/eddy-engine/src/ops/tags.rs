//! TagResource, UntagResource and ListTagsOfResource on table ARNs.

use super::common::decode;
use crate::Engine;
use crate::catalog::{Catalog, TableEntry};
use eddy_storage::WriteBatch;
use eddy_types::ApiError;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// A `Tag` on the wire.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct TagIn {
    key: Option<String>,
    value: Option<String>,
}

/// Checks tag keys and values against AWS's limits.
pub fn validate_tags(tags: &[TagIn]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::with_capacity(tags.len());
    for t in tags {
        let key = t.key.clone().unwrap_or_default();
        let value = t.value.clone().ok_or_else(|| ApiError::validation("1 validation error detected: Value null at 'tags.member.value' failed to satisfy constraint: Member must not be null"))?;
        if key.is_empty() || key.chars().count() > 128 {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: Tag keys must be between 1 and 128 characters long",
            ));
        }
        if value.chars().count() > 256 {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: Tag values must be between 0 and 256 characters long",
            ));
        }
        out.push((key, value));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    resource_arn: Option<String>,
    tags: Option<Vec<TagIn>>,
    tag_keys: Option<Vec<String>>,
}

impl Engine {
    /// Resolves a table ARN of this region and account.
    fn table_by_arn(&self, arn: Option<&str>) -> Result<Arc<TableEntry>, ApiError> {
        let arn = arn.ok_or_else(|| ApiError::validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null"))?;
        let prefix = format!(
            "arn:aws:dynamodb:{}:{}:table/",
            self.config.region, self.config.account_id
        );
        let name = arn
            .strip_prefix(&prefix)
            .filter(|n| super::common::valid_name(n));
        let Some(name) = name else {
            if arn.starts_with("arn:aws:dynamodb:") && arn.contains(":table/") {
                return Err(ApiError::ResourceNotFound(format!(
                    "Requested resource not found: ResourcArn: {arn} not found"
                )));
            }
            return Err(ApiError::validation(format!(
                "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            )));
        };
        self.catalog.get(name).ok_or_else(|| {
            ApiError::ResourceNotFound(format!(
                "Requested resource not found: ResourcArn: {arn} not found"
            ))
        })
    }

    async fn save_tags(
        &self,
        entry: &TableEntry,
        tags: Vec<(String, String)>,
    ) -> Result<(), ApiError> {
        let mut def = entry.def.clone();
        def.tags = tags;
        let mut batch = WriteBatch::new();
        Catalog::stage_put(&mut batch, &def, entry.stats());
        self.storage
            .commit(batch)
            .await
            .map_err(crate::storage_error)?;
        self.catalog.put(Arc::new(entry.with_def(def)));
        Ok(())
    }

    /// TagResource.
    pub(crate) async fn tag_resource(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: TagInput = decode(body)?;
        let _guard = self.ddl_lock.lock().await;
        let entry = self.table_by_arn(input.resource_arn.as_deref())?;
        let new = validate_tags(input.tags.as_deref().unwrap_or(&[]))?;
        if new.is_empty() {
            return Err(ApiError::validation(
                "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        let mut tags = entry.def.tags.clone();
        for (k, v) in new {
            match tags.iter_mut().find(|t| t.0 == k) {
                Some(t) => t.1 = v,
                None => tags.push((k, v)),
            }
        }
        if tags.len() > 50 {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: The number of tags exceeds the limit of 50",
            ));
        }
        self.save_tags(&entry, tags).await?;
        Ok(b"{}".to_vec())
    }

    /// UntagResource.
    pub(crate) async fn untag_resource(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: TagInput = decode(body)?;
        let _guard = self.ddl_lock.lock().await;
        let entry = self.table_by_arn(input.resource_arn.as_deref())?;
        let keys = input.tag_keys.unwrap_or_default();
        if keys.is_empty() {
            return Err(ApiError::validation(
                "1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        let tags = entry
            .def
            .tags
            .iter()
            .filter(|t| !keys.contains(&t.0))
            .cloned()
            .collect();
        self.save_tags(&entry, tags).await?;
        Ok(b"{}".to_vec())
    }

    /// ListTagsOfResource.
    pub(crate) async fn list_tags_of_resource(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: TagInput = decode(body)?;
        let entry = self.table_by_arn(input.resource_arn.as_deref())?;
        let tags: Vec<_> = entry
            .def
            .tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        Ok(serde_json::to_vec(&json!({ "Tags": tags })).unwrap_or_default())
    }
}
