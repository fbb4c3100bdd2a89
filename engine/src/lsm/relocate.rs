//! Moving the file's last extent down into free space, so that the tail of
//! the file becomes free and the file can shrink: the last idle step of
//! `maintain()`.
//!
//! Compactions leave holes: their outputs are written while the inputs are
//! still live, often at the end of the file, and the inputs' extents only
//! become free afterwards. At rest, `maintain()` therefore looks at whatever
//! ends the file:
//!
//! - the manifest: it is written again, unchanged, into a hole below it;
//! - an SST that fits a hole below it: its bytes are copied there unchanged
//!   (a block's associated data is the SST id and the offset inside the SST,
//!   not the file offset), in chunks of [`CHUNK`](super::output::CHUNK) bytes;
//! - an SST that fits no single hole: its entries are rewritten, in order,
//!   into several SSTs that each fill one hole below it (largest holes first,
//!   so as few pieces as possible), which replace it in its level. The pieces
//!   do not overlap and together hold exactly its entries (tombstones too),
//!   so every level keeps its invariants. Holes smaller than 1/64 of the SST
//!   target size are left alone: they would make many tiny SSTs.
//!
//! Every move is committed like any other change of the set of SSTs (the new
//! copy is written and synced, then a manifest naming it, then the
//! superblock), and only then is the old extent freed, so a crash at any
//! point leaves either the old or the new place in use. Each step lowers the
//! end of what is live, so calling `maintain()` until it returns false ends.

use super::output::{copy_bytes, SstOutput};
use super::tree::Tree;
use crate::error::StorageError;
use crate::layout::extent::Extent;
use crate::layout::PAGE;
use crate::sst::reader::{Fill, SstIter, SstReader};
use crate::sst::SstMeta;
use std::ops::Bound;
use std::sync::Arc;

impl Tree {
    /// Move the extent that ends the file into free space below it, if
    /// there is room; true if something moved.
    pub(crate) fn relocate_tail(&mut self) -> Result<bool, StorageError> {
        let end = self.alloc.end();
        let manifest = self.superblock.manifest;
        if manifest.end() == end {
            let Some(target) = self.alloc.allocate_below(manifest.len, manifest.offset) else {
                return Ok(false);
            };
            let version = (*self.version).clone();
            self.commit_version_in(version, false, Vec::new(), Some(target))?;
            return Ok(true);
        }
        let Some(old) = self.version.all().map(|(_, s)| s).find(|s| s.meta.extent.end() == end).cloned() else {
            return Ok(false);
        };
        match self.alloc.allocate_below(old.meta.extent.len, old.meta.extent.offset) {
            Some(target) => self.move_sst(old, target),
            None => self.split_into_holes(old),
        }
    }

    /// Copy `old` into `target` unchanged and commit the move.
    fn move_sst(&mut self, old: Arc<SstReader>, target: Extent) -> Result<bool, StorageError> {
        // The SST's bytes end with its index block; the rest of the extent
        // is page padding that may lie past the end of the file.
        let used = (old.meta.index.offset + old.meta.index.len).min(old.meta.extent.len);
        if let Err(e) = copy_bytes(&*self.ctx.file, old.meta.extent.offset, target.offset, used) {
            // Nothing references the target yet: giving it back is enough.
            self.alloc.free(target);
            return Err(e);
        }
        let mut meta = old.meta.clone();
        meta.extent = target;
        self.replace_sst(old, vec![meta])?;
        Ok(true)
    }

    /// Rewrite `old` into SSTs that fill holes below it (see the module
    /// docs); false, with nothing changed, if its entries do not fit them.
    fn split_into_holes(&mut self, old: Arc<SstReader>) -> Result<bool, StorageError> {
        let limit = old.meta.extent.offset;
        let min_hole = (self.policy.target_sst_bytes / 64).max(2 * PAGE);
        let mut holes: Vec<Extent> = self.alloc.holes_below(limit).into_iter().filter(|h| h.len >= min_hole).collect();
        // Every piece repeats some framing and pads its last page.
        let used = old.meta.index.offset + old.meta.index.len;
        let room: u64 = holes.iter().map(|h| h.len - PAGE).sum();
        if room < used + used / 32 {
            return Ok(false);
        }
        holes.sort_by_key(|h| (std::cmp::Reverse(h.len), h.offset));
        let ctx = Arc::clone(&self.ctx);
        let file = &*ctx.file;
        let mut pieces: Vec<SstMeta> = Vec::new();
        let mut next_id = self.counters.next_sst_id;
        let alloc = &mut self.alloc;
        let placed = (|| -> Result<bool, StorageError> {
            let mut it = SstIter::new(Arc::clone(&old), false, Fill::No);
            it.seek(Bound::Unbounded)?;
            for hole in holes {
                if !it.valid() {
                    break;
                }
                let Some(extent) = alloc.allocate_below(hole.len, limit) else { continue };
                let mut out = SstOutput::within(&ctx.codec, next_id, extent);
                while it.valid() && out.fits(it.key(), it.value()) {
                    out.add(file, alloc, it.key(), it.value())?;
                    it.step()?;
                }
                if out.is_empty() {
                    out.abandon(alloc);
                    continue;
                }
                next_id += 1;
                let meta = out.finish(file, alloc)?;
                let below = meta.extent.end() <= limit;
                pieces.push(meta);
                if !below {
                    return Ok(false);
                }
            }
            Ok(!it.valid())
        })();
        self.counters.next_sst_id = next_id;
        if !self.guard(placed)? {
            for piece in pieces {
                self.alloc.free(piece.extent);
            }
            return Ok(false);
        }
        self.replace_sst(old, pieces)?;
        Ok(true)
    }

    /// Commit a version in which the SSTs described by `new` take the place
    /// of `old` in its level; `old` is freed once no reader holds it.
    fn replace_sst(&mut self, old: Arc<SstReader>, new: Vec<SstMeta>) -> Result<(), StorageError> {
        let readers: Vec<Arc<SstReader>> = new.into_iter().map(|m| Arc::new(SstReader::new(Arc::clone(&self.ctx), m))).collect();
        let mut version = (*self.version).clone();
        for (l, level) in version.levels.iter_mut().enumerate() {
            let Some(at) = level.iter().position(|s| Arc::ptr_eq(s, &old)) else { continue };
            // In level 0 the pieces keep the replaced SST's place in the
            // newest-first order; deeper levels are sorted by key.
            level.splice(at..=at, readers.iter().cloned());
            if l > 0 {
                level.sort_by(|a, b| a.meta.first_key.cmp(&b.meta.first_key));
            }
        }
        self.commit_version(version, false, vec![old])
    }
}
