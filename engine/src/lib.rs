//! # kstone-engine
//!
//! The engine of KeystoneDB: a single-file, embedded database with DynamoDB's
//! data model. One crate holds every layer, each using only those below it:
//!
//! ```text
//! io -> wal / sst / manifest -> lsm -> model -> expr / partiql -> api -> execute -> bindings
//! ```
//!
//! Bindings (the `kstone` CLI, the HTTP server, the npm package) call one
//! door, [`Database::execute`], with a DynamoDB operation name and request.
//!
//! ```
//! use kstone_engine::Database;
//! let db = Database::in_memory().unwrap();
//! let err = db.execute("NoSuchOperation", &serde_json::json!({})).unwrap_err();
//! assert_eq!(err.name(), "UnknownOperationException");
//! ```

pub mod api;
pub mod cache;
pub mod codec;
pub mod compress;
pub mod config;
mod crc32;
pub mod crypto;
pub mod db;
pub mod error;
mod execute;
pub mod expr;
pub mod io;
pub mod layout;
pub mod lsm;
pub mod manifest;
pub mod model;
pub mod partiql;
pub mod sst;
mod syntax;
pub mod wal;
#[doc(hidden)]
pub mod testing;

pub use config::{CompressionLevel, DatabaseConfig, Durability, KdfCost};
pub use db::Database;
pub use error::{Error, Result, StorageError};
pub use model::builder::ItemBuilder;
pub use model::number::{Number, NumberError};
pub use model::value::{AttributeValue, Item};
