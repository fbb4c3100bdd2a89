//! `Database`: a handle on one KeystoneDB file (or an in-memory database).

use crate::config::DatabaseConfig;
use crate::error::{Error, Result, StorageError};
use crate::io::{FileIo, MemoryFile};
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use crate::io::{OpenOptions, StdFile};
use crate::lsm::Tree;
use crate::model::schema::Catalog;
use serde_json::Value;
use std::path::Path;
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A database. Reads run concurrently; writes are serialised.
///
/// Lock order, everywhere: `catalog`, then `tree`, then `api_state` — item
/// operations hold the catalog read lock for their whole run so a concurrent
/// DeleteTable cannot slip between resolving a table and writing to it.
pub struct Database {
    pub(crate) tree: RwLock<Tree>,
    /// Table definitions (persisted in the tree under table id 0).
    pub(crate) catalog: RwLock<Catalog>,
    /// In-memory state of the item API (transaction idempotency tokens).
    pub(crate) api_state: Mutex<crate::api::ApiState>,
    /// Opened with `DatabaseConfig::read_only`: `execute` refuses writes.
    pub(crate) read_only: bool,
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
impl Database {
    /// Create a new database file at `path`; fails if it exists.
    pub fn create(path: impl AsRef<Path>) -> Result<Database> {
        Self::create_with_config(path, DatabaseConfig::default())
    }

    pub fn create_with_config(path: impl AsRef<Path>, config: DatabaseConfig) -> Result<Database> {
        let file = StdFile::open(path, OpenOptions::CREATE_NEW)?;
        Self::open_file(Box::new(file), config)
    }

    /// Open an existing database file.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        Self::open_with_config(path, DatabaseConfig::default())
    }

    /// Open with `config`; with `config.read_only` the file is opened for
    /// reading only, under a shared lock (see [`DatabaseConfig::read_only`]).
    pub fn open_with_config(path: impl AsRef<Path>, config: DatabaseConfig) -> Result<Database> {
        let options = if config.read_only { OpenOptions::READ_ONLY } else { OpenOptions::EXISTING };
        let file = StdFile::open(path, options)?;
        Self::open_file(Box::new(file), config)
    }

    /// Open an existing database file for reading only: nothing is ever
    /// written to it, and every write fails with `StorageError::ReadOnly`.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Database> {
        Self::open_with_config(path, DatabaseConfig { read_only: true, ..DatabaseConfig::default() })
    }
}

impl Database {
    /// A database that lives in memory only.
    pub fn in_memory() -> Result<Database> {
        Self::open_file(Box::new(MemoryFile::new()), DatabaseConfig::default())
    }

    /// Open the database stored in any [`FileIo`] (creating it if empty,
    /// unless `config.read_only`: a read-only database never calls the
    /// file's `write_at`, `set_len` or `sync`).
    pub fn open_file(file: Box<dyn FileIo>, config: DatabaseConfig) -> Result<Database> {
        let read_only = config.read_only;
        let mut tree = Tree::open(file, config)?;
        let mut catalog = crate::api::load_catalog(&tree)?;
        if read_only {
            // Finishing the work would write; reading past it would answer
            // from a half-built index.
            if crate::api::index::has_pending(&catalog) {
                return Err(StorageError::NeedsWritableOpen.into());
            }
        } else {
            crate::api::index::finish_all_pending(&mut tree, &mut catalog)?;
        }
        Ok(Database {
            read_only,
            tree: RwLock::new(tree),
            catalog: RwLock::new(catalog),
            api_state: Mutex::new(crate::api::ApiState::default()),
        })
    }

    // Poisoned locks: a panic while holding one cannot leave the tree
    // half-written (a WriteBatch applies whole or not at all), so the state
    // behind the lock is still consistent and we keep using it.
    pub(crate) fn tree_read(&self) -> RwLockReadGuard<'_, Tree> {
        self.tree.read().unwrap_or_else(|e| e.into_inner())
    }
    pub(crate) fn tree_write(&self) -> RwLockWriteGuard<'_, Tree> {
        self.tree.write().unwrap_or_else(|e| e.into_inner())
    }
    pub(crate) fn catalog_read(&self) -> RwLockReadGuard<'_, Catalog> {
        self.catalog.read().unwrap_or_else(|e| e.into_inner())
    }
    pub(crate) fn catalog_write(&self) -> RwLockWriteGuard<'_, Catalog> {
        self.catalog.write().unwrap_or_else(|e| e.into_inner())
    }

    /// True if the database was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Run one DynamoDB operation with its request in DynamoDB JSON.
    pub fn execute(&self, operation: &str, request: &Value) -> Result<Value> {
        crate::execute::execute(self, operation, request)
    }

    /// Like [`Database::execute`], with the request and response as JSON text.
    /// Unparseable JSON is a `SerializationException`.
    pub fn execute_json(&self, operation: &str, request: &str) -> Result<String> {
        if let Some(answer) = crate::execute::execute_text(self, operation, request) {
            return answer;
        }
        let value: Value = serde_json::from_str(request)
            .map_err(|e| Error::Serialization(format!("Start of structure or map found where not expected: {e}")))?;
        let response = crate::execute::execute_as(self, operation, &value, crate::api::values::Form::Text)?;
        Ok(response.into_text())
    }
}

/// Storage maintenance and the group-commit write path.
impl Database {
    /// Commit `batch` atomically and return its seqno. The WAL append happens
    /// under the tree's write lock; the sync the durability mode requires
    /// happens after the lock is released, so concurrent writers share one
    /// sync (group commit) instead of queueing behind each other's fsync.
    pub fn write_batch(&self, batch: crate::lsm::WriteBatch) -> Result<u64> {
        let pending = self.tree_write().commit(batch)?;
        Ok(pending.wait()?)
    }

    /// Move the memtable into an SST and make every write durable.
    pub fn flush(&self) -> Result<()> {
        Ok(self.tree_write().flush()?)
    }

    /// Make every committed batch durable now: write out the buffered log
    /// records and sync the file, without flushing the memtable. A binding
    /// that answers requests in batches opens with [`Durability::None`] and
    /// calls this once per batch, before it acknowledges any of them: one
    /// sync then covers the whole batch (group commit across requests).
    ///
    /// [`Durability::None`]: crate::Durability::None
    pub fn sync(&self) -> Result<()> {
        let mut tree = self.tree_write();
        tree.check_writable()?;
        Ok(tree.sync_wal()?)
    }

    /// Merge every SST into the bottom level (drops overwritten versions and deletes).
    pub fn compact(&self) -> Result<()> {
        Ok(self.tree_write().compact()?)
    }

    /// One step of deferred work (due group sync, space release, one
    /// compaction task); true if more compaction work may be due. Call it
    /// periodically where there are no background threads.
    pub fn maintain(&self) -> Result<bool> {
        Ok(self.tree_write().maintain()?)
    }

    pub fn stats(&self) -> crate::lsm::TreeStats {
        self.tree_read().stats()
    }

    pub fn health(&self) -> crate::lsm::Health {
        self.tree_read().health()
    }

    /// Check every checksum of every live block in the file.
    pub fn verify(&self) -> Result<crate::lsm::VerifyReport> {
        Ok(self.tree_read().verify()?)
    }

    /// Flush and close; later calls fail with `Closed`. Reopening replays nothing.
    pub fn close(&self) -> Result<()> {
        Ok(self.tree_write().close()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{CrashMode, FaultPlan, FaultyFile};
    use crate::Durability;
    use serde_json::json;

    fn put_one(db: &Database) {
        db.execute("CreateTable", &json!({
            "TableName": "tbl",
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        })).unwrap();
        db.execute("PutItem", &json!({"TableName": "tbl", "Item": {"k": {"S": "a"}}})).unwrap();
    }

    fn item_after_crash(file: &FaultyFile) -> Option<Value> {
        let image = file.crash_image(CrashMode::DropUnsynced, 1);
        let config = DatabaseConfig { durability: Durability::None, ..DatabaseConfig::default() };
        let db = Database::open_file(Box::new(MemoryFile::from_bytes(image)), config).unwrap();
        db.execute("GetItem", &json!({"TableName": "tbl", "Key": {"k": {"S": "a"}}})).ok()?.get("Item").cloned()
    }

    #[test]
    fn sync_makes_writes_of_a_no_durability_database_survive_a_crash() {
        let config = DatabaseConfig { durability: Durability::None, ..DatabaseConfig::default() };
        let file = FaultyFile::new(FaultPlan::default());
        let db = Database::open_file(Box::new(file.clone()), config).unwrap();
        put_one(&db);
        assert_eq!(item_after_crash(&file), None, "unsynced writes are lost in a crash that drops them");
        db.sync().unwrap();
        assert_eq!(item_after_crash(&file), Some(json!({"k": {"S": "a"}})));
    }

    #[test]
    fn sync_after_close_is_refused() {
        let db = Database::in_memory().unwrap();
        db.close().unwrap();
        assert!(matches!(db.sync(), Err(Error::Storage(crate::StorageError::Closed))));
    }
}
