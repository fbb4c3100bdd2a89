//! The memtable: the newest writes, in key order, until they are flushed to
//! an SST once they reach `DatabaseConfig::memtable_bytes`.
//!
//! A `BTreeMap` from key to value or tombstone. Entries carry no seqno: the
//! tree orders its sources (memtable, then L0 newest first, then L1, L2, ...)
//! so the first source holding a key has its newest version. The byte count
//! is keys + values + [`ENTRY_OVERHEAD`] per entry, close to real heap use, so
//! `memtable_bytes` bounds the memory the memtable really takes.

use std::collections::BTreeMap;
use std::ops::Bound;

/// Heap bytes per entry besides the key's and value's own bytes: the
/// entry's slot in a B-tree node (two `Vec` headers, 48 bytes, in nodes that
/// are on average about two thirds full: ~72) and malloc's header and
/// rounding for the key's and the value's allocations (~28).
const ENTRY_OVERHEAD: usize = 100;

#[derive(Default)]
pub struct Memtable {
    map: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    bytes: usize,
    tombstones: usize,
}

impl Memtable {
    pub fn insert(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let new_len = value.as_ref().map_or(0, |v| v.len());
        let new_tomb = usize::from(value.is_none());
        match self.map.entry(key) {
            std::collections::btree_map::Entry::Occupied(mut e) => {
                // The key and the overhead were counted on first insert; only
                // the value changes.
                let old = e.insert(value);
                self.bytes = self.bytes - old.as_ref().map_or(0, |v| v.len()) + new_len;
                self.tombstones = self.tombstones + new_tomb - usize::from(old.is_none());
            }
            std::collections::btree_map::Entry::Vacant(e) => {
                self.bytes += e.key().len() + new_len + ENTRY_OVERHEAD;
                self.tombstones += new_tomb;
                e.insert(value);
            }
        }
    }

    /// `Some(None)` is a tombstone; `None` means "not here, look deeper".
    pub fn get(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.map.get(key).map(|v| v.as_deref())
    }

    pub fn range<'a>(
        &'a self,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> std::collections::btree_map::Range<'a, Vec<u8>, Option<Vec<u8>>> {
        // BTreeMap::range panics on inverted or equal-excluded bounds; callers
        // check with `bounds_are_empty` first.
        self.map.range::<[u8], _>((lower, upper))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Option<Vec<u8>>)> {
        self.map.iter()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn tombstones(&self) -> usize {
        self.tombstones
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
        self.tombstones = 0;
    }
}

/// True when no key can satisfy both bounds (where `BTreeMap::range` would panic).
pub fn bounds_are_empty(lower: Bound<&[u8]>, upper: Bound<&[u8]>) -> bool {
    match (lower, upper) {
        (Bound::Included(l), Bound::Included(u)) => l > u,
        (Bound::Included(l) | Bound::Excluded(l), Bound::Excluded(u)) | (Bound::Excluded(l), Bound::Included(u)) => l >= u,
        _ => false,
    }
}
