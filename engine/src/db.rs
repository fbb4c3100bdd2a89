//! `Database`: a handle on one KeystoneDB file (or an in-memory database).

use crate::config::DatabaseConfig;
use crate::error::{Error, Result};
use crate::io::{FileIo, MemoryFile};
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use crate::io::{OpenOptions, StdFile};
use crate::lsm::Tree;
use serde_json::Value;
use std::path::Path;
use std::sync::RwLock;

/// A database. Reads run concurrently; writes are serialised.
pub struct Database {
    pub(crate) tree: RwLock<Tree>,
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

    pub fn open_with_config(path: impl AsRef<Path>, config: DatabaseConfig) -> Result<Database> {
        let file = StdFile::open(path, OpenOptions::EXISTING)?;
        Self::open_file(Box::new(file), config)
    }

}

impl Database {
    /// A database that lives in memory only.
    pub fn in_memory() -> Result<Database> {
        Self::open_file(Box::new(MemoryFile::new()), DatabaseConfig::default())
    }

    /// Open the database stored in any [`FileIo`] (creating it if empty).
    pub fn open_file(file: Box<dyn FileIo>, config: DatabaseConfig) -> Result<Database> {
        let tree = Tree::open(file, config)?;
        Ok(Database { tree: RwLock::new(tree) })
    }

    /// Run one DynamoDB operation with its request in DynamoDB JSON.
    pub fn execute(&self, operation: &str, request: &Value) -> Result<Value> {
        crate::execute::execute(self, operation, request)
    }

    /// Like [`Database::execute`], with the request and response as JSON text.
    /// Unparseable JSON is a `SerializationException`.
    pub fn execute_json(&self, operation: &str, request: &str) -> Result<String> {
        let value: Value = serde_json::from_str(request)
            .map_err(|e| Error::Serialization(format!("Start of structure or map found where not expected: {e}")))?;
        let response = self.execute(operation, &value)?;
        Ok(response.to_string())
    }
}
