//! The extent allocator: hands out page-aligned regions of the one file and
//! takes them back, so compaction reuses space instead of growing the file.
//!
//! The free set is not stored on disk. On open it is recomputed as the gaps
//! between the live extents (manifest, SSTs, WAL chain) below the file end.
//! Allocation is best fit among free extents (fewest wasted pages, keeps big
//! holes for big SSTs), falling back to the end of the file. Whoever frees an
//! extent must make sure no durable superblock still references it and no
//! reader still reads it: the tree frees only after the superseding
//! superblock is synced and the last reader of an SST has gone.

use super::{round_to_page, DATA_START};
use std::collections::BTreeMap;

/// A region of the file: `len` bytes from `offset`, both page multiples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Extent {
    pub offset: u64,
    pub len: u64,
}

impl Extent {
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// Free space of the file, by offset.
#[derive(Debug, Clone)]
pub struct ExtentAllocator {
    free: BTreeMap<u64, u64>,
    /// Everything at or past `end` is unallocated file tail.
    end: u64,
}

impl ExtentAllocator {
    /// An allocator for a fresh file: nothing past the fixed pages is used.
    pub fn new() -> Self {
        ExtentAllocator { free: BTreeMap::new(), end: DATA_START }
    }

    /// Rebuild the free set from the live extents. Overlapping live extents
    /// mean a damaged manifest; the caller checks that with [`find_overlap`].
    pub fn from_live(live: &[Extent]) -> Self {
        let mut sorted: Vec<Extent> = live.iter().copied().filter(|e| e.len > 0).collect();
        sorted.sort();
        let mut alloc = ExtentAllocator::new();
        let mut cursor = DATA_START;
        for e in sorted {
            if e.offset > cursor {
                alloc.free.insert(cursor, e.offset - cursor);
            }
            cursor = cursor.max(e.end());
        }
        alloc.end = cursor;
        alloc
    }

    /// Take `len` bytes (rounded up to pages).
    pub fn allocate(&mut self, len: u64) -> Extent {
        let len = round_to_page(len.max(1));
        let best = self.free.iter().filter(|(_, &l)| l >= len).min_by_key(|(&o, &l)| (l, o)).map(|(&o, &l)| (o, l));
        if let Some((offset, free_len)) = best {
            self.free.remove(&offset);
            if free_len > len {
                self.free.insert(offset + len, free_len - len);
            }
            return Extent { offset, len };
        }
        // Extend into the tail, absorbing a free extent that ends at the tail.
        let mut offset = self.end;
        if let Some((&o, &l)) = self.free.iter().next_back() {
            if o + l == self.end {
                self.free.remove(&o);
                offset = o;
            }
        }
        self.end = offset + len;
        Extent { offset, len }
    }

    /// Take `len` bytes (rounded up to pages) from a free extent that ends
    /// at or before `limit`, best fit; `None` if no such extent is big enough.
    /// Used to move data from the file's tail into holes below it.
    pub fn allocate_below(&mut self, len: u64, limit: u64) -> Option<Extent> {
        let len = round_to_page(len.max(1));
        let (offset, free_len) = self
            .free
            .range(..limit)
            .filter(|(&o, &l)| l >= len && o + len <= limit)
            .min_by_key(|(&o, &l)| (l, o))
            .map(|(&o, &l)| (o, l))?;
        self.free.remove(&offset);
        if free_len > len {
            self.free.insert(offset + len, free_len - len);
        }
        Some(Extent { offset, len })
    }

    /// Lengthen `extent` in place to `len` bytes (rounded up to pages) if
    /// the space right after it is free or is the file's tail; `None` (and
    /// nothing changed) otherwise.
    pub fn grow(&mut self, extent: Extent, len: u64) -> Option<Extent> {
        let len = round_to_page(len);
        if len <= extent.len {
            return Some(extent);
        }
        let more = len - extent.len;
        if extent.end() == self.end {
            self.end += more;
            return Some(Extent { offset: extent.offset, len });
        }
        let next = self.free.get(&extent.end()).copied()?;
        if next < more {
            if extent.end() + next != self.end {
                return None;
            }
            // The free space after the extent runs into the tail.
            self.free.remove(&extent.end());
            self.end = extent.offset + len;
            return Some(Extent { offset: extent.offset, len });
        }
        self.free.remove(&extent.end());
        if next > more {
            self.free.insert(extent.end() + more, next - more);
        }
        Some(Extent { offset: extent.offset, len })
    }

    /// The free extents that end at or before `limit`, by offset.
    pub fn holes_below(&self, limit: u64) -> Vec<Extent> {
        self.free.range(..limit).filter(|(&o, &l)| o + l <= limit).map(|(&offset, &len)| Extent { offset, len }).collect()
    }

    /// Give an extent back, merging it with free neighbours.
    pub fn free(&mut self, extent: Extent) {
        if extent.len == 0 {
            return;
        }
        let mut offset = extent.offset;
        let mut len = extent.len;
        if let Some((&po, &pl)) = self.free.range(..offset).next_back() {
            if po + pl == offset {
                self.free.remove(&po);
                offset = po;
                len += pl;
            }
        }
        if let Some(&nl) = self.free.get(&(offset + len)) {
            self.free.remove(&(offset + len));
            len += nl;
        }
        self.free.insert(offset, len);
    }

    /// If free space reaches the end of the allocated area, drop it and
    /// return the new end (the file may be truncated to it).
    pub fn trim_tail(&mut self) -> u64 {
        if let Some((&o, &l)) = self.free.iter().next_back() {
            if o + l == self.end {
                self.free.remove(&o);
                self.end = o;
            }
        }
        self.end
    }

    /// Bytes inside the allocated area that are free.
    pub fn free_bytes(&self) -> u64 {
        self.free.values().sum()
    }

    /// End of the allocated area.
    pub fn end(&self) -> u64 {
        self.end
    }
}

impl Default for ExtentAllocator {
    fn default() -> Self {
        Self::new()
    }
}

/// Two live extents that overlap, if any (a sign of a damaged manifest).
pub fn find_overlap(live: &[Extent]) -> Option<(Extent, Extent)> {
    let mut sorted: Vec<Extent> = live.iter().copied().filter(|e| e.len > 0).collect();
    sorted.sort();
    sorted.windows(2).find(|w| w[0].end() > w[1].offset).map(|w| (w[0], w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::PAGE;

    #[test]
    fn freed_space_is_reused_before_the_file_grows() {
        let mut a = ExtentAllocator::new();
        let x = a.allocate(3 * PAGE);
        let y = a.allocate(PAGE);
        assert_eq!(x.offset, DATA_START);
        assert_eq!(y.offset, DATA_START + 3 * PAGE);
        a.free(x);
        let z = a.allocate(2 * PAGE);
        assert_eq!(z.offset, DATA_START);
        assert_eq!(a.end(), DATA_START + 4 * PAGE);
        assert_eq!(a.free_bytes(), PAGE);
    }

    #[test]
    fn neighbours_coalesce_and_the_tail_trims() {
        let mut a = ExtentAllocator::new();
        let x = a.allocate(PAGE);
        let y = a.allocate(PAGE);
        let z = a.allocate(PAGE);
        a.free(y);
        a.free(z);
        assert_eq!(a.trim_tail(), x.end());
        a.free(x);
        assert_eq!(a.trim_tail(), DATA_START);
        assert_eq!(a.free_bytes(), 0);
    }

    #[test]
    fn live_extents_define_the_gaps() {
        let live = [Extent { offset: DATA_START + 2 * PAGE, len: PAGE }, Extent { offset: DATA_START, len: PAGE }];
        let mut a = ExtentAllocator::from_live(&live);
        assert_eq!(a.free_bytes(), PAGE);
        assert_eq!(a.allocate(PAGE).offset, DATA_START + PAGE);
        assert_eq!(a.allocate(PAGE).offset, DATA_START + 3 * PAGE);
        assert!(find_overlap(&live).is_none());
        assert!(find_overlap(&[Extent { offset: 0, len: 2 }, Extent { offset: 1, len: 2 }]).is_some());
    }

    #[test]
    fn allocation_below_a_limit_only_uses_holes_under_it() {
        let mut a = ExtentAllocator::new();
        let x = a.allocate(2 * PAGE);
        let _keep = a.allocate(PAGE);
        let y = a.allocate(2 * PAGE);
        let tail = a.allocate(2 * PAGE);
        a.free(x);
        a.free(y);
        assert_eq!(a.allocate_below(3 * PAGE, tail.offset), None);
        assert_eq!(a.allocate_below(2 * PAGE, x.offset + PAGE), None);
        let moved = a.allocate_below(2 * PAGE, tail.offset).unwrap();
        assert!(moved.end() <= tail.offset);
        a.free(tail);
        assert_eq!(a.trim_tail(), a.end());
        assert!(a.end() <= tail.offset);
    }

    #[test]
    fn extents_grow_in_place_into_free_space_or_the_tail() {
        let mut a = ExtentAllocator::new();
        let x = a.allocate(PAGE);
        let y = a.allocate(2 * PAGE);
        let z = a.allocate(PAGE);
        a.free(y);
        // Into the hole after it, leaving the rest of the hole free.
        let x2 = a.grow(x, 2 * PAGE).unwrap();
        assert_eq!((x2.offset, x2.len, a.free_bytes()), (x.offset, 2 * PAGE, PAGE));
        assert_eq!(a.grow(x2, 4 * PAGE), None, "the hole is too small and z follows it");
        assert_eq!(a.grow(x2, 3 * PAGE).unwrap().len, 3 * PAGE);
        assert_eq!(a.free_bytes(), 0);
        // At the tail the file simply grows.
        let z2 = a.grow(z, 5 * PAGE).unwrap();
        assert_eq!(a.end(), z2.end());
        assert_eq!(a.holes_below(a.end()), vec![]);
        a.free(Extent { offset: z2.offset + PAGE, len: 4 * PAGE });
        assert_eq!(a.trim_tail(), z.end());
    }

    #[test]
    fn a_tail_hole_grows_instead_of_leaving_a_gap() {
        let mut a = ExtentAllocator::new();
        let x = a.allocate(PAGE);
        let y = a.allocate(PAGE);
        a.free(y);
        let big = a.allocate(3 * PAGE);
        assert_eq!(big.offset, x.end());
        assert_eq!(a.end(), x.end() + 3 * PAGE);
    }
}
