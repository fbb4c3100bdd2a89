//! Flushes, compactions and the commit protocol that makes them durable.
//!
//! Every change of the set of SSTs follows the same steps, so a crash at any
//! point leaves either the old or the new state, never a mix:
//!
//! 1. write the new SSTs into freshly allocated extents (streamed there while
//!    they are built, see `output.rs`);
//! 2. write the complete new manifest into a fresh extent;
//! 3. sync (the new bytes are durable but nothing references them yet);
//! 4. write the superblock, generation + 1, into the other slot;
//! 5. sync (the new state is committed);
//! 6. free what the old state used and the new does not: the old manifest,
//!    the WAL extents past the head (after a flush), and replaced SSTs once
//!    no reader holds them. Only now may they be reused, because only now does
//!    no durable superblock reach them.
//!
//! A flush also restarts the WAL in its head extent under a new salt, so the
//! records it covers can never replay again.

use super::compaction::{self, Task};
use super::merge::{Merge, RunSource, Source};
use super::tree::Tree;
use super::version::Version;
use crate::error::StorageError;
use crate::layout::header::Superblock;
use super::output::SstOutput;
use crate::layout::extent::Extent;
use crate::layout::PAGE;
use crate::sst::reader::{Fill, SstReader};
use crate::wal::{next_salt, Wal};
use std::ops::Bound;
use std::sync::Arc;

impl Tree {
    fn next_sst_id(&mut self) -> u64 {
        let id = self.counters.next_sst_id;
        self.counters.next_sst_id += 1;
        id
    }

    /// Steps 2–6 of the commit protocol for `version`.
    pub(crate) fn commit_version(&mut self, version: Version, flushed: bool, replaced: Vec<Arc<SstReader>>) -> Result<(), StorageError> {
        self.commit_version_in(version, flushed, replaced, None)
    }

    /// [`Tree::commit_version`] with the new manifest in `manifest_at` (taken
    /// from the allocator, large enough) instead of wherever it fits best.
    pub(crate) fn commit_version_in(
        &mut self,
        version: Version,
        flushed: bool,
        replaced: Vec<Arc<SstReader>>,
        manifest_at: Option<Extent>,
    ) -> Result<(), StorageError> {
        let generation = self.superblock.generation + 1;
        self.counters.ssts = version
            .levels
            .iter()
            .enumerate()
            .flat_map(|(l, ssts)| ssts.iter().map(move |s| (l as u8, s.meta.clone())))
            .collect();
        let framed = self.counters.encode(&self.ctx.codec, generation)?;
        let manifest = match manifest_at {
            Some(e) if e.len >= framed.len() as u64 => e,
            other => {
                other.into_iter().for_each(|e| self.alloc.free(e));
                self.alloc.allocate(framed.len() as u64)
            }
        };
        let file = Arc::clone(&self.ctx.file);
        let r = file.write_at(manifest.offset, &framed).and_then(|_| file.sync()).map_err(StorageError::from);
        self.guard(r)?;
        let salt = if flushed { next_salt(self.superblock.wal_salt, generation) } else { self.superblock.wal_salt };
        let superblock = Superblock {
            generation,
            manifest,
            manifest_len: framed.len() as u64,
            wal_head: self.wal.head(),
            wal_salt: salt,
            flushed_seqno: if flushed { self.seqno } else { self.superblock.flushed_seqno },
        };
        let r = file.write_at(superblock.slot(), &superblock.encode()).and_then(|_| file.sync()).map_err(StorageError::from);
        self.guard(r)?;
        // Committed. Everything below only releases space.
        let old = std::mem::replace(&mut self.superblock, superblock);
        self.version = Arc::new(version);
        self.alloc.free(old.manifest);
        if flushed {
            for e in self.wal.extents().iter().skip(1) {
                self.alloc.free(*e);
            }
            self.wal = Wal::fresh(self.wal.head(), salt);
            self.coordinator.mark_synced(self.seqno);
        }
        self.pending_free.extend(replaced);
        self.release_space()
    }

    /// Free replaced SSTs no reader holds any more, and give the file's free
    /// tail back to the file system.
    pub(crate) fn release_space(&mut self) -> Result<(), StorageError> {
        let mut still_read = Vec::new();
        for sst in std::mem::take(&mut self.pending_free) {
            if Arc::strong_count(&sst) == 1 {
                self.alloc.free(sst.meta.extent);
            } else {
                still_read.push(sst);
            }
        }
        self.pending_free = still_read;
        let end = self.alloc.trim_tail();
        let len = self.ctx.file.len()?;
        if end < len {
            let r = self.ctx.file.set_len(end).map_err(StorageError::from);
            self.guard(r)?;
        }
        Ok(())
    }

    /// Move the memtable into a new L0 SST (nothing to do if it is empty).
    pub(crate) fn flush_memtable(&mut self) -> Result<(), StorageError> {
        if self.memtable.is_empty() {
            return Ok(());
        }
        let ctx = Arc::clone(&self.ctx);
        let id = self.next_sst_id();
        // The memtable's byte count is above the SST's size: entries carry
        // ~100 bytes of overhead there, a few bytes in an SST.
        let mut out = SstOutput::reserve(&ctx.codec, id, &mut self.alloc, self.memtable.bytes() as u64 + PAGE);
        let file = Arc::clone(&ctx.file);
        let built = (|| {
            for (k, v) in self.memtable.iter() {
                out.add(&*file, &mut self.alloc, k, v.as_deref())?;
            }
            out.finish(&*file, &mut self.alloc)
        })();
        let meta = self.guard(built)?;
        let sst = Arc::new(SstReader::new(Arc::clone(&ctx), meta));
        let mut version = (*self.version).clone();
        version.levels[0].insert(0, sst);
        self.commit_version(version, true, Vec::new())?;
        self.memtable.clear();
        self.flushes += 1;
        Ok(())
    }

    /// Run policy tasks until every level is within its limits.
    pub(crate) fn compact_until_settled(&mut self) -> Result<(), StorageError> {
        while self.compaction_step()? {}
        Ok(())
    }

    /// Run one policy task; false if none was due.
    pub(crate) fn compaction_step(&mut self) -> Result<bool, StorageError> {
        let task = {
            let summary = self.version.summary();
            compaction::pick(&summary, &self.policy, &self.cursors)
        };
        match task {
            Some(task) => {
                self.run_task(task)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub(crate) fn run_task(&mut self, task: Task) -> Result<(), StorageError> {
        if let Some((level, key)) = &task.cursor {
            self.cursors[*level] = key.clone();
        }
        let old = Arc::clone(&self.version);
        let is_input = |s: &Arc<SstReader>| task.inputs.contains(&s.meta.id);
        let mut version = Version::new(old.levels.len());
        for (l, ssts) in old.levels.iter().enumerate() {
            version.levels[l] = ssts.iter().filter(|s| !is_input(s)).cloned().collect();
        }
        let replaced: Vec<Arc<SstReader>> = old.all().map(|(_, s)| s).filter(|s| is_input(s)).cloned().collect();
        if task.trivial_move {
            let level = &mut version.levels[task.output_level];
            level.extend(replaced);
            level.sort_by(|a, b| a.meta.first_key.cmp(&b.meta.first_key));
            drop(old);
            return self.commit_version(version, false, Vec::new());
        }
        let outputs = self.merge_into_ssts(&old, &task)?;
        // The old version must go before the commit frees its SSTs.
        drop(old);
        let before: u64 = replaced.iter().map(|s| s.meta.extent.len).sum();
        let after: u64 = outputs.iter().map(|s| s.meta.extent.len).sum();
        self.counters.compactions_run += 1;
        self.counters.bytes_reclaimed += before.saturating_sub(after);
        let level = &mut version.levels[task.output_level];
        level.extend(outputs);
        level.sort_by(|a, b| a.meta.first_key.cmp(&b.meta.first_key));
        self.commit_version(version, false, replaced)
    }

    /// Merge the task's inputs (newest first) into SSTs of the target size.
    fn merge_into_ssts(&mut self, old: &Version, task: &Task) -> Result<Vec<Arc<SstReader>>, StorageError> {
        let mut sources: Vec<Box<dyn Source>> = Vec::new();
        for (l, ssts) in old.levels.iter().enumerate() {
            let chosen: Vec<Arc<SstReader>> = ssts.iter().filter(|s| task.inputs.contains(&s.meta.id)).cloned().collect();
            if l == 0 {
                for s in chosen {
                    sources.push(Box::new(RunSource::new(vec![s], Bound::Unbounded, false, Fill::No)?));
                }
            } else if !chosen.is_empty() {
                sources.push(Box::new(RunSource::new(chosen, Bound::Unbounded, false, Fill::No)?));
            }
        }
        let ctx = Arc::clone(&self.ctx);
        let mut merge = Merge::new(sources, false);
        let target = self.policy.target_sst_bytes;
        // An output closes at `target` bytes of data; its index, bloom filter
        // and last entry come on top, and the unused rest goes back.
        let reserve = target + target / 16 + 4 * PAGE;
        let mut metas = Vec::new();
        let mut next_id = self.counters.next_sst_id;
        let (file, alloc) = (Arc::clone(&ctx.file), &mut self.alloc);
        let file = &*file;
        let built = (|| {
            let mut out: Option<SstOutput> = None;
            while merge.valid() {
                let value = merge.value();
                if value.is_some() || !task.drop_tombstones {
                    let o = match &mut out {
                        Some(o) => o,
                        None => {
                            next_id += 1;
                            out.insert(SstOutput::reserve(&ctx.codec, next_id - 1, alloc, reserve))
                        }
                    };
                    o.add(file, alloc, merge.key(), value)?;
                    if o.size() as u64 >= target {
                        if let Some(full) = out.take() {
                            metas.push(full.finish(file, alloc)?);
                        }
                    }
                }
                merge.advance()?;
            }
            match out {
                Some(last) if !last.is_empty() => metas.push(last.finish(file, alloc)?),
                Some(empty) => empty.abandon(alloc),
                None => {}
            }
            Ok(())
        })();
        self.counters.next_sst_id = next_id;
        self.guard(built)?;
        Ok(metas.into_iter().map(|meta| Arc::new(SstReader::new(Arc::clone(&ctx), meta))).collect())
    }

    /// Move the memtable into an SST and make everything durable, so that a
    /// reopen replays nothing.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        self.check_writable()?;
        if self.memtable.is_empty() {
            return self.sync_wal();
        }
        self.flush_memtable()?;
        self.compact_until_settled()
    }

    /// Merge every SST into the bottom level, dropping overwritten versions
    /// and tombstones: the smallest file this data can have.
    pub fn compact(&mut self) -> Result<(), StorageError> {
        self.flush()?;
        loop {
            let task = compaction::full(&self.version.summary());
            match task {
                Some(t) => self.run_task(t)?,
                None => break,
            }
        }
        Ok(())
    }

    /// One step of deferred work: sync WAL records a group commit left
    /// unsynced, release space no reader holds any more, and do at most one
    /// of, in this order: a due compaction task; the idle merge into the
    /// bottom level ([`compaction::settle`]); moving the SST at the end of the
    /// file into a free hole below it, so the file can shrink. Returns true if
    /// it did one of those (more may be due): calling it until it returns
    /// false leaves the file at rest.
    pub fn maintain(&mut self) -> Result<bool, StorageError> {
        self.check_writable()?;
        self.sync_wal()?;
        self.release_space()?;
        if self.compaction_step()? {
            return Ok(true);
        }
        let idle = compaction::settle(&self.version.summary(), &self.policy);
        if let Some(task) = idle {
            self.run_task(task)?;
            return Ok(true);
        }
        self.relocate_tail()
    }

    /// Flush, sync and refuse further use. A reopen replays nothing, except
    /// after a read-only session, which closes without touching the file (the
    /// WAL it replayed into memory is still there for the next open).
    pub fn close(&mut self) -> Result<(), StorageError> {
        if self.closed {
            return Ok(());
        }
        if self.config.read_only {
            self.closed = true;
            return Ok(());
        }
        self.flush()?;
        self.closed = true;
        Ok(())
    }
}
