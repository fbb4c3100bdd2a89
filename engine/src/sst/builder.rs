//! Writing an SST: entries in ascending key order in, the SST's bytes and its
//! [`SstMeta`] out.
//!
//! The builder frames blocks into a buffer and hands them out in order
//! ([`SstBuilder::drain`]) for the caller to write as the SST grows, so an
//! SST being built holds one block, the pending bytes, the index block and
//! one hash per key in memory, not the whole SST (`lsm/output.rs` streams
//! them into the SST's extent). A crash mid-build leaves only bytes in an
//! extent that nothing references, never a half-referenced SST: the SST
//! becomes live only when a manifest naming it is committed.

use super::block::BlockBuilder;
use super::index::encode_handle;
use super::{bloom, BlockHandle, SstMeta};
use crate::codec::hash64;
use crate::layout::extent::Extent;
use crate::error::StorageError;
use crate::layout::seal::{aad, BlockCodec, TRAILER};

/// Uncompressed size at which a data block is closed.
pub const BLOCK_BYTES: usize = 4096;
const RESTART_INTERVAL: usize = 16;

pub struct SstBuilder<'a> {
    codec: &'a BlockCodec,
    id: u64,
    /// Framed bytes not yet drained; they start at offset `drained` of the SST.
    out: Vec<u8>,
    drained: u64,
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
            out: Vec::with_capacity(64 << 10),
            drained: 0,
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
        let offset = self.offset();
        self.codec.encode(&aad(self.id, offset), &plain, true, &mut self.out)?;
        let handle = BlockHandle { offset, len: self.offset() - offset };
        let mut v = Vec::with_capacity(12);
        encode_handle(&mut v, handle);
        self.index.add(&last_key, Some(&v));
        self.last_key = last_key;
        Ok(())
    }

    /// Offset in the SST of the next framed byte.
    fn offset(&self) -> u64 {
        self.drained + self.out.len() as u64
    }

    /// Bytes the SST would take if finished now (before index and bloom).
    pub fn size(&self) -> usize {
        self.offset() as usize + self.block.size()
    }

    /// Framed bytes waiting to be drained.
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    /// Hand the framed bytes built so far to `write(offset in the SST, bytes)`;
    /// successive calls continue where the previous one ended.
    pub fn drain(&mut self, write: &mut dyn FnMut(u64, &[u8]) -> Result<(), StorageError>) -> Result<(), StorageError> {
        if !self.out.is_empty() {
            write(self.drained, &self.out)?;
            self.drained += self.out.len() as u64;
            self.out.clear();
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// An upper bound of the finished SST's size if `key` (with a value of
    /// `value_len` bytes, `None` for a tombstone) were added next: for
    /// building an SST that must fit a given extent. Counts the open block
    /// with the entry, one more index entry, the bloom filter for one more
    /// key, and the most framing (length varint, CRC, seal) each block can
    /// take; compression only ever makes a block smaller.
    pub fn size_with(&self, key: &[u8], value_len: Option<usize>) -> u64 {
        let frame = 1 + 10 + TRAILER + self.codec.sealer.as_ref().map_or(0, |s| s.overhead());
        // Three varints, the restart slot the entry may open, the bytes.
        let entry = 3 * 10 + 4 + key.len() + value_len.unwrap_or(0);
        let data = self.size() + entry + frame;
        let index = self.index.size() + 2 * 10 + 4 + key.len() + 2 * 10 + frame;
        let bloom = bloom::encoded_len(self.entries as usize + 1) + frame;
        (data + index + bloom) as u64
    }

    /// Finish: the index and bloom blocks, the remaining bytes handed to
    /// `write` as with [`SstBuilder::drain`], and the SST's metadata for an
    /// SST stored at `extent` (filled in by the caller; see [`SstMeta`]).
    pub fn finish(mut self, write: &mut dyn FnMut(u64, &[u8]) -> Result<(), StorageError>) -> Result<SstMeta, StorageError> {
        self.finish_block()?;
        let bloom_offset = self.offset();
        let filter = bloom::build(&self.hashes);
        self.codec.encode(&aad(self.id, bloom_offset), &filter, false, &mut self.out)?;
        let bloom = BlockHandle { offset: bloom_offset, len: self.offset() - bloom_offset };
        let index_offset = self.offset();
        let index_plain = self.index.finish();
        self.codec.encode(&aad(self.id, index_offset), &index_plain, false, &mut self.out)?;
        let index = BlockHandle { offset: index_offset, len: self.offset() - index_offset };
        self.drain(write)?;
        Ok(SstMeta {
            id: self.id,
            extent: Extent { offset: 0, len: 0 },
            index,
            bloom,
            entries: self.entries,
            tombstones: self.tombstones,
            raw_bytes: self.raw_bytes,
            first_key: self.first_key.take().unwrap_or_default(),
            last_key: std::mem::take(&mut self.last_key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drained_bytes_form_the_whole_sst_and_size_with_bounds_it() {
        let codec = BlockCodec::plain();
        let mut builder = SstBuilder::new(&codec, 3);
        let mut sst = Vec::new();
        let mut write = |at: u64, bytes: &[u8]| {
            assert_eq!(at as usize, sst.len(), "drained out of order");
            sst.extend_from_slice(bytes);
            Ok(())
        };
        let mut bound = 0;
        for i in 0..2000u32 {
            let key = format!("key{i:06}").into_bytes();
            let value = vec![i as u8; (i % 300) as usize];
            let tomb = i % 7 == 0;
            bound = builder.size_with(&key, (!tomb).then_some(value.len()));
            builder.add(&key, (!tomb).then_some(value.as_slice())).unwrap();
            if i % 50 == 0 {
                builder.drain(&mut write).unwrap();
            }
        }
        let meta = builder.finish(&mut write).unwrap();
        assert_eq!(meta.index.offset + meta.index.len, sst.len() as u64);
        assert!(sst.len() as u64 <= bound, "{} > bound {bound}", sst.len());
        assert!(bound - sst.len() as u64 <= 200, "bound {bound} far above {}", sst.len());
        assert_eq!(meta.entries, 2000);
    }
}
