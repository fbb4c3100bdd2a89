//! The file header (written once) and the two alternating superblocks
//! (written on every flush and compaction).
//!
//! Header, at offset 0 (the rest of its 4 KiB page is zero):
//!
//! ```text
//! 0    8  magic "KSTONEDB"
//! 8    4  format version, u32 LE (this build writes and reads 1)
//! 12   4  flags, u32 LE: bit 0 = encrypted
//! 16   2  length n of the encryption parameters, u16 LE (0 if not encrypted)
//! 18 200  encryption parameters (KDF salt and costs, key-check value), zero padded
//! 218  4  CRC32 of bytes 0..218
//! ```
//!
//! The version sits at a fixed offset forever, so a later format is refused
//! with `UnsupportedFormatVersion` before anything else is interpreted.
//!
//! Superblock, in slot A (offset 4096) or B (offset 8192):
//!
//! ```text
//! 0   4  magic "KSSB"
//! 4   4  format version, u32 LE
//! 8   8  generation, u64 LE: +1 per commit; the valid slot with the highest wins
//! 16  8  manifest extent offset        24  8  manifest length in bytes
//! 32  8  WAL head extent offset        40  8  WAL head extent length
//! 48  8  WAL salt (changes whenever the WAL restarts empty)
//! 56  8  flushed seqno: every batch up to it is in SSTs
//! 64  4  CRC32 of bytes 0..64
//! ```
//!
//! Generation `g` is written to slot `g % 2`.

use super::extent::Extent;
use super::SUPERBLOCK_SLOTS;
use crate::codec::{crc32, Cursor};
use crate::error::StorageError;
use crate::io::FileIo;

pub const MAGIC: [u8; 8] = *b"KSTONEDB";
pub const SUPERBLOCK_MAGIC: [u8; 4] = *b"KSSB";
pub const FORMAT_VERSION: u32 = 1;
/// Bytes reserved in the header for encryption parameters.
pub const CRYPTO_AREA: usize = 200;
const HEADER_CRC_AT: usize = 18 + CRYPTO_AREA;
pub const HEADER_LEN: usize = HEADER_CRC_AT + 4;
const SUPERBLOCK_LEN: usize = 68;

pub const FLAG_ENCRYPTED: u32 = 1;

/// The fixed facts of a database, from its first page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    pub flags: u32,
    /// Opaque encryption parameters written by the crypto layer.
    pub crypto: Vec<u8>,
}

impl FileHeader {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
        // Callers pass at most CRYPTO_AREA bytes (checked in Tree::create).
        let n = self.crypto.len().min(CRYPTO_AREA);
        out.extend_from_slice(&(n as u16).to_le_bytes());
        out.extend_from_slice(&self.crypto[..n]);
        out.resize(HEADER_CRC_AT, 0);
        let crc = crc32(&[&out]);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decode the header page; `bytes` may be shorter than a page (a file that
    /// is too short is not a database).
    pub fn decode(bytes: &[u8]) -> Result<FileHeader, StorageError> {
        if bytes.len() < 12 || bytes[..8] != MAGIC {
            return Err(StorageError::NotADatabase);
        }
        let mut c = Cursor::new(bytes, "file header", 0);
        c.bytes(8)?;
        let version = c.u32()?;
        if version != FORMAT_VERSION {
            return Err(StorageError::UnsupportedFormatVersion { found: version, supported: FORMAT_VERSION });
        }
        if bytes.len() < HEADER_LEN {
            return Err(StorageError::corrupted("file header: truncated", bytes.len() as u64));
        }
        let stored = u32::from_le_bytes(bytes[HEADER_CRC_AT..HEADER_LEN].try_into().unwrap_or([0; 4]));
        if crc32(&[&bytes[..HEADER_CRC_AT]]) != stored {
            return Err(StorageError::ChecksumMismatch { what: "file header".into(), offset: 0 });
        }
        let flags = c.u32()?;
        let n = u16::from_le_bytes([bytes[16], bytes[17]]) as usize;
        if n > CRYPTO_AREA {
            return Err(StorageError::corrupted("file header: encryption parameters too long", 16));
        }
        Ok(FileHeader { flags, crypto: bytes[18..18 + n].to_vec() })
    }

    pub fn encrypted(&self) -> bool {
        self.flags & FLAG_ENCRYPTED != 0
    }
}

/// The root of everything live in the file at one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    pub generation: u64,
    pub manifest: Extent,
    /// Exact byte length of the manifest block inside its extent.
    pub manifest_len: u64,
    pub wal_head: Extent,
    pub wal_salt: u64,
    pub flushed_seqno: u64,
}

impl Superblock {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SUPERBLOCK_LEN);
        out.extend_from_slice(&SUPERBLOCK_MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        for v in [
            self.generation,
            self.manifest.offset,
            self.manifest_len,
            self.wal_head.offset,
            self.wal_head.len,
            self.wal_salt,
            self.flushed_seqno,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let crc = crc32(&[&out]);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decode one slot; `Ok(None)` if it holds no valid superblock (never
    /// written, or torn).
    pub fn decode(bytes: &[u8], slot_offset: u64) -> Result<Option<Superblock>, StorageError> {
        if bytes.len() < SUPERBLOCK_LEN || bytes[..4] != SUPERBLOCK_MAGIC {
            return Ok(None);
        }
        let stored = u32::from_le_bytes([bytes[64], bytes[65], bytes[66], bytes[67]]);
        if crc32(&[&bytes[..64]]) != stored {
            return Ok(None);
        }
        let mut c = Cursor::new(bytes, "superblock", slot_offset);
        c.bytes(4)?;
        let version = c.u32()?;
        if version != FORMAT_VERSION {
            return Err(StorageError::UnsupportedFormatVersion { found: version, supported: FORMAT_VERSION });
        }
        let generation = c.u64()?;
        let manifest_offset = c.u64()?;
        let manifest_len = c.u64()?;
        let wal_offset = c.u64()?;
        let wal_len = c.u64()?;
        let wal_salt = c.u64()?;
        let flushed_seqno = c.u64()?;
        Ok(Some(Superblock {
            generation,
            manifest: Extent { offset: manifest_offset, len: super::round_to_page(manifest_len) },
            manifest_len,
            wal_head: Extent { offset: wal_offset, len: wal_len },
            wal_salt,
            flushed_seqno,
        }))
    }

    /// The slot this superblock is written to.
    pub fn slot(&self) -> u64 {
        SUPERBLOCK_SLOTS[(self.generation % 2) as usize]
    }

    /// Read both slots and return the valid one with the highest generation.
    pub fn read_latest(file: &dyn FileIo) -> Result<Superblock, StorageError> {
        let mut best: Option<Superblock> = None;
        for slot in SUPERBLOCK_SLOTS {
            let mut buf = vec![0u8; SUPERBLOCK_LEN];
            file.read_at(slot, &mut buf)?;
            if let Some(sb) = Superblock::decode(&buf, slot)? {
                if sb.slot() == slot && best.is_none_or(|b| sb.generation > b.generation) {
                    best = Some(sb);
                }
            }
        }
        best.ok_or_else(|| StorageError::corrupted("both superblocks are damaged", SUPERBLOCK_SLOTS[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Superblock {
        Superblock {
            generation: 7,
            manifest: Extent { offset: 12288, len: 4096 },
            manifest_len: 100,
            wal_head: Extent { offset: 16384, len: 1 << 20 },
            wal_salt: 0xdead_beef,
            flushed_seqno: 42,
        }
    }

    #[test]
    fn superblock_round_trips_and_detects_damage() {
        let sb = sample();
        let mut bytes = sb.encode();
        assert_eq!(Superblock::decode(&bytes, 0).unwrap(), Some(sb));
        bytes[20] ^= 1;
        assert_eq!(Superblock::decode(&bytes, 0).unwrap(), None);
    }

    #[test]
    fn header_round_trips() {
        let h = FileHeader { flags: FLAG_ENCRYPTED, crypto: vec![1, 2, 3] };
        let bytes = h.encode();
        assert_eq!(bytes.len(), HEADER_LEN);
        assert_eq!(FileHeader::decode(&bytes).unwrap(), h);
    }

    #[test]
    fn header_refuses_strangers_and_future_versions() {
        assert!(matches!(FileHeader::decode(b"hello world, I am a text file"), Err(StorageError::NotADatabase)));
        let mut bytes = FileHeader { flags: 0, crypto: vec![] }.encode();
        bytes[8] = 9;
        assert!(matches!(
            FileHeader::decode(&bytes),
            Err(StorageError::UnsupportedFormatVersion { found: 9, supported: 1 })
        ));
        let mut bytes = FileHeader { flags: 0, crypto: vec![] }.encode();
        bytes[13] ^= 1;
        assert!(matches!(FileHeader::decode(&bytes), Err(StorageError::ChecksumMismatch { .. })));
    }
}
