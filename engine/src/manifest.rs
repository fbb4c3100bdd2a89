//! The manifest: which SSTs are live, at which level, and the counters that
//! must survive a reopen.
//!
//! The manifest is small (one record per SST) and changes only on a flush or
//! a compaction, so every change writes a complete new manifest into a fresh
//! extent and commits it with a superblock; there is no edit log to replay
//! and nothing to compact. Writing a few KiB per flush of a multi-MiB
//! memtable is noise, and a manifest is always exactly one checked block.
//!
//! ```text
//! manifest block body:
//!   magic "KSMF" | next SST id (varint) | compactions run (varint)
//!   | bytes reclaimed (varint) | SST count (varint) | SST record*
//! SST record:
//!   level (u8) | id | extent offset | extent length | index offset | index length
//!   | bloom offset | bloom length | entries | tombstones | raw bytes   (all varints)
//!   | first key (varint length + bytes) | last key (varint length + bytes)
//! ```
//!
//! The block is framed like every other block; its associated data is
//! `(u64::MAX, superblock generation)`, so a manifest cannot be replayed under
//! another superblock.

use crate::codec::{put_bytes, put_varint, Cursor};
use crate::error::StorageError;
use crate::layout::extent::Extent;
use crate::layout::seal::{aad, BlockCodec};
use crate::sst::{BlockHandle, SstMeta};

const MAGIC: &[u8; 4] = b"KSMF";
/// Highest level number a manifest may name.
pub const MAX_LEVELS: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub next_sst_id: u64,
    pub compactions_run: u64,
    pub bytes_reclaimed: u64,
    /// `(level, SST)`; L0 in newest-first order, deeper levels by first key.
    pub ssts: Vec<(u8, SstMeta)>,
}

impl Manifest {
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.ssts.len() * 96);
        out.extend_from_slice(MAGIC);
        put_varint(&mut out, self.next_sst_id);
        put_varint(&mut out, self.compactions_run);
        put_varint(&mut out, self.bytes_reclaimed);
        put_varint(&mut out, self.ssts.len() as u64);
        for (level, m) in &self.ssts {
            out.push(*level);
            for v in [
                m.id,
                m.extent.offset,
                m.extent.len,
                m.index.offset,
                m.index.len,
                m.bloom.offset,
                m.bloom.len,
                m.entries,
                m.tombstones,
                m.raw_bytes,
            ] {
                put_varint(&mut out, v);
            }
            put_bytes(&mut out, &m.first_key);
            put_bytes(&mut out, &m.last_key);
        }
        out
    }

    /// The framed manifest block for superblock `generation`.
    pub fn encode(&self, codec: &BlockCodec, generation: u64) -> Result<Vec<u8>, StorageError> {
        let mut out = Vec::new();
        codec.encode(&aad(u64::MAX, generation), &self.body(), false, &mut out)?;
        Ok(out)
    }

    pub fn decode(codec: &BlockCodec, generation: u64, offset: u64, framed: &[u8]) -> Result<Manifest, StorageError> {
        let body = codec.decode("manifest", offset, &aad(u64::MAX, generation), framed)?;
        let mut c = Cursor::new(&body, "manifest", offset);
        if c.bytes(4)? != MAGIC {
            return Err(c.error("bad magic"));
        }
        let next_sst_id = c.varint()?;
        let compactions_run = c.varint()?;
        let bytes_reclaimed = c.varint()?;
        let count = c.varint()?;
        let mut ssts = Vec::new();
        for _ in 0..count {
            let level = c.u8()?;
            if level as usize >= MAX_LEVELS {
                return Err(c.error("level out of range"));
            }
            let mut v = [0u64; 10];
            for slot in &mut v {
                *slot = c.varint()?;
            }
            let first_key = c.len_bytes()?.to_vec();
            let last_key = c.len_bytes()?.to_vec();
            let meta = SstMeta {
                id: v[0],
                extent: Extent { offset: v[1], len: v[2] },
                index: BlockHandle { offset: v[3], len: v[4] },
                bloom: BlockHandle { offset: v[5], len: v[6] },
                entries: v[7],
                tombstones: v[8],
                raw_bytes: v[9],
                first_key,
                last_key,
            };
            if meta.id >= next_sst_id || meta.first_key > meta.last_key {
                return Err(c.error("inconsistent SST record"));
            }
            ssts.push((level, meta));
        }
        if !c.is_empty() {
            return Err(c.error("trailing bytes"));
        }
        Ok(Manifest { next_sst_id, compactions_run, bytes_reclaimed, ssts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_round_trip_under_their_generation_only() {
        let meta = SstMeta {
            id: 3,
            extent: Extent { offset: 12288, len: 8192 },
            index: BlockHandle { offset: 5000, len: 40 },
            bloom: BlockHandle { offset: 4000, len: 1000 },
            entries: 10,
            tombstones: 1,
            raw_bytes: 900,
            first_key: b"a".to_vec(),
            last_key: b"z".to_vec(),
        };
        let m = Manifest { next_sst_id: 4, compactions_run: 2, bytes_reclaimed: 77, ssts: vec![(1, meta)] };
        let codec = BlockCodec::plain();
        let framed = m.encode(&codec, 9).unwrap();
        assert_eq!(Manifest::decode(&codec, 9, 0, &framed).unwrap(), m);
        let mut bad = framed.clone();
        bad[6] ^= 1;
        assert!(Manifest::decode(&codec, 9, 0, &bad).is_err());
    }
}
