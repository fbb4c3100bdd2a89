//! Merging sorted sources: one cursor trait, a k-way merge, and the range
//! iterator the tree hands out.
//!
//! Sources are ordered newest first (memtable, L0 SSTs newest to oldest, then
//! one run per deeper level). At each step the merge picks the smallest key
//! (largest when reversed) among the sources; on a tie the newest source
//! wins and the same key is skipped in every older source. The merge yields
//! tombstones too — compaction needs them — and [`RangeIter`] drops them.
//!
//! With at most a dozen sources a linear pick beats a heap: no re-sifting,
//! and the common case (one or two sources) is a couple of comparisons.

use super::memtable::Memtable;
use crate::codec::{compare_keys, keys_equal};
use crate::error::StorageError;
use crate::sst::reader::{Fill, SstIter, SstReader};
use std::ops::Bound;
use std::sync::Arc;

/// A positioned cursor moving in one fixed direction.
pub trait Source {
    fn valid(&self) -> bool;
    fn key(&self) -> &[u8];
    /// `None` for a tombstone.
    fn value(&self) -> Option<&[u8]>;
    fn step(&mut self) -> Result<(), StorageError>;
}

/// The memtable as a source.
pub struct MemSource<'a> {
    range: std::collections::btree_map::Range<'a, Vec<u8>, Option<Vec<u8>>>,
    current: Option<(&'a Vec<u8>, &'a Option<Vec<u8>>)>,
    reverse: bool,
}

impl<'a> MemSource<'a> {
    pub fn new(mem: &'a Memtable, lower: Bound<&[u8]>, upper: Bound<&[u8]>, reverse: bool) -> Self {
        let mut range = mem.range(lower, upper);
        let current = if reverse { range.next_back() } else { range.next() };
        MemSource { range, current, reverse }
    }
}

impl Source for MemSource<'_> {
    fn valid(&self) -> bool {
        self.current.is_some()
    }
    fn key(&self) -> &[u8] {
        self.current.map_or(&[], |(k, _)| k.as_slice())
    }
    fn value(&self) -> Option<&[u8]> {
        self.current.and_then(|(_, v)| v.as_deref())
    }
    fn step(&mut self) -> Result<(), StorageError> {
        self.current = if self.reverse { self.range.next_back() } else { self.range.next() };
        Ok(())
    }
}

/// A sorted run of non-overlapping SSTs (one L0 SST, or a whole level).
pub struct RunSource {
    ssts: Vec<Arc<SstReader>>,
    pos: usize,
    cur: Option<SstIter>,
    reverse: bool,
    fill: Fill,
}

impl RunSource {
    /// A run positioned at `bound` (forward: lower bound; reverse: upper).
    pub fn new(ssts: Vec<Arc<SstReader>>, bound: Bound<&[u8]>, reverse: bool, fill: Fill) -> Result<Self, StorageError> {
        let mut run = RunSource { ssts, pos: 0, cur: None, reverse, fill };
        if run.ssts.is_empty() {
            return Ok(run);
        }
        let start = match (reverse, bound) {
            (false, Bound::Unbounded) => Some(0),
            (false, Bound::Included(k) | Bound::Excluded(k)) => {
                Some(run.ssts.partition_point(|s| s.meta.last_key.as_slice() < k))
            }
            (true, Bound::Unbounded) => Some(run.ssts.len() - 1),
            (true, Bound::Included(k) | Bound::Excluded(k)) => {
                run.ssts.partition_point(|s| s.meta.first_key.as_slice() <= k).checked_sub(1)
            }
        };
        if let Some(i) = start.filter(|&i| i < run.ssts.len()) {
            run.open(i, bound)?;
        }
        Ok(run)
    }

    fn open(&mut self, i: usize, bound: Bound<&[u8]>) -> Result<(), StorageError> {
        self.pos = i;
        let mut it = SstIter::new(Arc::clone(&self.ssts[i]), self.reverse, self.fill);
        it.seek(bound)?;
        self.cur = Some(it);
        self.skip_exhausted()
    }

    fn skip_exhausted(&mut self) -> Result<(), StorageError> {
        while self.cur.as_ref().is_some_and(|c| !c.valid()) {
            let next = if self.reverse { self.pos.checked_sub(1) } else { Some(self.pos + 1) };
            match next.filter(|&n| n < self.ssts.len()) {
                Some(n) => {
                    self.pos = n;
                    let mut it = SstIter::new(Arc::clone(&self.ssts[n]), self.reverse, self.fill);
                    it.seek(Bound::Unbounded)?;
                    self.cur = Some(it);
                }
                None => self.cur = None,
            }
        }
        Ok(())
    }
}

impl Source for RunSource {
    fn valid(&self) -> bool {
        self.cur.as_ref().is_some_and(|c| c.valid())
    }
    fn key(&self) -> &[u8] {
        self.cur.as_ref().map_or(&[], |c| c.key())
    }
    fn value(&self) -> Option<&[u8]> {
        self.cur.as_ref().and_then(|c| c.value())
    }
    fn step(&mut self) -> Result<(), StorageError> {
        if let Some(c) = &mut self.cur {
            c.step()?;
        }
        self.skip_exhausted()
    }
}

/// K-way merge of sources, newest first; yields tombstones.
pub struct Merge<'a> {
    sources: Vec<Box<dyn Source + 'a>>,
    reverse: bool,
    current: Option<usize>,
    key: Vec<u8>,
}

impl<'a> Merge<'a> {
    pub fn new(mut sources: Vec<Box<dyn Source + 'a>>, reverse: bool) -> Self {
        // Exhausted sources only cost comparisons; `retain` keeps the
        // newest-first order that breaks ties.
        sources.retain(|s| s.valid());
        let mut m = Merge { sources, reverse, current: None, key: Vec::new() };
        m.pick();
        m
    }

    fn pick(&mut self) {
        if self.sources.len() == 1 {
            self.current = self.sources[0].valid().then_some(0);
            return;
        }
        let mut best: Option<usize> = None;
        for (i, s) in self.sources.iter().enumerate() {
            if !s.valid() {
                continue;
            }
            best = match best {
                None => Some(i),
                Some(b) => {
                    let ord = compare_keys(s.key(), self.sources[b].key());
                    let better = if self.reverse { ord.is_gt() } else { ord.is_lt() };
                    if better {
                        Some(i)
                    } else {
                        Some(b)
                    }
                }
            };
        }
        self.current = best;
    }

    pub fn valid(&self) -> bool {
        self.current.is_some()
    }

    pub fn key(&self) -> &[u8] {
        self.current.map_or(&[], |i| self.sources[i].key())
    }

    pub fn value(&self) -> Option<&[u8]> {
        self.current.and_then(|i| self.sources[i].value())
    }

    /// Move past the current key in every source.
    pub fn advance(&mut self) -> Result<(), StorageError> {
        let Some(cur) = self.current else { return Ok(()) };
        if self.sources.len() == 1 {
            // One source (a settled tree): no ties to skip, no key to copy.
            self.sources[0].step()?;
            self.pick();
            return Ok(());
        }
        self.key.clear();
        self.key.extend_from_slice(self.sources[cur].key());
        let mut exhausted = false;
        for s in &mut self.sources {
            if s.valid() && keys_equal(s.key(), &self.key) {
                s.step()?;
                exhausted |= !s.valid();
            }
        }
        if exhausted {
            self.sources.retain(|s| s.valid());
        }
        self.pick();
        Ok(())
    }
}

/// A key and its value, borrowed from a [`RangeCursor`].
pub type LentEntry<'e> = (&'e [u8], &'e [u8]);

/// The tree's range cursor: live entries inside the bounds, in order, lent
/// out one at a time without copying (see [`RangeCursor::next_entry`]).
pub struct RangeCursor<'a> {
    merge: Option<Merge<'a>>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    /// The entry last lent out is still current: step past it first.
    lent: bool,
    pending_error: Option<StorageError>,
}

impl<'a> RangeCursor<'a> {
    pub fn new(merge: Merge<'a>, lower: Bound<&[u8]>, upper: Bound<&[u8]>, reverse: bool) -> Self {
        RangeCursor {
            merge: Some(merge),
            lower: lower.map(|k| k.to_vec()),
            upper: upper.map(|k| k.to_vec()),
            reverse,
            lent: false,
            pending_error: None,
        }
    }

    pub fn failed(err: StorageError) -> Self {
        RangeCursor { merge: None, lower: Bound::Unbounded, upper: Bound::Unbounded, reverse: false, lent: false, pending_error: Some(err) }
    }

    pub fn empty() -> Self {
        RangeCursor { merge: None, lower: Bound::Unbounded, upper: Bound::Unbounded, reverse: false, lent: false, pending_error: None }
    }

    /// The next live entry, borrowed until the next call. After an error
    /// the cursor is finished.
    pub fn next_entry(&mut self) -> Result<Option<LentEntry<'_>>, StorageError> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        let found = self.seek_live();
        match found {
            Ok(true) => {}
            Ok(false) => {
                self.merge = None;
                return Ok(None);
            }
            Err(e) => {
                self.merge = None;
                return Err(e);
            }
        }
        let Some(merge) = &self.merge else { return Ok(None) };
        self.lent = true;
        Ok(Some((merge.key(), merge.value().unwrap_or_default())))
    }

    /// Move to the next live entry inside the bounds; false at the end.
    fn seek_live(&mut self) -> Result<bool, StorageError> {
        let Some(merge) = &mut self.merge else { return Ok(false) };
        if std::mem::take(&mut self.lent) {
            merge.advance()?;
        }
        while merge.valid() {
            let key = merge.key();
            let past_end = if self.reverse { !above_lower(key, &self.lower) } else { !below_upper(key, &self.upper) };
            if past_end {
                return Ok(false);
            }
            let before_start = if self.reverse { !below_upper(key, &self.upper) } else { !above_lower(key, &self.lower) };
            if !before_start && merge.value().is_some() {
                return Ok(true);
            }
            merge.advance()?;
        }
        Ok(false)
    }
}

/// The tree's range iterator: a [`RangeCursor`] whose entries are copied out.
pub struct RangeIter<'a> {
    cursor: RangeCursor<'a>,
}

impl<'a> RangeIter<'a> {
    pub fn from_cursor(cursor: RangeCursor<'a>) -> Self {
        RangeIter { cursor }
    }
}

fn above_lower(key: &[u8], lower: &Bound<Vec<u8>>) -> bool {
    match lower {
        Bound::Unbounded => true,
        Bound::Included(l) => compare_keys(key, l).is_ge(),
        Bound::Excluded(l) => compare_keys(key, l).is_gt(),
    }
}

fn below_upper(key: &[u8], upper: &Bound<Vec<u8>>) -> bool {
    match upper {
        Bound::Unbounded => true,
        Bound::Included(u) => compare_keys(key, u).is_le(),
        Bound::Excluded(u) => compare_keys(key, u).is_lt(),
    }
}

impl Iterator for RangeIter<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>), StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.cursor.next_entry() {
            Ok(Some((k, v))) => Some(Ok((k.to_vec(), v.to_vec()))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
