//! SSTs written into their extent while they are built.
//!
//! A flush or compaction output reserves an extent first (the expected size
//! plus some slack), and the builder's framed blocks go to the file in
//! chunks of [`CHUNK`] as the SST grows, so building an SST holds one chunk
//! in memory instead of the whole SST. Once finished, the unused pages at the
//! end of the reservation go back to the allocator. An SST that outgrows its
//! reservation (a last entry with a very large value) lengthens it in place
//! when the space after it is free, and otherwise moves what it has written
//! so far to a larger extent.
//!
//! Crash safety is that of writing a finished SST whole: the reservation is
//! free space in the durable state (the allocator only hands out extents no
//! committed manifest references and no reader reads), so whatever part of
//! an SST reached the disk before a crash is unreferenced; the SST becomes
//! live only when the commit protocol (`maintenance.rs`) syncs it and then a
//! manifest naming it.

use crate::error::StorageError;
use crate::io::FileIo;
use crate::layout::extent::{Extent, ExtentAllocator};
use crate::layout::round_to_page;
use crate::layout::seal::BlockCodec;
use crate::sst::builder::SstBuilder;
use crate::sst::SstMeta;

/// Bytes an SST buffers before they are written, and the unit of copies
/// between extents: large enough for sequential I/O, small enough not to
/// matter next to the memtable and the cache.
pub(crate) const CHUNK: usize = 256 << 10;

/// Copy `len` bytes of the file from `from` to `to` through one buffer of
/// at most [`CHUNK`] bytes (the ranges must not overlap).
pub(crate) fn copy_bytes(file: &dyn FileIo, from: u64, to: u64, len: u64) -> Result<(), StorageError> {
    let mut buf = vec![0u8; (len as usize).min(CHUNK)];
    let mut done = 0;
    while done < len {
        let n = ((len - done) as usize).min(CHUNK);
        file.read_at(from + done, &mut buf[..n])?;
        file.write_at(to + done, &buf[..n])?;
        done += n as u64;
    }
    Ok(())
}

/// One SST being built straight into its extent.
pub(crate) struct SstOutput<'a> {
    builder: SstBuilder<'a>,
    extent: Extent,
}

impl<'a> SstOutput<'a> {
    /// An SST with id `id` in a new extent of about `expected` bytes.
    pub fn reserve(codec: &'a BlockCodec, id: u64, alloc: &mut ExtentAllocator, expected: u64) -> Self {
        SstOutput { builder: SstBuilder::new(codec, id), extent: alloc.allocate(expected) }
    }

    /// An SST with id `id` in `extent`, already taken from the allocator.
    pub fn within(codec: &'a BlockCodec, id: u64, extent: Extent) -> Self {
        SstOutput { builder: SstBuilder::new(codec, id), extent }
    }

    pub fn is_empty(&self) -> bool {
        self.builder.is_empty()
    }

    /// Bytes of the SST so far (before index and bloom).
    pub fn size(&self) -> usize {
        self.builder.size()
    }

    /// Whether the SST, with this entry added, is sure to fit its extent.
    pub fn fits(&self, key: &[u8], value: Option<&[u8]>) -> bool {
        self.builder.size_with(key, value.map(<[u8]>::len)) <= self.extent.len
    }

    pub fn add(&mut self, file: &dyn FileIo, alloc: &mut ExtentAllocator, key: &[u8], value: Option<&[u8]>) -> Result<(), StorageError> {
        self.builder.add(key, value)?;
        if self.builder.buffered() >= CHUNK {
            let SstOutput { builder, extent } = self;
            builder.drain(&mut |at, bytes| write(file, alloc, extent, at, bytes))?;
        }
        Ok(())
    }

    /// Finish the SST, write its last bytes and give the unused end of the
    /// extent back. The metadata names the extent the SST now occupies.
    pub fn finish(self, file: &dyn FileIo, alloc: &mut ExtentAllocator) -> Result<SstMeta, StorageError> {
        let SstOutput { builder, mut extent } = self;
        let mut meta = builder.finish(&mut |at, bytes| write(file, alloc, &mut extent, at, bytes))?;
        let used = round_to_page(meta.index.offset + meta.index.len);
        if used < extent.len {
            alloc.free(Extent { offset: extent.offset + used, len: extent.len - used });
            extent.len = used;
        }
        meta.extent = extent;
        Ok(meta)
    }

    /// Give the extent back without finishing: nothing references it.
    pub fn abandon(self, alloc: &mut ExtentAllocator) {
        alloc.free(self.extent);
    }
}

/// Write `bytes` at offset `at` of the SST in `extent`, first making the
/// extent large enough: in place if the space after it is free, else by
/// moving the `at` bytes written so far to a new extent half as large again.
fn write(file: &dyn FileIo, alloc: &mut ExtentAllocator, extent: &mut Extent, at: u64, bytes: &[u8]) -> Result<(), StorageError> {
    let need = at + bytes.len() as u64;
    if need > extent.len {
        let len = need.max(extent.len + extent.len / 2);
        *extent = match alloc.grow(*extent, len) {
            Some(grown) => grown,
            None => {
                let moved = alloc.allocate(len);
                copy_bytes(file, extent.offset, moved.offset, at)?;
                // Nothing references the old extent: it is free at once.
                alloc.free(*extent);
                moved
            }
        };
    }
    file.write_at(extent.offset + at, bytes)?;
    Ok(())
}
