//! The block cache as the tree uses it: repeated reads hit it, its budget
//! holds (pinned index and bloom blocks included), and the blocks of SSTs
//! that compaction replaced leave it.

use kstone_engine::io::MemoryFile;
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability};
use std::ops::Bound;
use crate::support::*;

fn loaded_tree(cache_bytes: usize, n: u64) -> Tree {
    let config = DatabaseConfig {
        memtable_bytes: 64 << 10,
        block_cache_bytes: cache_bytes,
        durability: Durability::None,
        compression: false,
        ..DatabaseConfig::default()
    };
    let mut tree = Tree::open(Box::new(MemoryFile::new()), config).unwrap();
    for chunk in 0..n / 100 {
        let mut batch = WriteBatch::new();
        for j in 0..100 {
            let i = (chunk * 100 + j).wrapping_mul(7919) % n;
            batch.put(key(i), format!("value-{i}-{}", "v".repeat(60)).into_bytes());
        }
        tree.write(batch).unwrap();
    }
    tree.flush().unwrap();
    tree
}

fn within_budget(tree: &Tree) -> bool {
    let s = tree.stats();
    s.cache_bytes + s.cache_pinned_bytes <= s.cache_capacity || s.cache_bytes == 0
}

#[test]
fn repeated_gets_hit_the_cache() {
    let tree = loaded_tree(8 << 20, 10_000);
    for i in 0..100 {
        assert!(tree.get(&key(i)).unwrap().is_some());
    }
    let cold = tree.stats();
    assert!(cold.cache_misses > 0, "{cold:?}");
    for i in 0..100 {
        assert!(tree.get(&key(i)).unwrap().is_some());
    }
    let warm = tree.stats();
    assert_eq!(warm.cache_misses, cold.cache_misses, "second pass read the file again");
    assert!(warm.cache_hits >= cold.cache_hits + 100, "{warm:?}");
    assert!(warm.cache_hit_rate > 0.25 && warm.cache_hit_rate <= 1.0, "{warm:?}");
    assert!(warm.cache_bytes > 0 && warm.cache_pinned_bytes > 0);
    assert!(within_budget(&tree));
}

#[test]
fn a_small_budget_is_never_exceeded_and_reads_stay_right() {
    let n = 20_000;
    let tree = loaded_tree(40 << 10, n);
    let mut rng = Rng(42);
    for step in 0..5_000 {
        let i = rng.below(n);
        let found = tree.get(&key(i)).unwrap().expect("written key");
        assert!(found.starts_with(format!("value-{i}-").as_bytes()));
        if step % 500 == 0 {
            assert!(within_budget(&tree), "{:?}", tree.stats());
        }
    }
    let count = tree.range(Bound::Unbounded, Bound::Unbounded, false).count() as u64;
    assert_eq!(count, n);
    let s = tree.stats();
    assert!(within_budget(&tree), "{s:?}");
    assert!(s.cache_hits > 0 && s.cache_misses > 0, "{s:?}");
}

#[test]
fn blocks_of_compacted_ssts_leave_the_cache() {
    let mut tree = loaded_tree(8 << 20, 10_000);
    for i in 0..10_000 {
        assert!(tree.get(&key(i)).unwrap().is_some());
    }
    let before = tree.stats();
    assert!(before.cache_bytes > 0 && before.cache_pinned_bytes > 0, "{before:?}");
    tree.compact().unwrap();
    let after = tree.stats();
    assert!(after.sst_bytes > 0);
    // Every SST was replaced; nothing has read the new ones yet, and
    // compaction does not fill the cache with blocks it is about to delete.
    assert_eq!((after.cache_bytes, after.cache_pinned_bytes), (0, 0), "{after:?}");
    for i in 0..10_000 {
        let found = tree.get(&key(i)).unwrap().expect("written key");
        assert!(found.starts_with(format!("value-{i}-").as_bytes()));
    }
    assert!(tree.stats().cache_bytes > 0);
}

#[test]
fn a_zero_budget_caches_nothing() {
    let tree = loaded_tree(0, 5_000);
    for i in 0..200 {
        assert!(tree.get(&key(i)).unwrap().is_some());
        assert!(tree.get(&key(i)).unwrap().is_some());
    }
    let s = tree.stats();
    assert_eq!((s.cache_hits, s.cache_bytes), (0, 0), "{s:?}");
}

/// `stored_bytes_bound` (what the item-collection check uses to skip reading
/// a partition) never falls below the bytes a full scan reads, through
/// overwrites, deletes, flushes and compactions.
#[test]
fn the_stored_bytes_bound_covers_every_live_value() {
    let config = DatabaseConfig {
        memtable_bytes: 16 << 10,
        durability: Durability::None,
        ..DatabaseConfig::default()
    };
    let mut tree = Tree::open(Box::new(MemoryFile::new()), config).unwrap();
    for round in 0..40u64 {
        let mut batch = WriteBatch::new();
        for j in 0..50u64 {
            let i = (round * 50 + j).wrapping_mul(7919) % 700;
            if (i + round) % 5 == 0 {
                batch.delete(key(i));
            } else {
                batch.put(key(i), vec![b'v'; (i % 300) as usize + 1]);
            }
        }
        tree.write(batch).unwrap();
        if round % 9 == 8 {
            tree.flush().unwrap();
        }
        let live: u64 = tree.range(Bound::Unbounded, Bound::Unbounded, false).map(|e| e.unwrap().1.len() as u64).sum();
        assert!(tree.stored_bytes_bound() >= live, "round {round}: bound {} < live {live}", tree.stored_bytes_bound());
    }
    assert!(tree.stats().flushes > 0);
}
