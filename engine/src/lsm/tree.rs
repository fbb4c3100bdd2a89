//! `Tree`: the storage engine's front door.
//!
//! Everything above the engine sees only this: point gets, ordered range
//! scans in both directions, and atomic [`WriteBatch`]es (items, index entries
//! and change records of one request travel in one batch, so they commit
//! together or not at all).
//!
//! A write appends the batch to the WAL and applies it to the memtable; when
//! the memtable reaches `memtable_bytes` it is flushed to an L0 SST and the
//! compaction policy runs until every level is within its limits. All of this
//! happens in the calling thread (there are no background threads: WASI and
//! the browser worker have none); [`Tree::maintain`] is the explicit step for
//! work that should not wait for the next write (a due group sync, releasing
//! space, a compaction step).
//!
//! Opening reads the header, the newest valid superblock and the manifest,
//! and replays the WAL tail (at most one memtable's worth). It reads no SST:
//! indexes and bloom filters load on first use, so open time does not grow
//! with the database.
//!
//! Readers borrow the tree (`&self`), writers need `&mut self`, so an
//! iterator can never observe a write that started after it: the borrow
//! checker provides snapshot consistency for the iterator's lifetime, and the
//! `Arc`s an iterator holds keep its SSTs' extents from being reused.

pub use super::batch::WriteBatch;
use super::commit::{PendingCommit, SyncCoordinator};
use super::compaction::Policy;
use super::memtable::{bounds_are_empty, Memtable};
use super::merge::{MemSource, Merge, RangeIter, Source};
pub use super::merge::RangeCursor;
use super::version::Version;
use crate::codec::hash64;
use crate::config::{DatabaseConfig, Durability};
use crate::error::StorageError;
use crate::io::FileIo;
use crate::layout::extent::{find_overlap, Extent, ExtentAllocator};
use crate::layout::header::{FileHeader, Superblock};
use crate::layout::{round_to_page, DATA_START, PAGE};
use crate::manifest::Manifest;
use crate::sst::reader::{SstContext, SstReader};
use crate::wal::Wal;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

/// WAL bytes buffered before they are written out in one go.
pub(crate) const WRITE_CHUNK: usize = 64 << 10;

/// An ordered key-value store in one file.
pub struct Tree {
    pub(crate) ctx: Arc<SstContext>,
    pub(crate) config: DatabaseConfig,
    pub(crate) policy: Policy,
    pub(crate) superblock: Superblock,
    pub(crate) counters: Manifest,
    pub(crate) alloc: ExtentAllocator,
    pub(crate) memtable: Memtable,
    pub(crate) version: Arc<Version>,
    pub(crate) wal: Wal,
    pub(crate) seqno: u64,
    pub(crate) coordinator: Arc<SyncCoordinator>,
    /// SST extents no longer in the version, freed once no reader holds them.
    pub(crate) pending_free: Vec<Arc<SstReader>>,
    pub(crate) cursors: Vec<Vec<u8>>,
    scratch: Vec<u8>,
    unsynced_bytes: u64,
    last_sync_ms: Option<u64>,
    pub(crate) closed: bool,
    pub(crate) flushes: u64,
    pub(crate) replayed_batches: u64,
    /// Damage seen by reads, for `health()`.
    pub(crate) damage: Mutex<Vec<String>>,
}

/// Milliseconds on a monotonic clock, where the platform has one.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn now_ms() -> Option<u64> {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    Some(START.get_or_init(std::time::Instant::now).elapsed().as_millis() as u64)
}
/// The browser build has no clock here: group syncs are due by bytes, or at
/// the next `maintain()`.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn now_ms() -> Option<u64> {
    None
}

fn wal_head_bytes(config: &DatabaseConfig) -> u64 {
    round_to_page(((config.memtable_bytes / 4) as u64).clamp(64 << 10, 1 << 20))
}

impl Tree {
    /// Open the tree stored in `file`, creating it if the file is empty.
    pub fn open(file: Box<dyn FileIo>, config: DatabaseConfig) -> Result<Tree, StorageError> {
        let file: Arc<dyn FileIo> = Arc::from(file);
        if file.len()? == 0 {
            if config.read_only {
                // Creating would write; an empty file holds no database.
                return Err(StorageError::NotADatabase);
            }
            Self::create(file, config)
        } else {
            Self::open_existing(file, config)
        }
    }

    fn create(file: Arc<dyn FileIo>, config: DatabaseConfig) -> Result<Tree, StorageError> {
        let (header, codec) = super::setup::new_header(&config)?;
        let mut alloc = ExtentAllocator::new();
        let wal_head = alloc.allocate(wal_head_bytes(&config));
        let counters = Manifest { next_sst_id: 1, ..Manifest::default() };
        let generation = 1;
        let framed = counters.encode(&codec, generation)?;
        let manifest = alloc.allocate(framed.len() as u64);
        let salt = crate::wal::next_salt(0x4B53_544F_4E45, 0);
        let superblock = Superblock {
            generation,
            manifest,
            manifest_len: framed.len() as u64,
            wal_head,
            wal_salt: salt,
            flushed_seqno: 0,
        };
        let mut first_pages = vec![0u8; DATA_START as usize];
        let h = header.encode();
        first_pages[..h.len()].copy_from_slice(&h);
        let sb = superblock.encode();
        let slot = superblock.slot() as usize;
        first_pages[slot..slot + sb.len()].copy_from_slice(&sb);
        file.write_at(manifest.offset, &framed)?;
        file.write_at(0, &first_pages)?;
        file.sync()?;
        let ctx = Arc::new(SstContext::new(Arc::clone(&file), codec, config.block_cache_bytes));
        Ok(Self::assemble(ctx, config, superblock, counters, alloc, Version::new(7), Memtable::default(), Wal::fresh(wal_head, salt), 0))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        ctx: Arc<SstContext>,
        config: DatabaseConfig,
        superblock: Superblock,
        counters: Manifest,
        alloc: ExtentAllocator,
        version: Version,
        memtable: Memtable,
        wal: Wal,
        seqno: u64,
    ) -> Tree {
        let policy = Policy::for_memtable(config.memtable_bytes);
        let coordinator = Arc::new(SyncCoordinator::new(Arc::clone(&ctx.file), seqno));
        Tree {
            ctx,
            config,
            policy,
            superblock,
            counters,
            alloc,
            memtable,
            version: Arc::new(version),
            wal,
            seqno,
            coordinator,
            pending_free: Vec::new(),
            cursors: vec![Vec::new(); 8],
            scratch: Vec::with_capacity(4096),
            unsynced_bytes: 0,
            last_sync_ms: now_ms(),
            closed: false,
            flushes: 0,
            replayed_batches: 0,
            damage: Mutex::new(Vec::new()),
        }
    }

    fn open_existing(file: Arc<dyn FileIo>, config: DatabaseConfig) -> Result<Tree, StorageError> {
        let len = file.len()?;
        let mut page = vec![0u8; len.min(PAGE) as usize];
        file.read_at(0, &mut page)?;
        let header = FileHeader::decode(&page)?;
        if len < DATA_START {
            return Err(StorageError::corrupted("file truncated inside its fixed pages", len));
        }
        let codec = super::setup::open_codec(&header, &config)?;
        let superblock = Superblock::read_latest(&*file)?;
        let m = superblock.manifest;
        if m.offset < DATA_START || m.offset.saturating_add(superblock.manifest_len) > len {
            return Err(StorageError::corrupted("manifest extent outside the file", m.offset));
        }
        let mut framed = vec![0u8; superblock.manifest_len as usize];
        file.read_at(m.offset, &mut framed)?;
        let counters = Manifest::decode(&codec, superblock.generation, m.offset, &framed)?;
        let ctx = Arc::new(SstContext::new(Arc::clone(&file), codec, config.block_cache_bytes));
        let mut version = Version::new(7);
        let mut live: Vec<Extent> = vec![m];
        for (level, meta) in &counters.ssts {
            if meta.extent.offset < DATA_START || meta.extent.offset + meta.index.offset + meta.index.len > len {
                return Err(StorageError::corrupted(format!("SST {} extent outside the file", meta.id), meta.extent.offset));
            }
            live.push(meta.extent);
            version.levels[*level as usize].push(Arc::new(SstReader::new(Arc::clone(&ctx), meta.clone())));
        }
        let mut memtable = Memtable::default();
        let mut seqno = superblock.flushed_seqno;
        let mut replayed = 0;
        let wal = Wal::recover(&*file, &ctx.codec, superblock.wal_head, superblock.wal_salt, superblock.flushed_seqno, |s, body| {
            WriteBatch::decode(body, 0, |k, v| memtable.insert(k.to_vec(), v.map(|v| v.to_vec())))?;
            seqno = s;
            replayed += 1;
            Ok(())
        })?;
        live.extend_from_slice(wal.extents());
        if let Some((a, b)) = find_overlap(&live) {
            return Err(StorageError::corrupted(format!("extents overlap ({a:?} and {b:?})"), b.offset));
        }
        let alloc = ExtentAllocator::from_live(&live);
        let mut tree = Self::assemble(ctx, config, superblock, counters, alloc, version, memtable, wal, seqno);
        tree.replayed_batches = replayed;
        Ok(tree)
    }

    pub(crate) fn note_damage(&self, err: &StorageError) {
        if matches!(err, StorageError::Corrupted { .. } | StorageError::ChecksumMismatch { .. }) {
            let mut d = self.damage.lock().unwrap_or_else(|p| p.into_inner());
            if d.len() < 16 {
                d.push(err.to_string());
            }
        }
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.get_with(key, <[u8]>::to_vec)
    }

    /// [`Tree::get`] that lends the value to `visit` instead of copying it
    /// out (from the memtable, or from the block holding it); `None` if the
    /// key has no live value.
    pub fn get_with<R>(&self, key: &[u8], visit: impl FnOnce(&[u8]) -> R) -> Result<Option<R>, StorageError> {
        if self.closed {
            return Err(StorageError::Closed);
        }
        if let Some(found) = self.memtable.get(key) {
            return Ok(found.map(visit));
        }
        match self.version.lookup(key, hash64(key)) {
            Ok(found) => Ok(found.as_ref().and_then(|f| f.value()).map(visit)),
            Err(e) => {
                self.note_damage(&e);
                Err(e)
            }
        }
    }

    /// Entries with keys in `(lower, upper)`, ascending or (with `reverse`) descending.
    pub fn range<'a>(
        &'a self,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>), StorageError>> + 'a> {
        Box::new(RangeIter::from_cursor(self.cursor(lower, upper, reverse)))
    }

    /// The same entries as [`Tree::range`], lent out without copying: call
    /// [`RangeCursor::next_entry`] until it returns `None`.
    pub fn cursor<'a>(&'a self, lower: Bound<&[u8]>, upper: Bound<&[u8]>, reverse: bool) -> RangeCursor<'a> {
        if self.closed {
            return RangeCursor::failed(StorageError::Closed);
        }
        if bounds_are_empty(lower, upper) {
            return RangeCursor::empty();
        }
        let mut sources: Vec<Box<dyn Source + 'a>> = vec![Box::new(MemSource::new(&self.memtable, lower, upper, reverse))];
        match self.version.sources(lower, upper, reverse) {
            Ok(more) => sources.extend(more),
            Err(e) => {
                self.note_damage(&e);
                return RangeCursor::failed(e);
            }
        }
        RangeCursor::new(Merge::new(sources, reverse), lower, upper, reverse)
    }

    /// Apply `batch` atomically and make it as durable as the durability mode
    /// promises; returns its sequence number.
    pub fn write(&mut self, batch: WriteBatch) -> Result<u64, StorageError> {
        self.commit(batch)?.wait()
    }

    pub(crate) fn check_writable(&self) -> Result<(), StorageError> {
        if self.closed {
            return Err(StorageError::Closed);
        }
        if self.config.read_only {
            return Err(StorageError::ReadOnly);
        }
        if self.coordinator.is_poisoned() {
            return Err(StorageError::PreviousIoFailed);
        }
        Ok(())
    }

    /// Run a fallible file operation; a failure poisons the tree.
    pub(crate) fn guard<T>(&self, r: Result<T, StorageError>) -> Result<T, StorageError> {
        if r.is_err() {
            self.coordinator.poison();
        }
        r
    }

    /// Apply `batch` and write its WAL record, without waiting for the sync
    /// the durability mode may require: call [`PendingCommit::wait`] after
    /// releasing any lock around the tree, so concurrent committers share
    /// one sync.
    pub fn commit(&mut self, batch: WriteBatch) -> Result<PendingCommit, StorageError> {
        self.check_writable()?;
        if batch.is_empty() {
            return Ok(PendingCommit { seqno: self.seqno, sync: None });
        }
        let seqno = self.seqno + 1;
        self.scratch.clear();
        batch.encode(&mut self.scratch);
        let before = self.wal.record_bytes();
        let appended = self.wal.append(&*self.ctx.file, &mut self.alloc, &self.ctx.codec, seqno, &self.scratch);
        self.guard(appended)?;
        for (k, v) in batch.ops {
            self.memtable.insert(k, v);
        }
        self.seqno = seqno;
        let mut needs_sync = false;
        match self.config.durability {
            Durability::Sync => {
                self.write_out_wal()?;
                needs_sync = true;
            }
            Durability::Group { interval_ms, bytes } => {
                self.unsynced_bytes += self.wal.record_bytes() - before;
                let now = now_ms();
                let due_by_time = matches!((now, self.last_sync_ms), (Some(n), Some(l)) if n.saturating_sub(l) >= interval_ms);
                if self.unsynced_bytes >= bytes || due_by_time {
                    self.write_out_wal()?;
                    self.unsynced_bytes = 0;
                    self.last_sync_ms = now;
                    needs_sync = true;
                } else if self.wal.buffered() >= WRITE_CHUNK {
                    self.write_out_wal()?;
                }
            }
            Durability::None => {
                if self.wal.buffered() >= WRITE_CHUNK {
                    self.write_out_wal()?;
                }
            }
        }
        if self.memtable.bytes() >= self.config.memtable_bytes {
            self.flush_memtable()?;
            self.compact_until_settled()?;
        }
        Ok(PendingCommit { seqno, sync: needs_sync.then(|| Arc::clone(&self.coordinator)) })
    }

    /// Write buffered WAL records to the file (not synced).
    pub(crate) fn write_out_wal(&mut self) -> Result<(), StorageError> {
        let r = self.wal.write_out(&*self.ctx.file);
        self.guard(r)?;
        self.coordinator.note_written(self.seqno);
        Ok(())
    }

    /// Write and sync every buffered WAL record.
    pub(crate) fn sync_wal(&mut self) -> Result<(), StorageError> {
        self.write_out_wal()?;
        self.coordinator.sync_to(self.seqno)?;
        self.unsynced_bytes = 0;
        self.last_sync_ms = now_ms();
        Ok(())
    }

    /// True if some committed batch may not be durable yet: its WAL record
    /// is still buffered, or written but not covered by a sync.
    pub(crate) fn has_unsynced(&self) -> bool {
        self.wal.buffered() > 0 || self.coordinator.synced() < self.seqno
    }

    /// True if the tree was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.config.read_only
    }

    /// The sequence number of the last committed batch.
    pub fn seqno(&self) -> u64 {
        self.seqno
    }

    /// The sync coordinator, for callers that commit under a lock and wait outside it.
    pub fn sync_coordinator(&self) -> Arc<SyncCoordinator> {
        Arc::clone(&self.coordinator)
    }
}

impl Drop for Tree {
    /// Best effort: put buffered WAL records on disk, so a handle dropped
    /// without `close()` loses nothing it acknowledged. Errors cannot be
    /// reported from here; a later open recovers from whatever reached disk.
    /// A handle with nothing unsynced (every read-only one, and a writer
    /// whose commits were all synced) touches the file not at all: a sync
    /// costs milliseconds that a command which only read should not pay.
    fn drop(&mut self) {
        if self.closed || self.config.read_only || self.coordinator.is_poisoned() || !self.has_unsynced() {
            return;
        }
        if self.wal.write_out(&*self.ctx.file).is_ok() {
            let _ = self.ctx.file.sync();
        }
    }
}
