//! The block index of an SST: one entry per data block, keyed by the block's
//! last key, valued by its handle.
//!
//! ```text
//! index entry value:  block offset in the SST (varint) | framed block length (varint)
//! ```
//!
//! It is an ordinary block (see [`block`](super::block)) with a restart at
//! every entry, so finding the block that may hold a key is one binary search
//! with no scan. Loaded once per SST and kept while the SST is live.

use super::block::Block;
use super::BlockHandle;
use crate::codec::{get_varint, put_varint};
use crate::error::StorageError;

pub fn encode_handle(out: &mut Vec<u8>, h: BlockHandle) {
    put_varint(out, h.offset);
    put_varint(out, h.len);
}

/// A loaded index.
pub struct Index {
    block: Block,
    offset: u64,
}

impl Index {
    pub fn new(block: Block, offset: u64) -> Self {
        Index { block, offset }
    }

    /// Number of data blocks.
    pub fn count(&self) -> usize {
        self.block.restarts()
    }

    /// The handle of data block `i`.
    pub fn handle(&self, i: usize) -> Result<BlockHandle, StorageError> {
        let (_, value) = self.block.restart_entry(i)?;
        let bad = || StorageError::corrupted("SST index: bad block handle", self.offset);
        let v = value.ok_or_else(bad)?;
        let mut pos = 0;
        let offset = get_varint(v, &mut pos).ok_or_else(bad)?;
        let len = get_varint(v, &mut pos).ok_or_else(bad)?;
        Ok(BlockHandle { offset, len })
    }

    /// The first block whose last key is `>= key` (`count()` if none).
    pub fn find(&self, key: &[u8]) -> Result<usize, StorageError> {
        self.block.restart_search(key, false)
    }
}
