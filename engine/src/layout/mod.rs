//! The single-file layout: where everything lives inside the one database file.
//!
//! ```text
//! offset 0       4 KiB   file header: magic, format version, flags, encryption parameters
//! offset 4096    4 KiB   superblock slot A
//! offset 8192    4 KiB   superblock slot B
//! offset 12288   ...     extents: SSTs, the manifest, WAL segments, free space
//! ```
//!
//! The header is written once, at creation. Every change of the set of live
//! extents (a flush or a compaction) writes a new manifest into a fresh extent
//! and then commits it by writing the *other* superblock slot with a higher
//! generation; a torn superblock write therefore leaves the previous one
//! intact. Free space is never recorded: it is whatever the live extents
//! (header, superblocks, manifest, SSTs, WAL chain) do not cover, computed on
//! open, so there is no free list to get wrong after a crash.

pub mod extent;
pub mod header;
pub mod seal;

/// Allocation granule and the size of the header and of each superblock slot.
pub const PAGE: u64 = 4096;
/// Where the two superblock slots live.
pub const SUPERBLOCK_SLOTS: [u64; 2] = [PAGE, 2 * PAGE];
/// The first byte that extents may use.
pub const DATA_START: u64 = 3 * PAGE;

/// Round `n` up to a whole number of pages.
pub fn round_to_page(n: u64) -> u64 {
    n.div_ceil(PAGE) * PAGE
}
