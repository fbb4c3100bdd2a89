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

/// Bytes of the filter [`build`] makes for `keys` keys.
pub fn encoded_len(keys: usize) -> usize {
    1 + (keys * BITS_PER_KEY).max(64).div_ceil(8)
}

/// Encode a filter for keys with these hashes.
pub fn build(hashes: &[u64]) -> Vec<u8> {
    let mut out = vec![0u8; encoded_len(hashes.len())];
    let bits = (out.len() - 1) * 8;
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
    ///
    /// The probes are the builder's `(h1 + i·h2) mod n`, stepped as
    /// `bit += h2 mod n` (wrapping at `n`): the same bits with two divisions
    /// instead of one per probe. (`h1`, `h2` < 2³² and `i` < 31, so the
    /// builder's sum never wraps and the two forms agree.)
    pub fn may_contain(&self, hash: u64) -> bool {
        let n = ((self.data.len() - 1) * 8) as u64;
        let (h1, h2) = split(hash);
        let step = h2 % n;
        let mut bit = h1 % n;
        for _ in 0..self.data[0] {
            if self.data[1 + (bit / 8) as usize] & (1 << (bit % 8)) == 0 {
                return false;
            }
            bit += step;
            if bit >= n {
                bit -= n;
            }
        }
        true
    }

    pub fn bytes(&self) -> usize {
        self.data.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hash64;

    /// The probe positions the builder sets, computed the builder's way.
    fn probes_as_built(data: &[u8], hash: u64) -> bool {
        let n = ((data.len() - 1) * 8) as u64;
        let (h1, h2) = split(hash);
        (0..u64::from(data[0])).all(|i| {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % n;
            data[1 + (bit / 8) as usize] & (1 << (bit % 8)) != 0
        })
    }

    #[test]
    fn stepped_probes_agree_with_the_builders_formula() {
        for keys in [1u32, 7, 100, 3001] {
            let hashes: Vec<u64> = (0..keys).map(|i| hash64(format!("k{i}").as_bytes())).collect();
            let data = build(&hashes);
            let bloom = Bloom::parse(data.clone(), 0).unwrap();
            for i in 0..5000u32 {
                let h = hash64(format!("probe{i}").as_bytes());
                assert_eq!(bloom.may_contain(h), probes_as_built(&data, h), "{keys} keys, probe {i}");
            }
        }
    }

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
