//! Writing an SST: entries in ascending key order in, the SST's bytes and its
//! [`SstMeta`] out.
//!
//! The whole SST is assembled in memory (its size is bounded by the target
//! SST size, about one memtable) and then written with one large sequential
//! write, which suits OPFS and disks alike and means a crash can only leave an
//! unreferenced extent behind, never a half-referenced SST.

use super::block::BlockBuilder;
use super::index::encode_handle;
use super::{bloom, BlockHandle, SstMeta};
use crate::codec::hash64;
use crate::layout::extent::Extent;
use crate::error::StorageError;
use crate::layout::seal::{aad, BlockCodec};

/// Uncompressed size at which a data block is closed.
pub const BLOCK_BYTES: usize = 4096;
const RESTART_INTERVAL: usize = 16;

pub struct SstBuilder<'a> {
    codec: &'a BlockCodec,
    id: u64,
    out: Vec<u8>,
    block: BlockBuilder,
    index: BlockBuilder,
    hashes: Vec<u64>,
    first_key: Option<Vec<u8>>,
    entries: u64,
    tombstones: u64,
    raw_bytes: u64,
    last_key: Vec<u8>,
}

impl<'a> SstBuilder<'a> {
    pub fn new(codec: &'a BlockCodec, id: u64) -> Self {
        SstBuilder {
            codec,
            id,
            out: Vec::with_capacity(1 << 20),
            block: BlockBuilder::new(RESTART_INTERVAL),
            index: BlockBuilder::new(1),
            hashes: Vec::new(),
            first_key: None,
            entries: 0,
            tombstones: 0,
            raw_bytes: 0,
            last_key: Vec::new(),
        }
    }

    /// Add an entry (`None`: tombstone); keys strictly ascending.
    pub fn add(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), StorageError> {
        if self.first_key.is_none() {
            self.first_key = Some(key.to_vec());
        }
        self.block.add(key, value);
        self.hashes.push(hash64(key));
        self.entries += 1;
        self.raw_bytes += (key.len() + value.map_or(0, |v| v.len())) as u64;
        if value.is_none() {
            self.tombstones += 1;
        }
        if self.block.size() >= BLOCK_BYTES {
            self.finish_block()?;
        }
        Ok(())
    }

    fn finish_block(&mut self) -> Result<(), StorageError> {
        if self.block.is_empty() {
            return Ok(());
        }
        let last_key = self.block.last_key().to_vec();
        let plain = self.block.finish();
        let offset = self.out.len() as u64;
        self.codec.encode(&aad(self.id, offset), &plain, true, &mut self.out)?;
        let handle = BlockHandle { offset, len: self.out.len() as u64 - offset };
        let mut v = Vec::with_capacity(12);
        encode_handle(&mut v, handle);
        self.index.add(&last_key, Some(&v));
        self.last_key = last_key;
        Ok(())
    }

    /// Bytes the SST would take if finished now (before index and bloom).
    pub fn size(&self) -> usize {
        self.out.len() + self.block.size()
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Finish: the SST's bytes, and its metadata for an SST to be stored at
    /// `extent` (filled in by the caller once allocated; see [`SstMeta`]).
    pub fn finish(mut self) -> Result<(Vec<u8>, SstMeta), StorageError> {
        self.finish_block()?;
        let bloom_offset = self.out.len() as u64;
        let filter = bloom::build(&self.hashes);
        self.codec.encode(&aad(self.id, bloom_offset), &filter, false, &mut self.out)?;
        let bloom = BlockHandle { offset: bloom_offset, len: self.out.len() as u64 - bloom_offset };
        let index_offset = self.out.len() as u64;
        let index_plain = self.index.finish();
        self.codec.encode(&aad(self.id, index_offset), &index_plain, false, &mut self.out)?;
        let index = BlockHandle { offset: index_offset, len: self.out.len() as u64 - index_offset };
        let meta = SstMeta {
            id: self.id,
            extent: Extent { offset: 0, len: 0 },
            index,
            bloom,
            entries: self.entries,
            tombstones: self.tombstones,
            raw_bytes: self.raw_bytes,
            first_key: self.first_key.take().unwrap_or_default(),
            last_key: std::mem::take(&mut self.last_key),
        };
        Ok((self.out, meta))
    }
}
