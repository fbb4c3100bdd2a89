//! Shared helpers for the storage tests: a seeded generator, an oracle and
//! a comparison of a tree with it.
#![allow(dead_code)]

use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability};
use std::collections::BTreeMap;
use std::ops::Bound;

pub type Oracle = BTreeMap<Vec<u8>, Vec<u8>>;

/// SplitMix64: deterministic and replayable from a seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A config that makes flushes and compactions happen after a few hundred writes.
/// Compression is on (off by default), so crash and fault tests cover compressed blocks.
pub fn small_config(durability: Durability) -> DatabaseConfig {
    DatabaseConfig { memtable_bytes: 16 << 10, durability, compression: true, ..DatabaseConfig::default() }
}

/// [`small_config`] with encryption on, and a cheap key derivation so that
/// hundreds of reopens stay fast.
pub fn sealed_config(durability: Durability) -> DatabaseConfig {
    DatabaseConfig {
        passphrase: Some("crash test passphrase".into()),
        kdf_cost: kstone_engine::KdfCost::CHEAP,
        ..small_config(durability)
    }
}

pub fn key(i: u64) -> Vec<u8> {
    format!("key-{i:06}").into_bytes()
}

pub fn value(rng: &mut Rng, i: u64) -> Vec<u8> {
    let len = rng.below(120) as usize;
    let mut v = format!("v{i}-").into_bytes();
    v.extend((0..len).map(|j| b'a' + ((i as usize + j) % 26) as u8));
    v
}

/// A random batch over `keys` keys, applied to the oracle as well.
pub fn random_batch(rng: &mut Rng, keys: u64, oracle: &mut Oracle) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for _ in 0..1 + rng.below(8) {
        let i = rng.below(keys);
        if rng.chance(25) {
            batch.delete(key(i));
            oracle.remove(&key(i));
        } else {
            let v = value(rng, i);
            batch.put(key(i), v.clone());
            oracle.insert(key(i), v);
        }
    }
    batch
}

/// Three rounds over `n` keys of random overwrites (60–140 byte values) and
/// deletes (one in five), in batches of 100, mirrored in `oracle`: enough
/// churn that compactions leave holes of every size for maintenance to fill.
pub fn churn(tree: &mut Tree, rng: &mut Rng, oracle: &mut Oracle, n: u64) {
    for round in 0..3u64 {
        for _ in 0..(n / 100) {
            let mut batch = WriteBatch::new();
            for _ in 0..100 {
                let i = rng.below(n);
                let v = vec![b'a' + round as u8; 60 + rng.below(80) as usize];
                if rng.chance(5) {
                    batch.delete(key(i));
                    oracle.remove(&key(i));
                } else {
                    batch.put(key(i), v.clone());
                    oracle.insert(key(i), v);
                }
            }
            tree.write(batch).unwrap();
        }
    }
}

pub fn random_bound(rng: &mut Rng, keys: u64) -> Bound<Vec<u8>> {
    match rng.below(3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(key(rng.below(keys + 2))),
        _ => Bound::Excluded(key(rng.below(keys + 2))),
    }
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
    }
}

/// The oracle's answer to a range scan.
pub fn oracle_range(oracle: &Oracle, lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>, reverse: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let empty = match (lower, upper) {
        (Bound::Included(l), Bound::Included(u)) => l > u,
        (Bound::Included(l) | Bound::Excluded(l), Bound::Excluded(u)) | (Bound::Excluded(l), Bound::Included(u)) => l >= u,
        _ => false,
    };
    if empty {
        return Vec::new();
    }
    let it = oracle.range::<Vec<u8>, _>((lower.clone(), upper.clone())).map(|(k, v)| (k.clone(), v.clone()));
    if reverse {
        it.rev().collect()
    } else {
        it.collect()
    }
}

pub fn tree_range(tree: &Tree, lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>, reverse: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    tree.range(as_ref(lower), as_ref(upper), reverse).collect::<Result<Vec<_>, _>>().expect("scan failed")
}

/// Every key and a full scan both ways agree with the oracle.
pub fn assert_matches(tree: &Tree, oracle: &Oracle, keys: u64, context: &str) {
    for i in 0..keys {
        assert_eq!(tree.get(&key(i)).expect("get failed"), oracle.get(&key(i)).cloned(), "{context}: get key {i}");
    }
    let all: Vec<(Vec<u8>, Vec<u8>)> = oracle.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(tree_range(tree, &Bound::Unbounded, &Bound::Unbounded, false), all, "{context}: forward scan");
    let mut rev = all;
    rev.reverse();
    assert_eq!(tree_range(tree, &Bound::Unbounded, &Bound::Unbounded, true), rev, "{context}: reverse scan");
}
