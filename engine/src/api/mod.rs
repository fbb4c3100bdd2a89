//! DynamoDB's operations, one file per family (`table`, `item`,
//! `query_scan`, `batch`, `transact`), each turning a request in DynamoDB JSON
//! into a typed request ([`crate::model::request`]), running it against the
//! tree, and answering in DynamoDB JSON.
//!
//! # Keyspace
//!
//! One database file holds every table. Keys are laid out as
//!
//! ```text
//! [table id: u32 BE][index id: u8][hash32(pk): u32 BE][pk encoded][sk encoded]
//! ```
//!
//! with table id 0 reserved for the catalog. Scan order is hash order (as in
//! DynamoDB), parallel Scan segments are contiguous hash ranges, and Query is
//! a prefix range inside one partition; see [`keyspace`] for the details and
//! [`crate::model::schema`] for the catalog entries.
//!
//! # Write path
//!
//! Every write request — a PutItem as much as a 100-action transaction —
//! becomes exactly one [`crate::lsm::WriteBatch`], applied while holding the
//! tree's write lock, after every read and condition it depends on. Item
//! writes are staged through one function ([`item::stage_write`]) that sees
//! the old and the new image of each item, which is where secondary-index
//! entries, TTL queue entries and stream change records join the same batch:
//! a request commits whole or not at all.
//!
//! # Validation order
//!
//! Shape (SerializationException), then required parameters and table-name
//! length, then collected member constraints, then the operation's semantic
//! checks, then — with the table known — key schema checks, expressions, and
//! finally conditions against stored data. Nothing is written until every
//! check has passed, so a rejected request never changes stored data.

pub mod batch;
pub mod convenience;
pub mod describe;
pub(crate) mod direct;
pub mod index;
pub mod item;
pub(crate) mod json;
pub mod keys;
pub mod keyspace;
pub(crate) mod params;
pub mod prepared;
pub mod query_scan;
pub mod statement;
pub mod table;
pub mod transact;
pub mod validation;
pub mod values;
pub mod write;

use crate::error::{Result, StorageError};
use crate::lsm::Tree;
use crate::model::schema::{catalog_range, next_id_key, Catalog, TableDef};
use std::ops::Bound;
use std::sync::RwLock;

/// Per-database state of the item API that is not persisted.
#[derive(Debug, Default)]
pub struct ApiState {
    /// `ClientRequestToken`s of recent write transactions.
    pub(crate) tokens: transact::TokenCache,
}

/// Read the catalog from the tree (at open).
pub(crate) fn load_catalog(tree: &Tree) -> Result<Catalog> {
    let (start, end) = catalog_range();
    let mut defs = Vec::new();
    for entry in tree.range(Bound::Included(&start), Bound::Excluded(&end), false) {
        let (key, value) = entry?;
        let def: TableDef = serde_json::from_slice(&value).map_err(|e| {
            StorageError::corrupted(format!("catalog entry {:?}: {e}", String::from_utf8_lossy(&key[5..])), 0)
        })?;
        defs.push(def);
    }
    let next_id = match tree.get(&next_id_key())? {
        Some(bytes) if bytes.len() == 4 => Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        Some(_) => return Err(StorageError::corrupted("table id counter", 0).into()),
        None => None,
    };
    Ok(Catalog::from_parts(defs, next_id))
}

/// A wall clock: seconds since the Unix epoch.
pub type Clock = fn() -> f64;

static CLOCK: RwLock<Option<Clock>> = RwLock::new(None);

/// Replace the wall clock (the browser build installs `Date.now()`; tests
/// may freeze time). Without one, `std::time::SystemTime` is used where the
/// platform has it, and 0 elsewhere.
pub fn set_clock(clock: Clock) {
    *CLOCK.write().unwrap_or_else(|e| e.into_inner()) = Some(clock);
}

/// The current time in seconds since the Unix epoch.
pub fn now_seconds() -> f64 {
    match *CLOCK.read().unwrap_or_else(|e| e.into_inner()) {
        Some(clock) => clock(),
        None => system_now(),
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn system_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The browser build has no system clock; it installs one with [`set_clock`].
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn system_now() -> f64 {
    0.0
}
