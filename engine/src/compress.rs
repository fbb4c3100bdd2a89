//! zstd block compression: the transform an SST block (or a large WAL record)
//! goes through between its builder and the file.
//!
//! # Why zstd, and why `ruzstd`
//!
//! The engine runs natively, under WASI and in a browser from one codebase, so
//! every dependency must build for `wasm32-unknown-unknown` without a C
//! toolchain. `ruzstd` is a pure-Rust zstd encoder and decoder; its output is a
//! standard zstd frame (RFC 8878) that any zstd tool can read, so a file stays
//! inspectable with stock tools.
//!
//! # What the encoder can do
//!
//! `ruzstd` 0.9 implements two of its five levels: `Uncompressed` (a raw zstd
//! frame) and `Fastest` (roughly zstd level 1). `Default`, `Better` and `Best`
//! panic with "unimplemented" inside the crate, so they are **not** exposed
//! here. [`CompressionLevel`] therefore has one real level today; it is
//! `#[non_exhaustive]` so stronger levels can be added once the crate ships
//! them. The level is an encoder choice only: the decoder reads every level,
//! so a file written with a future level still opens with this code.
//!
//! # Frame contents
//!
//! [`compress`] returns one zstd frame: magic `28 B5 2F FD`, a frame header
//! (no content size, no dictionary, no content checksum: the block framing
//! above this layer already carries a CRC32), then zstd blocks. A frame for a
//! small input costs about 6–9 bytes more than the data it wraps when the data
//! does not compress, so a caller should store the block raw (and say so in its
//! block header) when `compressed.len() >= plain.len()`; see
//! [`compress_if_smaller`].
//!
//! # Bounded, panic-free decoding
//!
//! [`decompress`] never trusts the frame: the output is capped at the
//! caller's `max_len` (the block size the SST index promises), the zstd window
//! is capped at [`MAX_WINDOW_BYTES`], trailing bytes after the frame are
//! rejected, and every decoder failure becomes [`StorageError::Corrupted`].
//! A damaged block therefore cannot allocate unbounded memory or panic; a
//! proptest below feeds random and mutated frames to check exactly that.
//! Offsets in the returned errors are relative to the start of `data`; the
//! caller adds the block's file offset with [`StorageError::offset_by`].

use std::io::Read;

use ruzstd::decoding::StreamingDecoder;
#[cfg(feature = "zstd-encoder")]
use ruzstd::encoding::CompressionLevel as ZstdLevel;

use crate::error::StorageError;

/// The largest zstd window a frame may declare. The encoder declares a fixed
/// window (a few hundred KiB); a frame asking for more is damaged. Capping it
/// bounds the decoder's buffer independently of `max_len`.
pub const MAX_WINDOW_BYTES: u64 = 8 << 20;

/// How hard the encoder works. Only levels that `ruzstd` really implements are
/// offered (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CompressionLevel {
    /// Roughly zstd level 1: fast, with a fair ratio on item data.
    #[default]
    Fastest,
}

#[cfg(feature = "zstd-encoder")]
impl CompressionLevel {
    fn to_zstd(self) -> ZstdLevel {
        match self {
            CompressionLevel::Fastest => ZstdLevel::Fastest,
        }
    }
}

/// Whether this build can write compressed blocks. Every build reads them;
/// the encoder is a cargo feature (`zstd-encoder`, on by default) so that the
/// browser bundle, which writes uncompressed blocks, does not carry it.
pub const CAN_COMPRESS: bool = cfg!(feature = "zstd-encoder");

/// Compresses `plain` into one zstd frame.
#[cfg(feature = "zstd-encoder")]
pub fn compress(plain: &[u8], level: CompressionLevel) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(plain, level.to_zstd())
}

/// Compresses `plain` and returns the frame only if it is strictly smaller
/// than the input; `None` means "store this block raw".
#[cfg(feature = "zstd-encoder")]
pub fn compress_if_smaller(plain: &[u8], level: CompressionLevel) -> Option<Vec<u8>> {
    let frame = compress(plain, level);
    (frame.len() < plain.len()).then_some(frame)
}

/// Without the encoder every block is stored raw (`lsm::setup` refuses a
/// config that asks for compression, so this is never a silent downgrade).
#[cfg(not(feature = "zstd-encoder"))]
pub fn compress_if_smaller(_plain: &[u8], _level: CompressionLevel) -> Option<Vec<u8>> {
    None
}

/// Decompresses one zstd frame that must expand to at most `max_len` bytes.
///
/// Errors: any malformed, truncated or oversized frame, or bytes after the
/// frame, is [`StorageError::Corrupted`]; it never panics.
pub fn decompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, StorageError> {
    let mut source: &[u8] = data;
    let decoder = StreamingDecoder::new_with_max_window_size(&mut source, MAX_WINDOW_BYTES)
        .map_err(|e| corrupted(format!("zstd frame header: {e}"), 0))?;
    // Read one byte past the limit so "exactly max_len" and "too long" differ.
    let limit = (max_len as u64).saturating_add(1);
    // Start small: `max_len` comes from the (checked) index, but there is no
    // reason to reserve it before the frame proves to be that long.
    let mut plain = Vec::with_capacity(max_len.min(64 << 10));
    let read_result = decoder.take(limit).read_to_end(&mut plain);
    let consumed = data.len() - source.len();
    if let Err(e) = read_result {
        return Err(corrupted(format!("zstd data: {e}"), consumed as u64));
    }
    if plain.len() > max_len {
        return Err(corrupted(
            format!("zstd block expands past its limit of {max_len} bytes"),
            consumed as u64,
        ));
    }
    if !source.is_empty() {
        return Err(corrupted(
            format!("{} unexpected bytes after the zstd frame", source.len()),
            consumed as u64,
        ));
    }
    Ok(plain)
}

fn corrupted(what: String, offset: u64) -> StorageError {
    StorageError::Corrupted { what, offset }
}

#[cfg(all(test, feature = "zstd-encoder"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes that look like a run of encoded DynamoDB items: repeated
    /// attribute names, similar keys, numbers and some random payload.
    pub(crate) fn item_like_bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 256);
        let mut state = seed | 1;
        let mut next = || {
            // xorshift64: deterministic and dependency-free.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut i = 0u64;
        while out.len() < len {
            let r = next();
            out.extend_from_slice(b"\x01pk\x00S");
            out.extend_from_slice(format!("user#{:08}", i * 7 + (r % 3)).as_bytes());
            out.extend_from_slice(b"\x02sk\x00S");
            out.extend_from_slice(format!("order#2026-{:02}-{:02}", r % 12 + 1, r % 28 + 1).as_bytes());
            out.extend_from_slice(b"\x06status\x00S");
            out.extend_from_slice(["PENDING", "SHIPPED", "DELIVERED"][(r % 3) as usize].as_bytes());
            out.extend_from_slice(b"\x05total\x00N");
            out.extend_from_slice(format!("{}.{:02}", r % 10_000, r % 100).as_bytes());
            out.extend_from_slice(b"\x04note\x00B");
            for _ in 0..(r % 24) {
                out.push(next() as u8);
            }
            i += 1;
        }
        out.truncate(len);
        out
    }

    #[test]
    fn round_trips_item_like_blocks_of_common_sizes() {
        for len in [0, 1, 100, 4096, 16 << 10, 64 << 10, 200 << 10] {
            let plain = item_like_bytes(len, len as u64 + 3);
            let frame = compress(&plain, CompressionLevel::Fastest);
            assert_eq!(decompress(&frame, len).unwrap(), plain, "len {len}");
            if len >= 4096 {
                assert!(frame.len() * 2 < plain.len(), "item data should compress at least 2x");
            }
        }
    }

    #[test]
    fn output_is_a_standard_zstd_frame() {
        let frame = compress(b"hello hello hello hello", CompressionLevel::Fastest);
        assert_eq!(&frame[..4], &[0x28, 0xB5, 0x2F, 0xFD]);
    }

    #[test]
    fn compress_if_smaller_declines_incompressible_data() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let random: Vec<u8> = (0..512)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        assert!(compress_if_smaller(&random, CompressionLevel::Fastest).is_none());
        assert!(compress_if_smaller(&[], CompressionLevel::Fastest).is_none());
        let items = item_like_bytes(4096, 9);
        let frame = compress_if_smaller(&items, CompressionLevel::Fastest).unwrap();
        assert_eq!(decompress(&frame, items.len()).unwrap(), items);
    }

    #[test]
    fn rejects_output_longer_than_the_limit() {
        let plain = item_like_bytes(4096, 1);
        let frame = compress(&plain, CompressionLevel::Fastest);
        assert_eq!(decompress(&frame, 4096).unwrap().len(), 4096);
        let err = decompress(&frame, 4095).unwrap_err();
        assert!(matches!(err, StorageError::Corrupted { .. }), "{err}");
        assert!(err.to_string().contains("limit of 4095"), "{err}");
    }

    #[test]
    fn rejects_truncated_frames_at_every_length() {
        let plain = item_like_bytes(4096, 2);
        let frame = compress(&plain, CompressionLevel::Fastest);
        for cut in 0..frame.len() {
            let err = decompress(&frame[..cut], 4096).unwrap_err();
            assert!(matches!(err, StorageError::Corrupted { .. }), "cut {cut}: {err}");
        }
    }

    #[test]
    fn rejects_trailing_bytes_after_the_frame() {
        let mut frame = compress(b"abcabcabcabc", CompressionLevel::Fastest);
        frame.push(0);
        let err = decompress(&frame, 100).unwrap_err();
        assert!(err.to_string().contains("after the zstd frame"), "{err}");
    }

    #[test]
    fn rejects_non_zstd_bytes() {
        for data in [&b""[..], b"\0\0\0\0", b"not a zstd frame at all"] {
            assert!(matches!(decompress(data, 1 << 20), Err(StorageError::Corrupted { .. })));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn round_trips_arbitrary_bytes(plain in proptest::collection::vec(any::<u8>(), 0..20_000)) {
            let frame = compress(&plain, CompressionLevel::Fastest);
            prop_assert_eq!(decompress(&frame, plain.len()).unwrap(), plain);
        }

        #[test]
        fn round_trips_item_like_bytes(len in 0usize..70_000, seed in any::<u64>()) {
            let plain = item_like_bytes(len, seed);
            let frame = compress(&plain, CompressionLevel::Fastest);
            prop_assert_eq!(decompress(&frame, len).unwrap(), plain);
        }

        /// Random garbage never panics and never yields more than the limit.
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2_000)) {
            if let Ok(plain) = decompress(&data, 8192) {
                prop_assert!(plain.len() <= 8192);
            }
            // The same with a valid magic number in front, to get past the
            // first check and into the header and block decoders.
            let mut framed = vec![0x28, 0xB5, 0x2F, 0xFD];
            framed.extend_from_slice(&data);
            if let Ok(plain) = decompress(&framed, 8192) {
                prop_assert!(plain.len() <= 8192);
            }
        }

        /// A valid frame with a few bytes flipped, cut or inserted either
        /// decodes to at most `max_len` bytes or is reported as corrupted.
        #[test]
        fn mutated_frames_never_panic(
            len in 1usize..16_384,
            seed in any::<u64>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
            do_cut in any::<bool>(),
        ) {
            let plain = item_like_bytes(len, seed);
            let mut frame = compress(&plain, CompressionLevel::Fastest);
            for (at, xor) in flips {
                let i = at.index(frame.len());
                frame[i] ^= xor.max(1);
            }
            if do_cut {
                frame.truncate(cut.index(frame.len()));
            }
            match decompress(&frame, len) {
                Ok(out) => prop_assert!(out.len() <= len),
                Err(e) => {
                    let corrupted = matches!(e, StorageError::Corrupted { .. });
                    prop_assert!(corrupted, "{}", e);
                }
            }
        }
    }
}
