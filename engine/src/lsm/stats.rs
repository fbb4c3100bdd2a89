//! What the tree can tell about itself: `stats()`, `health()` and `verify()`.

use super::tree::Tree;
use crate::error::StorageError;
use crate::layout::header::Superblock;
use crate::layout::seal::BlockCodec;
use crate::manifest::Manifest;
use crate::sst::block::BlockIter;

/// Counters and sizes, cheap to compute (no I/O except the file length).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeStats {
    /// Sequence number of the last committed batch.
    pub seqno: u64,
    /// Live keys, estimated: entries minus tombstones in every source
    /// (overwritten versions not yet compacted away are counted twice).
    pub keys_estimate: u64,
    pub memtable_entries: u64,
    pub memtable_bytes: u64,
    /// Bytes of keys and values in SSTs, before framing and compression.
    pub sst_raw_bytes: u64,
    /// Bytes of the SST extents.
    pub sst_bytes: u64,
    pub ssts_per_level: Vec<usize>,
    pub bytes_per_level: Vec<u64>,
    pub flushes: u64,
    pub compactions_run: u64,
    pub bytes_reclaimed: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Hits / (hits + misses); 0 before the first lookup.
    pub cache_hit_rate: f64,
    /// Bytes of data blocks in the block cache (with per-entry overhead).
    pub cache_bytes: u64,
    /// Bytes of index and bloom blocks kept by live SSTs, charged to the
    /// same budget.
    pub cache_pinned_bytes: u64,
    /// The block cache's byte budget (`block_cache_bytes`).
    pub cache_capacity: u64,
    /// Bytes of WAL records since the last flush.
    pub wal_bytes: u64,
    pub file_bytes: u64,
    /// Bytes inside the file that no structure uses (reusable).
    pub free_bytes: u64,
    /// Batches replayed from the WAL when this handle opened.
    pub replayed_batches: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub status: HealthStatus,
    pub reasons: Vec<String>,
}

/// The outcome of checking every checksum in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub ssts_checked: usize,
    pub blocks_checked: usize,
    pub bytes_checked: u64,
    /// One line per damaged structure: what, and where.
    pub damage: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.damage.is_empty()
    }
}

impl Tree {
    /// An upper bound on the bytes of the values in any key range: every key
    /// and value the SSTs and the memtable hold, overwritten and deleted ones
    /// included. One sum over the SSTs, so a check of a range's size can skip
    /// reading the range when even this bound is small enough.
    pub fn stored_bytes_bound(&self) -> u64 {
        let ssts: u64 = self.version.all().map(|(_, s)| s.meta.raw_bytes).sum();
        ssts + self.memtable.bytes() as u64
    }

    pub fn stats(&self) -> TreeStats {
        let levels = &self.version.levels;
        let mut keys: u64 = (self.memtable.len() - self.memtable.tombstones()) as u64;
        let mut raw = 0;
        for (_, s) in self.version.all() {
            keys += s.meta.entries.saturating_sub(2 * s.meta.tombstones);
            raw += s.meta.raw_bytes;
        }
        let bytes_per_level: Vec<u64> = levels.iter().map(|l| l.iter().map(|s| s.meta.extent.len).sum()).collect();
        let cache = self.ctx.cache.stats();
        TreeStats {
            seqno: self.seqno,
            keys_estimate: keys,
            memtable_entries: self.memtable.len() as u64,
            memtable_bytes: self.memtable.bytes() as u64,
            sst_raw_bytes: raw,
            sst_bytes: bytes_per_level.iter().sum(),
            ssts_per_level: levels.iter().map(|l| l.len()).collect(),
            bytes_per_level,
            flushes: self.flushes,
            compactions_run: self.counters.compactions_run,
            bytes_reclaimed: self.counters.bytes_reclaimed,
            cache_hits: cache.hits,
            cache_misses: cache.misses,
            cache_hit_rate: cache.hit_rate(),
            cache_bytes: cache.bytes as u64,
            cache_pinned_bytes: cache.pinned_bytes as u64,
            cache_capacity: self.ctx.cache.capacity() as u64,
            wal_bytes: self.wal.record_bytes(),
            file_bytes: self.ctx.file.len().unwrap_or(0),
            free_bytes: self.alloc.free_bytes(),
            replayed_batches: self.replayed_batches,
        }
    }

    pub fn health(&self) -> Health {
        let mut unhealthy = Vec::new();
        let mut degraded = Vec::new();
        if self.coordinator.is_poisoned() {
            unhealthy.push("an earlier write or sync failed; reopen the database".to_string());
        }
        if self.closed {
            unhealthy.push("the database is closed".to_string());
        }
        for d in self.damage.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            unhealthy.push(format!("damage seen: {d}"));
        }
        let l0 = self.version.levels[0].len();
        if l0 >= 2 * self.policy.l0_trigger {
            degraded.push(format!("{l0} SSTs waiting in level 0; run maintain()"));
        }
        let file = self.ctx.file.len().unwrap_or(0);
        let free = self.alloc.free_bytes();
        if free > (1 << 20) && free * 2 > file {
            degraded.push(format!("{free} of {file} file bytes are free space"));
        }
        let status = if !unhealthy.is_empty() {
            HealthStatus::Unhealthy
        } else if !degraded.is_empty() {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        unhealthy.extend(degraded);
        Health { status, reasons: unhealthy }
    }

    /// Read every live block of the file and check its checksum and
    /// structure; damage is reported, not returned as an error, so one
    /// report lists all of it.
    pub fn verify(&self) -> Result<VerifyReport, StorageError> {
        let mut report = VerifyReport::default();
        let file = &*self.ctx.file;
        let sb = Superblock::read_latest(file);
        match sb {
            Ok(sb) => {
                let mut framed = vec![0u8; sb.manifest_len as usize];
                let read = file.read_at(sb.manifest.offset, &mut framed).map_err(StorageError::from);
                report.blocks_checked += 1;
                report.bytes_checked += framed.len() as u64;
                if let Err(e) = read.and_then(|_| Manifest::decode(&self.ctx.codec, sb.generation, sb.manifest.offset, &framed)) {
                    report.damage.push(e.to_string());
                }
            }
            Err(e) => report.damage.push(e.to_string()),
        }
        for (_, sst) in self.version.all() {
            report.ssts_checked += 1;
            let checked = (|| -> Result<(), StorageError> {
                sst.check_index_and_bloom()?;
                let count = sst.blocks()?;
                report.blocks_checked += 2;
                for i in 0..count {
                    let block = sst.data_block_from_file(i)?;
                    report.blocks_checked += 1;
                    let mut it = BlockIter::new(block);
                    it.seek_to_first()?;
                    let mut last: Option<Vec<u8>> = None;
                    while it.valid() {
                        if last.as_deref().is_some_and(|l| l >= it.key()) {
                            return Err(StorageError::corrupted(
                                format!("SST {}: keys out of order in block {i}", sst.meta.id),
                                sst.meta.extent.offset,
                            ));
                        }
                        last = Some(it.key().to_vec());
                        it.advance()?;
                    }
                }
                report.bytes_checked += sst.meta.extent.len;
                Ok(())
            })();
            if let Err(e) = checked {
                report.damage.push(format!("SST {}: {e}", sst.meta.id));
            }
        }
        let _ = BlockCodec::check;
        Ok(report)
    }
}
