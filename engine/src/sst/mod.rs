//! SSTs: immutable sorted runs of entries, each stored in one extent.
//!
//! ```text
//! SST extent:  data block* | bloom block | index block | (page padding)
//! ```
//!
//! Every block is framed by [`BlockCodec`](crate::layout::seal::BlockCodec)
//! (kind, length, optional zstd for data blocks, optional AEAD, CRC32) with
//! associated data `(SST id, offset of the block in the SST)`. The index block
//! maps the last key of each data block to its handle. There is no footer: the
//! manifest records the handles of the index and bloom blocks and the first and
//! last keys, so opening the database touches no SST at all; the index and
//! the bloom filter of an SST load on its first use.

pub mod block;
pub mod bloom;
pub mod builder;
pub mod index;
pub mod reader;

use crate::layout::extent::Extent;

/// Where a block sits inside its SST, and its framed length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHandle {
    pub offset: u64,
    pub len: u64,
}

/// What the manifest records about one SST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SstMeta {
    pub id: u64,
    pub extent: Extent,
    pub index: BlockHandle,
    pub bloom: BlockHandle,
    pub entries: u64,
    pub tombstones: u64,
    /// Bytes of keys and values before framing.
    pub raw_bytes: u64,
    pub first_key: Vec<u8>,
    pub last_key: Vec<u8>,
}

impl SstMeta {
    /// True if the SST may hold keys in `[first, last]`.
    pub fn overlaps(&self, first: &[u8], last: &[u8]) -> bool {
        self.first_key.as_slice() <= last && first <= self.last_key.as_slice()
    }
}
