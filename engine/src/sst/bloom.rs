//! Bloom filters: one per SST, so a get of a missing key usually reads no
//! data block at all.
//!
//! ```text
//! filter:  probes k (u8) | bit array (little-endian bit order within bytes)
//! ```
//!
//! Ten bits per key and seven probes give about 0.8 % false positives. The
//! probes use double hashing of the stable [`hash64`](crate::codec::hash64):
//! `h1 + i * h2` for `i` in `0..k`, modulo the bit count. The builder keeps one
//! 64-bit hash per key until the SST is finished.

use crate::error::StorageError;

pub const BITS_PER_KEY: usize = 10;
const PROBES: u8 = 7;

/// Encode a filter for keys with these hashes.
pub fn build(hashes: &[u64]) -> Vec<u8> {
    let bits = (hashes.len() * BITS_PER_KEY).max(64).div_ceil(8) * 8;
    let mut out = vec![0u8; 1 + bits / 8];
    out[0] = PROBES;
    let n = bits as u64;
    for &h in hashes {
        let (h1, h2) = split(h);
        for i in 0..u64::from(PROBES) {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % n;
            out[1 + (bit / 8) as usize] |= 1 << (bit % 8);
        }
    }
    out
}

fn split(h: u64) -> (u64, u64) {
    (h & 0xffff_ffff, (h >> 32) | 1)
}

/// A loaded filter.
pub struct Bloom {
    data: Vec<u8>,
}

impl Bloom {
    pub fn parse(data: Vec<u8>, offset: u64) -> Result<Bloom, StorageError> {
        if data.len() < 2 || data[0] == 0 || data[0] > 30 {
            return Err(StorageError::corrupted("bloom filter: bad header", offset));
        }
        Ok(Bloom { data })
    }

    /// False means the key is certainly absent.
    pub fn may_contain(&self, hash: u64) -> bool {
        let n = ((self.data.len() - 1) * 8) as u64;
        let (h1, h2) = split(hash);
        (0..u64::from(self.data[0])).all(|i| {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % n;
            self.data[1 + (bit / 8) as usize] & (1 << (bit % 8)) != 0
        })
    }

    pub fn bytes(&self) -> usize {
        self.data.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hash64;

    #[test]
    fn no_false_negatives_and_about_one_percent_false_positives() {
        let keys: Vec<u64> = (0..10_000u32).map(|i| hash64(format!("present{i}").as_bytes())).collect();
        let bloom = Bloom::parse(build(&keys), 0).unwrap();
        assert!(keys.iter().all(|&h| bloom.may_contain(h)));
        let fp = (0..20_000u32).filter(|i| bloom.may_contain(hash64(format!("absent{i}").as_bytes()))).count();
        let rate = fp as f64 / 20_000.0;
        assert!(rate < 0.015, "false positive rate {rate}");
    }
}
