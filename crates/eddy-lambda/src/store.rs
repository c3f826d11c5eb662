//! The function store: metadata in the storage trait, code on the file system.
//!
//! Metadata: one JSON [`FunctionRecord`] per function in the `functions` keyspace, keyed
//! by the function name, so ListFunctions is a key-ordered scan and the name is the
//! pagination marker. Code: `<root>/<name>/<sha256-hex>.zip` (the package as uploaded,
//! fsynced) and `<root>/<name>/<sha256-hex>/` (extracted, what the runtime runs). The
//! directory is extracted under a temporary name and renamed into place, so a complete
//! directory either exists or does not; a missing directory is re-extracted from the zip
//! on first use, which also covers a crash between the rename and the page cache reaching
//! disk.
//!
//! Ordering: files first, then the metadata commit. A crash in between leaves an
//! unreferenced code directory (harmless, removed when the function is deleted), never a
//! record pointing at missing code.

use crate::error::LambdaError;
use crate::model::FunctionRecord;
use eddy_storage::{KeyRange, Storage, WriteBatch};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keyspace holding one JSON record per function.
pub const KEYSPACE: &str = "functions";

/// Where a package was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledCode {
    /// Base64 SHA-256 (`CodeSha256`).
    pub sha256_b64: String,
    /// Hex SHA-256 (the directory name).
    pub hex: String,
    /// Zip size in bytes.
    pub size: u64,
}

/// Records plus code directories.
pub struct FunctionStore {
    storage: Arc<dyn Storage>,
    root: PathBuf,
}

impl FunctionStore {
    /// A store keeping code under `root` (created if missing).
    pub fn new(storage: Arc<dyn Storage>, root: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        Ok(Self { storage, root })
    }

    /// The code root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// One record.
    pub fn get(&self, name: &str) -> Result<Option<FunctionRecord>, LambdaError> {
        match self.storage.get(KEYSPACE, name.as_bytes())? {
            None => Ok(None),
            Some(bytes) => decode(&bytes).map(Some),
        }
    }

    /// Up to `limit` records with names after `after`, in name order.
    pub fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<FunctionRecord>, LambdaError> {
        let start = after.map_or(Bound::Unbounded, |m| Bound::Excluded(m.as_bytes().to_vec()));
        let range = KeyRange {
            start,
            end: Bound::Unbounded,
        };
        let rows = self.storage.scan(KEYSPACE, &range, false, limit)?;
        rows.iter().map(|(_, v)| decode(v)).collect()
    }

    /// Writes a record durably.
    pub async fn put(&self, record: &FunctionRecord) -> Result<(), LambdaError> {
        let value = serde_json::to_vec(record)
            .map_err(|e| LambdaError::Service(format!("cannot encode function: {e}")))?;
        let mut batch = WriteBatch::new();
        batch.put(KEYSPACE, record.name.as_bytes().to_vec(), value);
        self.storage.commit(batch).await?;
        Ok(())
    }

    /// Deletes a record durably, then its code (best effort).
    pub async fn delete(&self, name: &str) -> Result<(), LambdaError> {
        let mut batch = WriteBatch::new();
        batch.delete(KEYSPACE, name.as_bytes().to_vec());
        self.storage.commit(batch).await?;
        let dir = self.root.join(name);
        let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir)).await;
        Ok(())
    }

    /// Saves and extracts a package for function `name`. Idempotent per digest.
    pub async fn install(
        &self,
        name: &str,
        zip: Arc<Vec<u8>>,
    ) -> Result<InstalledCode, LambdaError> {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(zip.as_slice());
        let code = InstalledCode {
            sha256_b64: base64::engine::general_purpose::STANDARD.encode(digest),
            hex: hex::encode(digest),
            size: zip.len() as u64,
        };
        let fn_dir = self.root.join(name);
        let hex = code.hex.clone();
        tokio::task::spawn_blocking(move || install_blocking(&fn_dir, &hex, &zip))
            .await
            .map_err(|e| LambdaError::Service(format!("code installation failed: {e}")))?
            .map_err(|e| LambdaError::Service(format!("cannot store the function code: {e}")))?;
        Ok(code)
    }

    /// The extracted code directory of `record`, re-extracted from the saved zip if it is
    /// missing.
    pub async fn code_dir(&self, record: &FunctionRecord) -> Result<PathBuf, LambdaError> {
        let fn_dir = self.root.join(&record.name);
        let dir = fn_dir.join(&record.code_hex);
        if tokio::fs::metadata(&dir).await.is_ok() {
            return Ok(dir);
        }
        let zip_path = fn_dir.join(format!("{}.zip", record.code_hex));
        let zip = tokio::fs::read(&zip_path).await.map_err(|e| {
            LambdaError::Service(format!(
                "function code missing at {}: {e}",
                zip_path.display()
            ))
        })?;
        let hex = record.code_hex.clone();
        let target = fn_dir.clone();
        tokio::task::spawn_blocking(move || install_blocking(&target, &hex, &zip))
            .await
            .map_err(|e| LambdaError::Service(format!("code extraction failed: {e}")))?
            .map_err(|e| LambdaError::Service(format!("cannot extract the function code: {e}")))?;
        Ok(dir)
    }

    /// Removes the code of `name` with digest `hex` (after an update replaced it).
    pub async fn remove_code(&self, name: &str, hex: &str) {
        let fn_dir = self.root.join(name);
        let dir = fn_dir.join(hex);
        let zip = fn_dir.join(format!("{hex}.zip"));
        let _ = tokio::task::spawn_blocking(move || {
            let _ = std::fs::remove_dir_all(dir);
            let _ = std::fs::remove_file(zip);
        })
        .await;
    }
}

fn decode(bytes: &[u8]) -> Result<FunctionRecord, LambdaError> {
    serde_json::from_slice(bytes)
        .map_err(|e| LambdaError::Service(format!("corrupt function record: {e}")))
}

fn install_blocking(fn_dir: &Path, hex: &str, zip: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(fn_dir)?;
    let zip_path = fn_dir.join(format!("{hex}.zip"));
    if !zip_path.exists() {
        let tmp = fn_dir.join(format!(".{hex}.zip.{}", uuid::Uuid::new_v4()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(zip)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &zip_path)?;
    }
    let dir = fn_dir.join(hex);
    if dir.exists() {
        return Ok(());
    }
    let tmp = fn_dir.join(format!(".{hex}.{}", uuid::Uuid::new_v4()));
    crate::code::extract(zip, &tmp)?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(()),
        // A concurrent install of the same digest won; its directory is identical.
        Err(_) if dir.exists() => std::fs::remove_dir_all(&tmp),
        Err(e) => Err(e),
    }
}
