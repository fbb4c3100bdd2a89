//! Block framing: the one transform every block (SST data, index and bloom
//! blocks, the manifest, WAL batch payloads) passes through between its
//! encoder and the file: optional compression, optional authenticated
//! encryption, and a CRC32.
//!
//! ```text
//! on disk:  stored bytes | CRC32 of the stored bytes (u32 LE)
//! stored:   body, or AEAD-sealed body when the database is encrypted
//! body:     kind (u8: 0 raw, 1 zstd) | plain length (varint) | data
//! ```
//!
//! The CRC covers what is on disk, so `verify()` checks every block without
//! the passphrase and a flipped bit is reported as a checksum mismatch rather
//! than as a decryption failure. The associated data of the AEAD binds a
//! block to its place (`id`, `offset`: SST id and offset in the SST, WAL salt
//! and file offset, ...), so blocks cannot be swapped around unnoticed.
//! Compression happens before encryption (ciphertext does not compress), and
//! a block is stored raw when compression would not make it smaller.

use crate::codec::{crc32, put_varint, Cursor};
use crate::compress::{compress_if_smaller, decompress, CompressionLevel};
use crate::error::StorageError;
use crate::io::MaybeSendSync;
use std::sync::Arc;

/// Authenticated encryption of whole blocks (implemented by the crypto layer).
pub trait Sealer: MaybeSendSync {
    fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, StorageError>;
    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StorageError>;
    /// Bytes sealing adds (nonce and tag).
    fn overhead(&self) -> usize;
}

/// Where a block belongs, as associated data: `(id, offset)`.
pub fn aad(id: u64, offset: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&id.to_le_bytes());
    out[8..].copy_from_slice(&offset.to_le_bytes());
    out
}

const KIND_RAW: u8 = 0;
const KIND_ZSTD: u8 = 1;
/// Size of the CRC trailer.
pub const TRAILER: usize = 4;
/// No block may claim to expand past this (bounds memory on damaged input).
pub const MAX_PLAIN_BLOCK: u64 = 64 << 20;

/// The per-database block transform.
pub struct BlockCodec {
    pub compression: Option<CompressionLevel>,
    pub sealer: Option<Box<dyn Sealer>>,
}

impl BlockCodec {
    pub fn plain() -> Self {
        BlockCodec { compression: None, sealer: None }
    }

    /// Append the framed form of `plain` to `out`; `compress` asks for zstd
    /// (used for SST data blocks) when the database has compression on.
    pub fn encode(&self, aad: &[u8; 16], plain: &[u8], compress: bool, out: &mut Vec<u8>) -> Result<(), StorageError> {
        let compressed = match (compress, self.compression) {
            (true, Some(level)) => compress_if_smaller(plain, level),
            _ => None,
        };
        let start = out.len();
        let (kind, data) = match &compressed {
            Some(c) => (KIND_ZSTD, c.as_slice()),
            None => (KIND_RAW, plain),
        };
        match &self.sealer {
            None => {
                out.push(kind);
                put_varint(out, plain.len() as u64);
                out.extend_from_slice(data);
            }
            Some(sealer) => {
                let mut body = Vec::with_capacity(data.len() + 11);
                body.push(kind);
                put_varint(&mut body, plain.len() as u64);
                body.extend_from_slice(data);
                out.extend_from_slice(&sealer.seal(aad, &body)?);
            }
        }
        let crc = crc32(&[&out[start..]]);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(())
    }

    /// Check the CRC of a framed block (without decoding it).
    pub fn check(what: &'static str, offset: u64, framed: &[u8]) -> Result<(), StorageError> {
        if framed.len() < TRAILER {
            return Err(StorageError::corrupted(format!("{what}: block too short"), offset));
        }
        let (stored, trailer) = framed.split_at(framed.len() - TRAILER);
        let expect = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        if crc32(&[stored]) != expect {
            return Err(StorageError::ChecksumMismatch { what: what.to_string(), offset });
        }
        Ok(())
    }

    /// Verify and undo [`BlockCodec::encode`]. `what` and `offset` (the file
    /// offset of the block) name the block in any error.
    pub fn decode(&self, what: &'static str, offset: u64, aad: &[u8; 16], framed: &[u8]) -> Result<Vec<u8>, StorageError> {
        Ok(match self.decode_in_place(what, offset, aad, framed)? {
            Plain::Borrowed(range) => framed[range].to_vec(),
            Plain::Owned(plain) => plain,
        })
    }

    /// [`BlockCodec::decode`] into shared memory, for blocks headed for the
    /// block cache: a raw block of a plain database (the common case) is
    /// copied once, straight from `framed`, instead of into a `Vec` and then
    /// again into the `Arc`.
    pub fn decode_shared(&self, what: &'static str, offset: u64, aad: &[u8; 16], framed: &[u8]) -> Result<Arc<[u8]>, StorageError> {
        Ok(match self.decode_in_place(what, offset, aad, framed)? {
            Plain::Borrowed(range) => Arc::from(&framed[range]),
            Plain::Owned(plain) => Arc::from(plain),
        })
    }

    fn decode_in_place(&self, what: &'static str, offset: u64, aad: &[u8; 16], framed: &[u8]) -> Result<Plain, StorageError> {
        Self::check(what, offset, framed)?;
        let stored = &framed[..framed.len() - TRAILER];
        let opened;
        let body: &[u8] = match &self.sealer {
            None => stored,
            Some(sealer) => {
                opened = sealer
                    .open(aad, stored)
                    .map_err(|_| StorageError::corrupted(format!("{what}: authentication failed"), offset))?;
                &opened
            }
        };
        let mut c = Cursor::new(body, what, offset);
        let kind = c.u8()?;
        let plain_len = c.varint()?;
        if plain_len > MAX_PLAIN_BLOCK {
            return Err(c.error("block length implausible"));
        }
        let data = &body[c.position()..];
        match kind {
            KIND_RAW => {
                if data.len() as u64 != plain_len {
                    return Err(c.error("raw block length mismatch"));
                }
                if self.sealer.is_none() {
                    Ok(Plain::Borrowed(c.position()..stored.len()))
                } else {
                    Ok(Plain::Owned(data.to_vec()))
                }
            }
            KIND_ZSTD => {
                // Offsets inside a (possibly decrypted) body are not file
                // offsets: name the block by where it starts.
                let plain = decompress(data, plain_len as usize).map_err(|e| match e {
                    StorageError::Corrupted { what: w, .. } => StorageError::Corrupted { what: format!("{what}: {w}"), offset },
                    other => other,
                })?;
                if plain.len() as u64 != plain_len {
                    return Err(c.error("compressed block length mismatch"));
                }
                Ok(Plain::Owned(plain))
            }
            _ => Err(c.error("unknown block kind")),
        }
    }
}

/// A decoded block: a range of the framed bytes (raw and unsealed) or bytes
/// of its own (decompressed or decrypted).
enum Plain {
    Borrowed(std::ops::Range<usize>),
    Owned(Vec<u8>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_and_bit_flips_are_caught() {
        let codec = BlockCodec { compression: Some(CompressionLevel::Fastest), sealer: None };
        let plain: Vec<u8> = (0..5000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        for compress in [false, true] {
            let mut out = Vec::new();
            codec.encode(&aad(1, 2), &plain, compress, &mut out).unwrap();
            assert_eq!(codec.decode("test block", 0, &aad(1, 2), &out).unwrap(), plain);
            assert_eq!(&*codec.decode_shared("test block", 0, &aad(1, 2), &out).unwrap(), &plain[..]);
            assert_eq!(out[0], if compress { KIND_ZSTD } else { KIND_RAW });
            if compress {
                assert!(out.len() * 4 < plain.len(), "repetitive data compresses: {} of {}", out.len(), plain.len());
            }
            out[3] ^= 0x40;
            assert!(matches!(
                codec.decode("test block", 77, &aad(1, 2), &out),
                Err(StorageError::ChecksumMismatch { offset: 77, .. })
            ));
        }
    }

    #[test]
    fn incompressible_blocks_are_stored_raw() {
        let codec = BlockCodec { compression: Some(CompressionLevel::Fastest), sealer: None };
        let mut state = 0x1234_5678_9abc_def1u64;
        let plain: Vec<u8> = (0..3000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect();
        let mut out = Vec::new();
        codec.encode(&aad(1, 2), &plain, true, &mut out).unwrap();
        assert_eq!(out[0], KIND_RAW);
        assert_eq!(codec.decode("b", 0, &aad(1, 2), &out).unwrap(), plain);
    }

    fn sealed_codec() -> BlockCodec {
        let params = crate::crypto::KdfParams { memory_kib: 64, iterations: 1, parallelism: 1, salt: [3; 16] };
        let cipher = crate::crypto::Cipher::derive("pw", &params).unwrap();
        BlockCodec { compression: Some(CompressionLevel::Fastest), sealer: Some(Box::new(cipher)) }
    }

    #[test]
    fn sealed_blocks_are_bound_to_their_place_and_checkable_without_the_key() {
        let codec = sealed_codec();
        let plain: Vec<u8> = b"user#0001 Alice ".iter().copied().cycle().take(4000).collect();
        let mut out = Vec::new();
        codec.encode(&aad(5, 4096), &plain, true, &mut out).unwrap();
        // Compressed before sealing: far smaller than the plain block.
        assert!(out.len() < plain.len() / 4);
        assert!(!out.windows(9).any(|w| w == b"user#0001"));
        BlockCodec::check("b", 0, &out).unwrap();
        assert_eq!(codec.decode("b", 0, &aad(5, 4096), &out).unwrap(), plain);
        assert_eq!(&*codec.decode_shared("b", 0, &aad(5, 4096), &out).unwrap(), &plain[..]);
        // The same bytes at another place do not open.
        let err = codec.decode("SST 5 block", 9, &aad(5, 8192), &out).unwrap_err();
        assert!(err.to_string().contains("authentication failed"), "{err}");
        // A plain reader sees a valid CRC but cannot make sense of the body.
        assert!(BlockCodec::plain().decode("b", 0, &aad(5, 4096), &out).is_err());
    }
}
