//! The data every store is given: keys, values and sizes, all derived from
//! an index so that every store (and every child process) sees exactly the
//! same bytes without sharing any state.
//!
//! Keys are 16 bytes. The sequential workload uses the index itself, big
//! endian, so index order is key order. The random workload puts a 64-bit
//! bijective mix of the index in front of the index: the mix makes index order
//! look random to the store, and the index behind it keeps every key unique.
//! Keys the stores never saw (for missing-key gets) use indices past `n`.
//!
//! Values are 100 bytes of pseudo-random, incompressible data, with the
//! version number mixed in so that an overwrite really changes the bytes.

/// Sizes of every case, read from the environment so that a quick run and
/// the full run are the same program.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Keys in the main data set (`KSTONE_BENCH_N`).
    pub n: u64,
    /// Entries per commit in the batched cases (`KSTONE_BENCH_BATCH`).
    pub batch: u64,
    /// Single-commit puts without fsync (`KSTONE_BENCH_SINGLE_N`).
    pub single_n: u64,
    /// Durable commits, and raw fsyncs (`KSTONE_BENCH_SYNC_N`).
    pub sync_n: u64,
    /// Concurrent writers in the group-commit case (`KSTONE_BENCH_WRITERS`).
    pub writers: u64,
    /// Point gets, hits and misses each (`KSTONE_BENCH_GETS`).
    pub gets: u64,
    /// Size of the big database in GiB, may be fractional (`KSTONE_BENCH_BIG_GB`).
    pub big_gb: f64,
    /// Items in the item-level cases (`KSTONE_BENCH_ITEMS`).
    pub items: u64,
}

pub const KEY_LEN: usize = 16;
pub const VALUE_LEN: usize = 100;
/// Value size of the big database: large values reach 1 GB with few entries,
/// so building it stays quick for every store.
pub const BIG_VALUE_LEN: usize = 4000;

/// Every variable the children read, so the parent can hand them on (wasmtime
/// sees no environment it is not given).
pub const ENV_VARS: &[&str] = &[
    "KSTONE_BENCH_N",
    "KSTONE_BENCH_BATCH",
    "KSTONE_BENCH_SINGLE_N",
    "KSTONE_BENCH_SYNC_N",
    "KSTONE_BENCH_WRITERS",
    "KSTONE_BENCH_GETS",
    "KSTONE_BENCH_BIG_GB",
    "KSTONE_BENCH_ITEMS",
];

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => match text.trim().replace('_', "").parse::<u64>() {
            Ok(v) if v > 0 => v,
            _ => panic!("{name}={text:?}: expected a positive integer"),
        },
        Err(_) => default,
    }
}

impl Sizes {
    pub fn from_env() -> Sizes {
        let n = env_u64("KSTONE_BENCH_N", 1_000_000);
        let big_gb = match std::env::var("KSTONE_BENCH_BIG_GB") {
            Ok(text) => match text.trim().parse::<f64>() {
                Ok(v) if v > 0.0 => v,
                _ => panic!("KSTONE_BENCH_BIG_GB={text:?}: expected a positive number"),
            },
            Err(_) => 1.0,
        };
        Sizes {
            n,
            batch: env_u64("KSTONE_BENCH_BATCH", 1_000),
            single_n: env_u64("KSTONE_BENCH_SINGLE_N", (n / 5).max(1)),
            sync_n: env_u64("KSTONE_BENCH_SYNC_N", 2_000),
            writers: env_u64("KSTONE_BENCH_WRITERS", 8),
            gets: env_u64("KSTONE_BENCH_GETS", n),
            big_gb,
            items: env_u64("KSTONE_BENCH_ITEMS", (n / 10).max(10)),
        }
    }

    /// Entries of the big database.
    pub fn big_entries(&self) -> u64 {
        let bytes = self.big_gb * (1u64 << 30) as f64;
        ((bytes / (KEY_LEN + BIG_VALUE_LEN) as f64) as u64).max(1)
    }
}

/// A bijective 64-bit mix (splitmix64's finaliser): distinct inputs give
/// distinct outputs, in an order that looks random.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Key `i` of the sequential workload: index order is key order.
pub fn seq_key(i: u64) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    key[8..].copy_from_slice(&i.to_be_bytes());
    key
}

/// Key `i` of the random workload: unique, in an order unrelated to `i`.
pub fn rand_key(i: u64) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    key[..8].copy_from_slice(&mix(i).to_be_bytes());
    key[8..].copy_from_slice(&i.to_be_bytes());
    key
}

/// Fill `out` with the bytes of value `i`, version `version`.
pub fn fill_value(i: u64, version: u64, out: &mut [u8]) {
    let mut state = mix(i ^ version.rotate_left(48));
    for chunk in out.chunks_mut(8) {
        state = mix(state);
        let bytes = state.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

pub fn value(i: u64, version: u64) -> [u8; VALUE_LEN] {
    let mut v = [0u8; VALUE_LEN];
    fill_value(i, version, &mut v);
    v
}

/// The `r`-th index of a random probe sequence over `0..n`.
pub fn probe(r: u64, n: u64) -> u64 {
    mix(r ^ 0xA5A5_5A5A_0F0F_F0F0) % n
}

/// Indices per bucket of [`for_each_rand_index_in_key_order`]: enough to
/// keep the number of passes small, few enough that the bench's own memory
/// (8 bytes per index held) stays far below any store's.
const KEY_ORDER_BUCKET: u64 = 16 << 10;

/// Call `f` with every index of `0..n`, ordered by its random key, so
/// overwrites can run in key order (cheap for every store) over the random
/// data set. The key space is cut into buckets by the top bits of the mix,
/// one pass over `0..n` per bucket collects and sorts its indices, so only
/// one bucket's indices are held at a time, not all `n` of them: a store's
/// measured memory is not inflated by the bench's.
pub fn for_each_rand_index_in_key_order(n: u64, mut f: impl FnMut(u64)) {
    let buckets = n.div_ceil(KEY_ORDER_BUCKET).max(1);
    let bucket_of = |i: u64| ((u128::from(mix(i)) * u128::from(buckets)) >> 64) as u64;
    let mut held = Vec::with_capacity(2 * KEY_ORDER_BUCKET as usize);
    for bucket in 0..buckets {
        held.clear();
        held.extend((0..n).filter(|&i| bucket_of(i) == bucket));
        held.sort_unstable_by_key(|&i| mix(i));
        held.iter().for_each(|&i| f(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_are_unique_and_unordered() {
        let keys: Vec<_> = (0..1000).map(rand_key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 1000);
        assert_ne!(sorted, keys);
    }

    #[test]
    fn key_order_visits_every_index_once_in_key_order() {
        for n in [1u64, 7, 40_000] {
            let mut seen = Vec::new();
            for_each_rand_index_in_key_order(n, |i| seen.push(i));
            let keys: Vec<_> = seen.iter().map(|&i| rand_key(i)).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "n={n}: not in key order");
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn values_change_with_version() {
        assert_ne!(value(7, 0), value(7, 1));
        assert_eq!(value(7, 1), value(7, 1));
    }
}
