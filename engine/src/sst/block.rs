//! Sorted key/value blocks: the unit of SST reads, caching and compression.
//!
//! ```text
//! entry:    shared key bytes (varint) | unshared key bytes (varint)
//!           | value tag (varint: 0 = tombstone, n + 1 = value of n bytes)
//!           | key suffix (unshared bytes) | value
//! block:    entry* | restart offset (u32 LE)* | restart count (u32 LE)
//! ```
//!
//! Every `interval`-th entry is a *restart*: it stores its whole key
//! (`shared` = 0) and its offset goes into the restart array, so a lookup
//! binary-searches the restarts and then scans at most `interval` entries.
//! Keys in between share their prefix with the previous key, which keeps
//! blocks of similar keys (DynamoDB items of one table share a long prefix)
//! compact. Index blocks use the same format with an interval of 1.
//!
//! Iteration does not allocate per entry: the forward cursor rebuilds keys in
//! one reused buffer; the reverse cursor decodes one restart group at a time
//! into a reused arena and walks it backwards.

use crate::codec::{compare_keys, get_varint, le_u32, put_varint};
use crate::error::StorageError;
use std::cmp::Ordering;
use std::sync::Arc;

/// Builds one block.
pub struct BlockBuilder {
    buf: Vec<u8>,
    restarts: Vec<u32>,
    interval: usize,
    count: usize,
    last_key: Vec<u8>,
}

impl BlockBuilder {
    pub fn new(interval: usize) -> Self {
        BlockBuilder { buf: Vec::with_capacity(8 << 10), restarts: Vec::new(), interval: interval.max(1), count: 0, last_key: Vec::new() }
    }

    /// Append an entry; keys must arrive in strictly ascending order.
    pub fn add(&mut self, key: &[u8], value: Option<&[u8]>) {
        let shared = if self.count % self.interval == 0 {
            self.restarts.push(self.buf.len() as u32);
            0
        } else {
            key.iter().zip(self.last_key.iter()).take_while(|(a, b)| a == b).count()
        };
        put_varint(&mut self.buf, shared as u64);
        put_varint(&mut self.buf, (key.len() - shared) as u64);
        match value {
            None => put_varint(&mut self.buf, 0),
            Some(v) => put_varint(&mut self.buf, v.len() as u64 + 1),
        }
        self.buf.extend_from_slice(&key[shared..]);
        if let Some(v) = value {
            self.buf.extend_from_slice(v);
        }
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.count += 1;
    }

    /// Encoded size if finished now.
    pub fn size(&self) -> usize {
        self.buf.len() + 4 * self.restarts.len() + 4
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn last_key(&self) -> &[u8] {
        &self.last_key
    }

    /// The finished block; the builder is reset for the next one.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        for r in &self.restarts {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&(self.restarts.len() as u32).to_le_bytes());
        self.restarts.clear();
        self.count = 0;
        self.buf = Vec::with_capacity(out.capacity());
        out
    }
}

/// A decoded (plain) block, shareable between readers and the cache.
#[derive(Clone)]
pub struct Block {
    data: Arc<[u8]>,
    /// Offset of the restart array (= end of the entries).
    restarts_at: usize,
    restarts: usize,
    /// For error messages: the block's file offset.
    file_offset: u64,
}

/// One decoded entry: where its key suffix and value live.
struct Entry {
    shared: usize,
    suffix: (usize, usize),
    value: Option<(usize, usize)>,
    end: usize,
}

impl Block {
    pub fn parse(data: Arc<[u8]>, file_offset: u64) -> Result<Block, StorageError> {
        let bad = |d: &str| StorageError::corrupted(format!("SST block: {d}"), file_offset);
        if data.len() < 4 {
            return Err(bad("too short"));
        }
        let restarts = le_u32(&data, data.len() - 4) as usize;
        let array = restarts.checked_mul(4).and_then(|n| n.checked_add(4)).filter(|&n| n <= data.len());
        let Some(array) = array else { return Err(bad("restart array past end")) };
        if restarts == 0 {
            return Err(bad("no entries"));
        }
        let restarts_at = data.len() - array;
        let block = Block { data, restarts_at, restarts, file_offset };
        for i in 0..restarts {
            if block.restart(i) >= restarts_at {
                return Err(bad("restart offset past entries"));
            }
        }
        Ok(block)
    }

    fn restart(&self, i: usize) -> usize {
        le_u32(&self.data, self.restarts_at + 4 * i) as usize
    }

    fn corrupt(&self, at: usize) -> StorageError {
        StorageError::corrupted("SST block: malformed entry", self.file_offset + at as u64)
    }

    fn entry(&self, at: usize) -> Result<Entry, StorageError> {
        let d = &self.data[..self.restarts_at];
        let mut pos = at;
        let (Some(shared), Some(unshared), Some(tag)) =
            (get_varint(d, &mut pos), get_varint(d, &mut pos), get_varint(d, &mut pos))
        else {
            return Err(self.corrupt(at));
        };
        let key_end = pos.checked_add(unshared as usize).filter(|&e| e <= d.len()).ok_or_else(|| self.corrupt(at))?;
        let suffix = (pos, key_end);
        let (value, end) = if tag == 0 {
            (None, key_end)
        } else {
            let vend = key_end.checked_add(tag as usize - 1).filter(|&e| e <= d.len()).ok_or_else(|| self.corrupt(at))?;
            (Some((key_end, vend)), vend)
        };
        Ok(Entry { shared: shared as usize, suffix, value, end })
    }

    /// The full key of restart `i` (restarts share nothing).
    fn restart_key(&self, i: usize) -> Result<&[u8], StorageError> {
        let at = self.restart(i);
        let e = self.entry(at)?;
        if e.shared != 0 {
            return Err(self.corrupt(at));
        }
        Ok(&self.data[e.suffix.0..e.suffix.1])
    }

    /// Number of restarts (for index blocks: number of entries).
    pub fn restarts(&self) -> usize {
        self.restarts
    }

    /// Key and value of restart `i` (index blocks: entry `i`).
    pub fn restart_entry(&self, i: usize) -> Result<(&[u8], Option<&[u8]>), StorageError> {
        let at = self.restart(i);
        let e = self.entry(at)?;
        if e.shared != 0 {
            return Err(self.corrupt(at));
        }
        Ok((&self.data[e.suffix.0..e.suffix.1], e.value.map(|(s, e)| &self.data[s..e])))
    }

    /// The entry whose key is exactly `target`: `Some(value)`, the value a
    /// byte range of the block (see [`Block::slice`]) or `None` for a
    /// tombstone. Point lookups take this path rather than a cursor: it
    /// compares each key with `target` as it decodes it, carrying over how
    /// many bytes the previous key shared with `target`, so it never
    /// rebuilds a key (no buffer, no copy).
    pub fn find(&self, target: &[u8]) -> Result<Option<Option<(usize, usize)>>, StorageError> {
        let r = self.restarts_past(target, false)?;
        let mut at = self.restart(r.saturating_sub(1));
        // Every key passed so far is below `target`; the last one agrees with
        // it on `matched` bytes and is `prev_len` bytes long.
        let (mut matched, mut prev_len) = (0, 0);
        while at < self.restarts_at {
            let e = self.entry(at)?;
            if e.shared > prev_len {
                return Err(self.corrupt(at));
            }
            let suffix = &self.data[e.suffix.0..e.suffix.1];
            prev_len = e.shared + suffix.len();
            // A key that keeps more of the previous key than the previous
            // key had in common with `target` is below `target` as well.
            if e.shared <= matched {
                let rest = &target[e.shared..];
                let l = suffix.iter().zip(rest).take_while(|(a, b)| a == b).count();
                matched = e.shared + l;
                match (l == suffix.len(), l == rest.len()) {
                    (true, true) => return Ok(Some(e.value)),
                    (false, true) => return Ok(None),
                    (false, false) if suffix[l] > rest[l] => return Ok(None),
                    _ => {}
                }
            }
            at = e.end;
        }
        Ok(None)
    }

    /// The bytes of a range [`Block::find`] returned.
    pub fn slice(&self, (start, end): (usize, usize)) -> &[u8] {
        &self.data[start..end]
    }

    /// Index of the first restart whose key is greater than `target`.
    fn restarts_past(&self, target: &[u8], inclusive: bool) -> Result<usize, StorageError> {
        let (mut lo, mut hi) = (0, self.restarts);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let ord = compare_keys(self.restart_key(mid)?, target);
            let before = ord == Ordering::Less || (inclusive && ord == Ordering::Equal);
            if before {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }
}

/// A cursor over one block, forward or backward.
pub struct BlockIter {
    block: Block,
    key: Vec<u8>,
    value: Option<(usize, usize)>,
    /// Forward: offset of the entry after the current one; `usize::MAX` once exhausted.
    next: usize,
    valid: bool,
    // Reverse state: the current restart group decoded into an arena.
    group: usize,
    arena: Vec<u8>,
    stack: Vec<(usize, usize, Option<(usize, usize)>)>,
}

impl BlockIter {
    pub fn new(block: Block) -> Self {
        BlockIter { block, key: Vec::new(), value: None, next: 0, valid: false, group: 0, arena: Vec::new(), stack: Vec::new() }
    }

    pub fn valid(&self) -> bool {
        self.valid
    }

    /// The current key (forward cursors) — see [`BlockIter::rev_key`] for reverse.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    pub fn value(&self) -> Option<&[u8]> {
        self.value.map(|(s, e)| &self.block.data[s..e])
    }

    fn load(&mut self, at: usize) -> Result<(), StorageError> {
        if at >= self.block.restarts_at {
            self.valid = false;
            return Ok(());
        }
        let e = self.block.entry(at)?;
        if e.shared > self.key.len() {
            return Err(self.block.corrupt(at));
        }
        self.key.truncate(e.shared);
        self.key.extend_from_slice(&self.block.data[e.suffix.0..e.suffix.1]);
        self.value = e.value;
        self.next = e.end;
        self.valid = true;
        Ok(())
    }

    pub fn seek_to_first(&mut self) -> Result<(), StorageError> {
        self.key.clear();
        self.load(0)
    }

    /// Position at the first entry with key >= `target` (invalid if none).
    pub fn seek_ge(&mut self, target: &[u8]) -> Result<(), StorageError> {
        let r = self.block.restarts_past(target, false)?;
        let start = self.block.restart(r.saturating_sub(1));
        self.key.clear();
        self.load(start)?;
        while self.valid && compare_keys(&self.key, target).is_lt() {
            self.advance()?;
        }
        Ok(())
    }

    pub fn advance(&mut self) -> Result<(), StorageError> {
        let at = self.next;
        self.load(at)
    }

    // ---- reverse ----

    fn load_group(&mut self, group: usize) -> Result<(), StorageError> {
        self.group = group;
        self.arena.clear();
        self.stack.clear();
        let mut at = self.block.restart(group);
        let end = if group + 1 < self.block.restarts { self.block.restart(group + 1) } else { self.block.restarts_at };
        let mut prev_start = 0usize;
        while at < end {
            let e = self.block.entry(at)?;
            let prev_len = self.stack.last().map(|&(s, l, _)| l - s).unwrap_or(0);
            if e.shared > prev_len {
                return Err(self.block.corrupt(at));
            }
            let start = self.arena.len();
            self.arena.extend_from_within(prev_start..prev_start + e.shared);
            self.arena.extend_from_slice(&self.block.data[e.suffix.0..e.suffix.1]);
            self.stack.push((start, self.arena.len(), e.value));
            prev_start = start;
            at = e.end;
        }
        Ok(())
    }

    fn settle_rev(&mut self) {
        match self.stack.last() {
            Some(&(_, _, v)) => {
                self.value = v;
                self.valid = true;
            }
            None => self.valid = false,
        }
    }

    /// The current key of a reverse cursor.
    pub fn rev_key(&self) -> &[u8] {
        match self.stack.last() {
            Some(&(s, e, _)) => &self.arena[s..e],
            None => &[],
        }
    }

    pub fn seek_to_last(&mut self) -> Result<(), StorageError> {
        self.load_group(self.block.restarts - 1)?;
        self.settle_rev();
        Ok(())
    }

    /// Position at the last entry with key <= `target` (invalid if none).
    pub fn seek_le(&mut self, target: &[u8]) -> Result<(), StorageError> {
        let r = self.block.restarts_past(target, true)?;
        if r == 0 {
            self.stack.clear();
            self.valid = false;
            return Ok(());
        }
        self.load_group(r - 1)?;
        while let Some(&(s, e, _)) = self.stack.last() {
            if compare_keys(&self.arena[s..e], target).is_gt() {
                self.stack.pop();
            } else {
                break;
            }
        }
        self.settle_rev();
        Ok(())
    }

    pub fn prev(&mut self) -> Result<(), StorageError> {
        self.stack.pop();
        if self.stack.is_empty() && self.group > 0 {
            self.load_group(self.group - 1)?;
        }
        self.settle_rev();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(n: usize, interval: usize) -> (Block, Vec<(Vec<u8>, Option<Vec<u8>>)>) {
        let mut b = BlockBuilder::new(interval);
        let mut entries = Vec::new();
        for i in 0..n {
            let key = format!("key{:05}", i * 2).into_bytes();
            let value = if i % 5 == 3 { None } else { Some(format!("v{i}").into_bytes()) };
            b.add(&key, value.as_deref());
            entries.push((key, value));
        }
        (Block::parse(Arc::from(b.finish()), 0).unwrap(), entries)
    }

    #[test]
    fn forward_and_reverse_iteration_see_every_entry() {
        for interval in [1, 3, 16] {
            let (block, entries) = build(100, interval);
            let mut it = BlockIter::new(block.clone());
            it.seek_to_first().unwrap();
            let mut seen = Vec::new();
            while it.valid() {
                seen.push((it.key().to_vec(), it.value().map(|v| v.to_vec())));
                it.advance().unwrap();
            }
            assert_eq!(seen, entries);
            let mut it = BlockIter::new(block);
            it.seek_to_last().unwrap();
            let mut back = Vec::new();
            while it.valid() {
                back.push((it.rev_key().to_vec(), it.value().map(|v| v.to_vec())));
                it.prev().unwrap();
            }
            back.reverse();
            assert_eq!(back, entries);
        }
    }

    #[test]
    fn seeks_land_on_the_right_entry() {
        let (block, _) = build(50, 4);
        let mut it = BlockIter::new(block.clone());
        it.seek_ge(b"key00011").unwrap();
        assert_eq!(it.key(), b"key00012");
        it.seek_ge(b"key00012").unwrap();
        assert_eq!(it.key(), b"key00012");
        it.seek_ge(b"zzz").unwrap();
        assert!(!it.valid());
        it.seek_ge(b"").unwrap();
        assert_eq!(it.key(), b"key00000");
        let mut it = BlockIter::new(block);
        it.seek_le(b"key00011").unwrap();
        assert_eq!(it.rev_key(), b"key00010");
        it.seek_le(b"key00012").unwrap();
        assert_eq!(it.rev_key(), b"key00012");
        it.seek_le(b"a").unwrap();
        assert!(!it.valid());
        it.seek_le(b"zzz").unwrap();
        assert_eq!(it.rev_key(), b"key00098");
    }

    #[test]
    fn find_agrees_with_a_cursor_seek() {
        for interval in [1, 3, 16] {
            let (block, entries) = build(100, interval);
            for (key, value) in &entries {
                let found = block.find(key).unwrap().unwrap_or_else(|| panic!("{key:?} not found"));
                assert_eq!(found.map(|r| block.slice(r).to_vec()), value.clone());
            }
            for probe in [&b""[..], b"a", b"key", b"key00001", b"key00099", b"key0001", b"key000010", b"key00198x", b"zzz"] {
                assert_eq!(block.find(probe).unwrap(), None, "{:?}", String::from_utf8_lossy(probe));
            }
        }
        // Keys that are prefixes of one another.
        let mut b = BlockBuilder::new(4);
        let keys: [&[u8]; 6] = [b"a", b"ab", b"abc", b"abd", b"b", b"ba"];
        for k in keys {
            b.add(k, Some(k));
        }
        let block = Block::parse(Arc::from(b.finish()), 0).unwrap();
        for k in keys {
            assert_eq!(block.find(k).unwrap().map(|v| block.slice(v.unwrap()).to_vec()), Some(k.to_vec()));
        }
        for k in [&b"aa"[..], b"abb", b"abe", b"b\0", b"bb", b"c"] {
            assert_eq!(block.find(k).unwrap(), None);
        }
    }

    #[test]
    fn damaged_blocks_are_errors_not_panics() {
        let (block, _) = build(20, 4);
        let bytes = block.data.to_vec();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut d = bytes.clone();
                d[i] ^= flip;
                if let Ok(b) = Block::parse(Arc::from(d), 0) {
                    let _ = b.find(b"key00010");
                    let mut it = BlockIter::new(b.clone());
                    let _ = it.seek_ge(b"key00010");
                    let mut it = BlockIter::new(b);
                    if it.seek_to_last().is_ok() {
                        while it.valid() {
                            if it.prev().is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        }
    }
}
