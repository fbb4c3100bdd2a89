//! The block index of an SST: one entry per data block, keyed by the block's
//! last key, valued by its handle.
//!
//! ```text
//! index entry value:  block offset in the SST (varint) | framed block length (varint)
//! ```
//!
//! It is an ordinary block (see [`block`](super::block)) with a restart at
//! every entry. Loaded once per SST and kept, decoded, while the SST is live:
//! the last keys side by side in one buffer and the handles in an array, so
//! finding the block that may hold a key is one binary search over plain
//! slices, with no varint decoding on the way (every get and seek does it).

use super::block::Block;
use super::BlockHandle;
use crate::codec::{compare_keys, get_varint, put_varint};
use crate::error::StorageError;

pub fn encode_handle(out: &mut Vec<u8>, h: BlockHandle) {
    put_varint(out, h.offset);
    put_varint(out, h.len);
}

/// A loaded index.
pub struct Index {
    /// Every block's last key, back to back.
    keys: Vec<u8>,
    /// End of block `i`'s key in `keys`.
    ends: Vec<u32>,
    handles: Vec<BlockHandle>,
}

impl Index {
    /// Decode the index block found at file offset `offset`.
    pub fn new(block: &Block, offset: u64) -> Result<Self, StorageError> {
        let bad = || StorageError::corrupted("SST index: bad block handle", offset);
        let count = block.restarts();
        let mut index = Index { keys: Vec::new(), ends: Vec::with_capacity(count), handles: Vec::with_capacity(count) };
        for i in 0..count {
            let (key, value) = block.restart_entry(i)?;
            let v = value.ok_or_else(bad)?;
            let mut pos = 0;
            let offset = get_varint(v, &mut pos).ok_or_else(bad)?;
            let len = get_varint(v, &mut pos).ok_or_else(bad)?;
            index.keys.extend_from_slice(key);
            index.ends.push(u32::try_from(index.keys.len()).map_err(|_| bad())?);
            index.handles.push(BlockHandle { offset, len });
        }
        Ok(index)
    }

    /// Bytes this index keeps in memory (charged to the cache budget).
    pub fn bytes(&self) -> usize {
        self.keys.capacity() + 4 * self.ends.capacity() + std::mem::size_of::<BlockHandle>() * self.handles.capacity()
    }

    /// Number of data blocks.
    pub fn count(&self) -> usize {
        self.handles.len()
    }

    fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.keys[start..self.ends[i] as usize]
    }

    /// The handle of data block `i`.
    pub fn handle(&self, i: usize) -> Result<BlockHandle, StorageError> {
        self.handles.get(i).copied().ok_or_else(|| StorageError::corrupted("SST index: block number out of range", 0))
    }

    /// The first block whose last key is `>= key` (`count()` if none).
    pub fn find(&self, key: &[u8]) -> Result<usize, StorageError> {
        let (mut lo, mut hi) = (0, self.count());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if compare_keys(self.key(mid), key).is_lt() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }
}
