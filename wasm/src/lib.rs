//! KeystoneDB for JavaScript: the engine compiled to wasm32, exposed through
//! wasm-bindgen. This crate stays thin: it converts arguments, calls the
//! engine's one door ([`kstone_engine::Database::execute`]), and converts
//! results. The JS/TS wrapper in `wasm/js/` builds the public API on top.
//!
//! Requests and responses cross the boundary as DynamoDB JSON *text*: one
//! `JSON.stringify` on the way in and one `JSON.parse` on the way out are
//! faster than walking JS objects field by field from Rust, and they keep this
//! crate free of a second serialisation layer. Errors cross as JS `Error`
//! objects whose `name` is the DynamoDB exception name (see [`error`]).
//!
//! Storage: a database lives either in wasm memory ([`MemoryFile`]) or in a
//! JS object with the sync-access-handle methods ([`js_file::JsFile`]): an
//! OPFS `FileSystemSyncAccessHandle` in a worker, or Node's positional fs
//! calls. The engine sees one [`FileIo`] either way.

use kstone_engine::io::{FileIo, MemoryFile};
use kstone_engine::{Database as EngineDatabase, DatabaseConfig, Durability};
use wasm_bindgen::prelude::*;

mod error;
mod js_file;

pub use js_file::{JsFile, SyncFile};

/// The engine version this module was built from.
#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// One open database.
#[wasm_bindgen]
pub struct Database {
    /// `None` once closed.
    inner: Option<EngineDatabase>,
    /// A second handle on the database's file, to read it whole for `export`.
    file: Box<dyn FileIo>,
}

/// The engine settings the JS options map to.
fn config(durability: Option<String>, passphrase: Option<String>) -> Result<DatabaseConfig, JsValue> {
    let durability = match durability.as_deref().unwrap_or("group") {
        "sync" => Durability::Sync,
        "group" => Durability::default(),
        "none" => Durability::None,
        other => {
            let e = kstone_engine::validation!("durability must be 'sync', 'group' or 'none', not '{other}'");
            return Err(error::to_js(&e));
        }
    };
    Ok(DatabaseConfig { durability, passphrase, ..DatabaseConfig::default() })
}

#[wasm_bindgen]
impl Database {
    /// A database in this module's memory. `image`, when given, is the content
    /// of a database file (an export) to start from. `durability` is
    /// `"sync"`, `"group"` (the default) or `"none"`.
    #[wasm_bindgen(js_name = openMemory)]
    pub fn open_memory(
        image: Option<Vec<u8>>,
        durability: Option<String>,
        passphrase: Option<String>,
    ) -> Result<Database, JsValue> {
        let config = config(durability, passphrase)?;
        let memory = MemoryFile::new();
        if let Some(bytes) = image {
            memory.write_at(0, &bytes).map_err(|e| error::io_to_js(&e))?;
        }
        // MemoryFile clones share their bytes: the clone reads what the engine writes.
        let file: Box<dyn FileIo> = Box::new(memory.clone());
        let inner = EngineDatabase::open_file(Box::new(memory), config).map_err(|e| error::to_js(&e))?;
        Ok(Database { inner: Some(inner), file })
    }

    /// A database stored in `handle` (an OPFS sync access handle, or the Node
    /// wrapper's object with the same methods). An empty file is initialised.
    #[wasm_bindgen(js_name = openFile)]
    pub fn open_file(handle: SyncFile, durability: Option<String>, passphrase: Option<String>) -> Result<Database, JsValue> {
        let config = config(durability, passphrase)?;
        let js = JsFile::new(handle);
        let file: Box<dyn FileIo> = Box::new(js.share());
        let inner = EngineDatabase::open_file(Box::new(js), config).map_err(|e| error::to_js(&e))?;
        Ok(Database { inner: Some(inner), file })
    }

    /// Make every write so far durable (write out the log and flush the
    /// file). The OPFS worker opens with durability `"none"` and calls this
    /// once per batch of requests before it answers any of them, so one flush
    /// covers many writes and nothing is acknowledged before it is on disk.
    pub fn sync(&self) -> Result<(), JsValue> {
        self.engine()?.sync().map_err(|e| error::to_js(&e))
    }

    fn engine(&self) -> Result<&EngineDatabase, JsValue> {
        self.inner.as_ref().ok_or_else(error::closed)
    }

    /// Run one DynamoDB operation: `request` and the returned string are
    /// DynamoDB JSON text. Throws an `Error` named after the DynamoDB exception.
    pub fn execute(&self, operation: &str, request: &str) -> Result<String, JsValue> {
        self.engine()?.execute_json(operation, request).map_err(|e| error::to_js(&e))
    }

    /// The whole database file, flushed first so the image holds every
    /// acknowledged write (group commit may still hold some in the engine's
    /// log buffer) and opens without replaying a log. It opens with
    /// `openMemory(image)`, `openFile` and the CLI.
    #[wasm_bindgen(js_name = exportFile)]
    pub fn export_file(&self) -> Result<Vec<u8>, JsValue> {
        self.engine()?.flush().map_err(|e| error::to_js(&e))?;
        self.file.sync().map_err(|e| error::io_to_js(&e))?;
        let len = self.file.len().map_err(|e| error::io_to_js(&e))?;
        let len = usize::try_from(len).map_err(|_| error::io_to_js(&std::io::Error::other("file too large to export")))?;
        let mut bytes = vec![0; len];
        self.file.read_at(0, &mut bytes).map_err(|e| error::io_to_js(&e))?;
        Ok(bytes)
    }

    /// The size of the database file in bytes.
    #[wasm_bindgen(js_name = fileSize)]
    pub fn file_size(&self) -> Result<f64, JsValue> {
        self.engine()?;
        Ok(self.file.len().map_err(|e| error::io_to_js(&e))? as f64)
    }

    /// The engine's statistics as JSON text (camelCase field names; the JS
    /// `DatabaseStats` type in `wasm/js/backend.d.ts` describes them).
    pub fn stats(&self) -> Result<String, JsValue> {
        let s = self.engine()?.stats();
        let json = serde_json::json!({
            "seqno": s.seqno,
            "keysEstimate": s.keys_estimate,
            "memtableEntries": s.memtable_entries,
            "memtableBytes": s.memtable_bytes,
            "sstBytes": s.sst_bytes,
            "sstRawBytes": s.sst_raw_bytes,
            "sstsPerLevel": s.ssts_per_level,
            "bytesPerLevel": s.bytes_per_level,
            "walBytes": s.wal_bytes,
            "fileBytes": s.file_bytes,
            "freeBytes": s.free_bytes,
            "flushes": s.flushes,
            "compactions": s.compactions_run,
            "bytesReclaimed": s.bytes_reclaimed,
            "cacheHits": s.cache_hits,
            "cacheMisses": s.cache_misses,
            "cacheHitRate": s.cache_hit_rate,
            "replayedBatches": s.replayed_batches,
        });
        Ok(json.to_string())
    }

    /// One step of deferred work: sync what group commit left unsynced,
    /// release space, run at most one compaction task. Returns true if more
    /// compaction work may be due. The browser build of the engine has no
    /// clock, so the JS wrapper calls this shortly after writes.
    pub fn maintain(&self) -> Result<bool, JsValue> {
        self.engine()?.maintain().map_err(|e| error::to_js(&e))
    }

    /// Sync and close. Later calls throw; closing twice is harmless.
    pub fn close(&mut self) -> Result<(), JsValue> {
        if let Some(engine) = self.inner.take() {
            // The engine's close flushes the memtable, so a reopen replays nothing.
            engine.close().map_err(|e| error::to_js(&e))?;
            self.file.sync().map_err(|e| error::io_to_js(&e))?;
        }
        Ok(())
    }
}
