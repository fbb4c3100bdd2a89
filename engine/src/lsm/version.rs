//! A `Version`: the SSTs of every level at one moment, swapped whole.
//!
//! Level 0 holds flushed memtables, newest first, possibly overlapping.
//! Levels 1 and deeper each hold non-overlapping SSTs sorted by key. Readers
//! take an `Arc<Version>`; a flush or compaction builds a new `Version` and
//! replaces the tree's pointer, so a reader never sees half of a change, and
//! the `Arc<SstReader>`s it holds keep the SSTs it reads from being freed.

use super::compaction::SstSummary;
use super::merge::{RunSource, Source};
use crate::error::StorageError;
use crate::sst::reader::{Fill, Found, SstReader};
use std::ops::Bound;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Version {
    pub levels: Vec<Vec<Arc<SstReader>>>,
}

impl Version {
    pub fn new(levels: usize) -> Self {
        Version { levels: vec![Vec::new(); levels] }
    }

    /// The newest entry for `key` in any SST (its value is `None` for a
    /// tombstone), lent from the block holding it.
    pub fn lookup(&self, key: &[u8], hash: u64) -> Result<Option<Found>, StorageError> {
        for sst in &self.levels[0] {
            if let Some(found) = sst.lookup(key, hash)? {
                return Ok(Some(found));
            }
        }
        for level in &self.levels[1..] {
            let i = level.partition_point(|s| s.meta.last_key.as_slice() < key);
            if let Some(sst) = level.get(i) {
                if let Some(found) = sst.lookup(key, hash)? {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// Sources for a scan of `[lower, upper]`, newest first, skipping SSTs
    /// entirely outside the range.
    pub fn sources<'a>(
        &self,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> Result<Vec<Box<dyn Source + 'a>>, StorageError> {
        let inside = |s: &Arc<SstReader>| {
            let above = match lower {
                Bound::Unbounded => true,
                Bound::Included(l) | Bound::Excluded(l) => s.meta.last_key.as_slice() >= l,
            };
            let below = match upper {
                Bound::Unbounded => true,
                Bound::Included(u) | Bound::Excluded(u) => s.meta.first_key.as_slice() <= u,
            };
            above && below
        };
        let start = if reverse { upper } else { lower };
        let mut out: Vec<Box<dyn Source + 'a>> = Vec::new();
        for sst in self.levels[0].iter().filter(|s| inside(s)) {
            out.push(Box::new(RunSource::new(vec![Arc::clone(sst)], start, reverse, Fill::Yes)?));
        }
        for level in &self.levels[1..] {
            let run: Vec<Arc<SstReader>> = level.iter().filter(|s| inside(s)).cloned().collect();
            if !run.is_empty() {
                out.push(Box::new(RunSource::new(run, start, reverse, Fill::Yes)?));
            }
        }
        Ok(out)
    }

    /// What the compaction policy needs to know, per level.
    pub fn summary(&self) -> Vec<Vec<SstSummary<'_>>> {
        self.levels
            .iter()
            .map(|level| {
                level
                    .iter()
                    .map(|s| SstSummary {
                        id: s.meta.id,
                        bytes: s.meta.extent.len,
                        tombstones: s.meta.tombstones,
                        first: &s.meta.first_key,
                        last: &s.meta.last_key,
                    })
                    .collect()
            })
            .collect()
    }

    pub fn all(&self) -> impl Iterator<Item = (usize, &Arc<SstReader>)> {
        self.levels.iter().enumerate().flat_map(|(l, ssts)| ssts.iter().map(move |s| (l, s)))
    }
}
