//! CRC-32 (IEEE 802.3, the zlib/PNG one) over byte slices.
//!
//! Native builds use `crc32fast`, which picks the CPU's carry-less multiply
//! instructions. wasm has none, and there `crc32fast` falls back to a
//! table-driven loop whose 16 KB of tables sit in the module's data, where
//! they cost the browser bundle about 16 KB even gzipped (a CRC table is
//! as incompressible as random bytes). The wasm builds therefore run the same
//! slice-by-16 loop over tables computed on first use. Both give the same
//! value for the same bytes (the tests compare them), so files move freely
//! between targets.

#[cfg(not(target_arch = "wasm32"))]
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

#[cfg(target_arch = "wasm32")]
pub fn crc32(parts: &[&[u8]]) -> u32 {
    portable::crc32(parts)
}

#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
mod portable {
    use std::sync::OnceLock;

    /// The reflected IEEE polynomial.
    const POLY: u32 = 0xEDB8_8320;

    type Tables = [[u32; 256]; 16];

    /// `t[0]` is the byte-at-a-time table; `t[k][b]` is the CRC of byte `b`
    /// followed by `k` zero bytes, so 16 lookups advance 16 bytes at once.
    fn tables() -> &'static Tables {
        static TABLES: OnceLock<Box<Tables>> = OnceLock::new();
        TABLES.get_or_init(|| {
            let mut t: Box<Tables> = vec![[0u32; 256]; 16].into_boxed_slice().try_into().expect("16 tables");
            for b in 0..256 {
                let mut c = b as u32;
                for _ in 0..8 {
                    c = if c & 1 == 1 { POLY ^ (c >> 1) } else { c >> 1 };
                }
                t[0][b] = c;
            }
            for k in 1..16 {
                for b in 0..256 {
                    let prev = t[k - 1][b];
                    t[k][b] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
                }
            }
            t
        })
    }

    pub fn crc32(parts: &[&[u8]]) -> u32 {
        let t = tables();
        let mut crc = !0u32;
        for part in parts {
            let mut chunks = part.chunks_exact(16);
            for c in &mut chunks {
                let w = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                crc = t[15][(w & 0xff) as usize]
                    ^ t[14][((w >> 8) & 0xff) as usize]
                    ^ t[13][((w >> 16) & 0xff) as usize]
                    ^ t[12][(w >> 24) as usize];
                for (i, &b) in c[4..].iter().enumerate() {
                    crc ^= t[11 - i][b as usize];
                }
            }
            for &b in chunks.remainder() {
                crc = (crc >> 8) ^ t[0][((crc ^ u32::from(b)) & 0xff) as usize];
            }
        }
        !crc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_values() {
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(portable::crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(portable::crc32(&[]), 0);
        assert_eq!(portable::crc32(&[b"1234", b"", b"56789"]), 0xCBF4_3926);
    }

    proptest! {
        #[test]
        fn portable_loop_agrees_with_crc32fast(data in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
            let cut = cut.min(data.len());
            let mut h = crc32fast::Hasher::new();
            h.update(&data);
            prop_assert_eq!(portable::crc32(&[&data[..cut], &data[cut..]]), h.finalize());
        }
    }
}
