//! Reading an SST: lazy index and bloom filter, point lookups and cursors.
//!
//! An [`SstReader`] is created from its manifest record without touching the
//! file; the index and bloom blocks are read and verified on first use and
//! then kept, decoded, while the SST lives (they are small: about 1.25 bytes
//! of bloom per key and one index entry per 4 KiB data block), their bytes
//! charged to the block cache's budget with [`BlockCache::pin`]. Data blocks
//! go through the [`BlockCache`], keyed by `(reader, block offset)`, after
//! they are checked, decrypted and decompressed, so a hit costs no I/O and no
//! decoding. Dropping the reader (the SST left every version and its last
//! cursor is gone) drops its blocks and pins from the cache.
//!
//! Every block's CRC is checked on every read from the file; a damaged block
//! is an error naming the SST, the block kind and its file offset.

use super::block::{Block, BlockIter};
use super::bloom::Bloom;
use super::index::Index;
use super::{BlockHandle, SstMeta};
use crate::cache::BlockCache;
use crate::codec::compare_keys;
use crate::error::StorageError;
use crate::io::FileIo;
use crate::layout::seal::{aad, BlockCodec};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Shared access to the file, the block transform and the cache.
pub struct SstContext {
    pub file: Arc<dyn FileIo>,
    pub codec: Arc<BlockCodec>,
    pub cache: BlockCache,
    /// Names each reader's blocks in the cache; see [`SstReader::cache_id`].
    next_cache_id: AtomicU64,
    /// The framed bytes of the block being read, reused from read to read so
    /// that a cache miss allocates only the decoded block. A reader that
    /// finds it busy (another thread is reading) uses a buffer of its own.
    scratch: Mutex<Vec<u8>>,
}

/// Framed reads up to this size reuse [`SstContext::scratch`]; a larger one
/// (a big index or bloom block) gets its own buffer rather than leaving the
/// scratch buffer that large for the life of the database.
const SCRATCH_LIMIT: usize = 256 << 10;

impl SstContext {
    pub fn new(file: Arc<dyn FileIo>, codec: BlockCodec, cache_bytes: usize) -> SstContext {
        SstContext {
            file,
            codec: Arc::new(codec),
            cache: BlockCache::new(cache_bytes),
            next_cache_id: AtomicU64::new(1),
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// Read `len` framed bytes at `offset` and hand them to `decode`.
    fn with_framed<T>(&self, offset: u64, len: usize, decode: impl FnOnce(&[u8]) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut own = Vec::new();
        let mut guard = if len <= SCRATCH_LIMIT { self.scratch.try_lock().ok() } else { None };
        let buf = match guard.as_deref_mut() {
            Some(shared) => shared,
            None => &mut own,
        };
        buf.resize(len, 0);
        self.file.read_at(offset, buf)?;
        decode(buf)
    }
}

/// Whether a data block read from the file enters the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Gets and scans: the block may be read again.
    Yes,
    /// Compaction: its inputs are about to be deleted, so caching their
    /// blocks would only push out blocks that will be read again.
    No,
}

pub struct SstReader {
    ctx: Arc<SstContext>,
    pub meta: SstMeta,
    /// The file id of this reader's blocks in the cache: unique per reader,
    /// not the SST id, because an SST moved to another extent gets a new
    /// reader while the old one may still be alive, and dropping the old one
    /// must not take the new one's blocks and pins with it.
    cache_id: u64,
    index: OnceLock<Index>,
    bloom: OnceLock<Bloom>,
}

impl SstReader {
    pub fn new(ctx: Arc<SstContext>, meta: SstMeta) -> Self {
        let cache_id = ctx.next_cache_id.fetch_add(1, Ordering::Relaxed);
        SstReader { ctx, meta, cache_id, index: OnceLock::new(), bloom: OnceLock::new() }
    }

    /// The file offset of the block at `h`, once `h` is known to lie inside the SST.
    fn block_offset(&self, h: BlockHandle, what: &'static str) -> Result<u64, StorageError> {
        let file_offset = self.meta.extent.offset + h.offset;
        if h.offset.checked_add(h.len).is_none_or(|end| end > self.meta.extent.len) || h.len > (64 << 20) {
            return Err(StorageError::corrupted(format!("{what}: handle outside SST {}", self.meta.id), file_offset));
        }
        Ok(file_offset)
    }

    /// Read, check and decode the block at `h`.
    pub fn read_plain(&self, h: BlockHandle, what: &'static str) -> Result<Vec<u8>, StorageError> {
        let file_offset = self.block_offset(h, what)?;
        let aad = aad(self.meta.id, h.offset);
        self.ctx.with_framed(file_offset, h.len as usize, |framed| self.ctx.codec.decode(what, file_offset, &aad, framed))
    }

    /// [`SstReader::read_plain`] into shared memory, for the block cache.
    fn read_shared(&self, h: BlockHandle, what: &'static str) -> Result<Arc<[u8]>, StorageError> {
        let file_offset = self.block_offset(h, what)?;
        let aad = aad(self.meta.id, h.offset);
        self.ctx.with_framed(file_offset, h.len as usize, |framed| self.ctx.codec.decode_shared(what, file_offset, &aad, framed))
    }

    pub fn index(&self) -> Result<&Index, StorageError> {
        if let Some(i) = self.index.get() {
            return Ok(i);
        }
        let plain = self.read_plain(self.meta.index, "SST index block")?;
        let offset = self.meta.extent.offset + self.meta.index.offset;
        let index = Index::new(&Block::parse(Arc::from(plain), offset)?, offset)?;
        let bytes = index.bytes();
        let mut fresh = false;
        let index = self.index.get_or_init(|| {
            fresh = true;
            index
        });
        if fresh {
            self.ctx.cache.pin(self.cache_id, bytes);
        }
        Ok(index)
    }

    pub fn bloom(&self) -> Result<&Bloom, StorageError> {
        if let Some(b) = self.bloom.get() {
            return Ok(b);
        }
        let plain = self.read_plain(self.meta.bloom, "SST bloom block")?;
        let bloom = Bloom::parse(plain, self.meta.extent.offset + self.meta.bloom.offset)?;
        let bytes = bloom.bytes();
        let mut fresh = false;
        let bloom = self.bloom.get_or_init(|| {
            fresh = true;
            bloom
        });
        if fresh {
            self.ctx.cache.pin(self.cache_id, bytes);
        }
        Ok(bloom)
    }

    /// Data block `i` of the index, from the cache if it is there.
    pub fn data_block(&self, i: usize, fill: Fill) -> Result<Block, StorageError> {
        let h = self.index()?.handle(i)?;
        let file_offset = self.meta.extent.offset + h.offset;
        let key = (self.cache_id, h.offset);
        if let Some(plain) = self.ctx.cache.get(key) {
            return Block::parse(plain, file_offset);
        }
        let plain = self.read_shared(h, "SST data block")?;
        let block = Block::parse(Arc::clone(&plain), file_offset)?;
        if fill == Fill::Yes {
            self.ctx.cache.insert(key, plain);
        }
        Ok(block)
    }

    /// Data block `i` read from the file, bypassing the cache (for `verify`).
    pub fn data_block_from_file(&self, i: usize) -> Result<Block, StorageError> {
        let h = self.index()?.handle(i)?;
        let plain = self.read_shared(h, "SST data block")?;
        Block::parse(plain, self.meta.extent.offset + h.offset)
    }

    /// Read and check the index and bloom blocks from the file again (for
    /// `verify`: the kept copies were checked when they were loaded).
    pub fn check_index_and_bloom(&self) -> Result<(), StorageError> {
        let plain = self.read_plain(self.meta.bloom, "SST bloom block")?;
        Bloom::parse(plain, self.meta.extent.offset + self.meta.bloom.offset)?;
        let plain = self.read_plain(self.meta.index, "SST index block")?;
        let offset = self.meta.extent.offset + self.meta.index.offset;
        Index::new(&Block::parse(Arc::from(plain), offset)?, offset)?;
        Ok(())
    }

    /// Look `key` up: `None` if this SST has no entry, `Some(None)` for a
    /// tombstone. `hash` is `hash64(key)`.
    pub fn get(&self, key: &[u8], hash: u64) -> Result<Option<Option<Vec<u8>>>, StorageError> {
        Ok(self.lookup(key, hash)?.map(|found| found.value().map(<[u8]>::to_vec)))
    }

    /// [`SstReader::get`] without copying the value out of its block.
    pub fn lookup(&self, key: &[u8], hash: u64) -> Result<Option<Found>, StorageError> {
        if compare_keys(key, &self.meta.first_key).is_lt() || compare_keys(key, &self.meta.last_key).is_gt() {
            return Ok(None);
        }
        if !self.bloom()?.may_contain(hash) {
            return Ok(None);
        }
        let index = self.index()?;
        let i = index.find(key)?;
        if i >= index.count() {
            return Ok(None);
        }
        let block = self.data_block(i, Fill::Yes)?;
        Ok(block.find(key)?.map(|value| Found { block, value }))
    }

    /// The number of data blocks (loads the index).
    pub fn blocks(&self) -> Result<usize, StorageError> {
        Ok(self.index()?.count())
    }
}

/// An entry found by [`SstReader::lookup`]: the block holding it (shared
/// with the cache) and where its value lies in it.
pub struct Found {
    block: Block,
    value: Option<(usize, usize)>,
}

impl Found {
    /// The value, or `None` for a tombstone.
    pub fn value(&self) -> Option<&[u8]> {
        self.value.map(|range| self.block.slice(range))
    }
}

impl Drop for SstReader {
    /// Nothing can read through this reader again: its blocks and pins leave
    /// the cache and give their budget back.
    fn drop(&mut self) {
        self.ctx.cache.remove_file(self.cache_id);
    }
}

/// A cursor over one SST in one direction.
pub struct SstIter {
    sst: Arc<SstReader>,
    block_no: usize,
    it: Option<BlockIter>,
    reverse: bool,
    fill: Fill,
}

impl SstIter {
    pub fn new(sst: Arc<SstReader>, reverse: bool, fill: Fill) -> Self {
        SstIter { sst, block_no: 0, it: None, reverse, fill }
    }

    fn open_block(&mut self, i: usize) -> Result<&mut BlockIter, StorageError> {
        self.block_no = i;
        let block = self.sst.data_block(i, self.fill)?;
        Ok(self.it.insert(BlockIter::new(block)))
    }

    /// Position at the first entry inside `bound` (forward: the lower bound;
    /// reverse: the upper bound). Exclusive bounds are left to the caller.
    pub fn seek(&mut self, bound: Bound<&[u8]>) -> Result<(), StorageError> {
        let count = self.sst.index()?.count();
        self.it = None;
        if count == 0 {
            return Ok(());
        }
        match (self.reverse, bound) {
            (false, Bound::Unbounded) => self.open_block(0)?.seek_to_first()?,
            (false, Bound::Included(k) | Bound::Excluded(k)) => {
                let i = self.sst.index()?.find(k)?;
                if i >= count {
                    return Ok(());
                }
                self.open_block(i)?.seek_ge(k)?;
                self.skip_empty()?;
            }
            (true, Bound::Unbounded) => self.open_block(count - 1)?.seek_to_last()?,
            (true, Bound::Included(k) | Bound::Excluded(k)) => {
                let i = self.sst.index()?.find(k)?;
                if i >= count {
                    self.open_block(count - 1)?.seek_to_last()?;
                } else {
                    self.open_block(i)?.seek_le(k)?;
                    self.skip_empty()?;
                }
            }
        }
        Ok(())
    }

    /// Move to the neighbouring block while the current one is exhausted.
    fn skip_empty(&mut self) -> Result<(), StorageError> {
        let count = self.sst.index()?.count();
        while self.it.as_ref().is_some_and(|it| !it.valid()) {
            if !self.reverse && self.block_no + 1 < count {
                self.open_block(self.block_no + 1)?.seek_to_first()?;
            } else if self.reverse && self.block_no > 0 {
                self.open_block(self.block_no - 1)?.seek_to_last()?;
            } else {
                self.it = None;
            }
        }
        Ok(())
    }

    pub fn valid(&self) -> bool {
        self.it.as_ref().is_some_and(|it| it.valid())
    }

    pub fn key(&self) -> &[u8] {
        match &self.it {
            Some(it) if self.reverse => it.rev_key(),
            Some(it) => it.key(),
            None => &[],
        }
    }

    pub fn value(&self) -> Option<&[u8]> {
        self.it.as_ref().and_then(|it| it.value())
    }

    pub fn step(&mut self) -> Result<(), StorageError> {
        if let Some(it) = &mut self.it {
            if self.reverse {
                it.prev()?;
            } else {
                it.advance()?;
            }
        }
        self.skip_empty()
    }
}
