//! One small trait over every key-value store the bench measures, so each
//! case is written once and run against all of them.
//!
//! The trait is the common ground of the stores: atomic batches, point gets,
//! ordered scans in both directions, close. Everything a store does beyond
//! that (its own cache, its own threads) it does inside its adapter, with the
//! settings stated by [`Store::settings`] so that every printed figure can be
//! read with the durability and cache it was measured under.

pub mod kstone;
#[cfg(feature = "native-peers")]
pub mod fjall_store;
#[cfg(feature = "native-peers")]
pub mod redb_store;
#[cfg(feature = "native-peers")]
pub mod sqlite_store;

use std::path::Path;

/// A failure, already turned into text for the report.
pub type Res<T> = Result<T, String>;

/// Turn any displayable error into the bench's error text.
pub fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// An entry to write: key and value, owned (the kstone batch takes them by
/// value; the other stores borrow them).
pub type Kv = (Vec<u8>, Vec<u8>);

/// Block or page cache budget given to every store, in bytes.
pub const CACHE_BYTES: usize = 32 << 20;

/// When a commit is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The store's mode without an fsync per commit.
    Relaxed,
    /// Every commit is synced before it returns.
    Durable,
}

pub trait Store: Sized {
    /// Open the store kept in `dir`, creating it if `dir` is empty.
    fn open(dir: &Path, mode: Mode) -> Res<Self>;
    /// Commit `batch` atomically.
    fn write(&mut self, batch: Vec<Kv>) -> Res<()>;
    /// Call `visit` with the value under `key`, if there is one; returns
    /// whether there was.
    fn get_with(&mut self, key: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<bool>;
    /// The length of the value under `key`, if any (reading it whole).
    fn get(&mut self, key: &[u8]) -> Res<Option<usize>> {
        let mut len = None;
        self.get_with(key, &mut |v| {
            len = Some(v.len());
            Ok(())
        })?;
        Ok(len)
    }
    /// Visit every entry in key order (descending with `reverse`); returns the
    /// count and the sum of the value lengths.
    fn scan(&mut self, reverse: bool) -> Res<(u64, u64)>;
    /// Call `visit` with the value of every entry whose key starts with
    /// `prefix`, in key order; returns how many there were.
    fn scan_prefix(&mut self, prefix: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<u64>;
    /// The store's own idle-time housekeeping, run to its end before the
    /// space after the overwrites is measured. Stores that do their
    /// housekeeping during writes (or never) have nothing to run.
    fn settle(&mut self) -> Res<()> {
        Ok(())
    }
    /// Make everything written durable and release the store.
    fn close(self) -> Res<()>;
    /// What durability and cache this adapter runs with, for the report.
    fn settings(mode: Mode) -> String;
    /// `writers` threads each committing `commits` single durable puts to one
    /// shared store in `dir`: group commit, where the store has it.
    fn concurrent_durable(dir: &Path, writers: u64, commits: u64, make: &(dyn Fn(u64) -> Kv + Sync)) -> Res<()>;
}

/// The keys that end `prefix` and nothing longer: the exclusive upper bound
/// of a prefix scan (`None`: the prefix is all 0xFF, scan to the end).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Bytes of every file under `dir`.
pub fn disk_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(m) if m.is_dir() => total += disk_bytes(&path),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}
