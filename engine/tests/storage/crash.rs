//! Crash recovery through `FaultyFile`: a workload runs until the file
//! "dies" at a random mutation; the disk image is then chosen from what a
//! real disk could hold (unsynced writes dropped, kept, reordered or torn),
//! reopened, and compared with the oracle. In `Sync` mode every acknowledged
//! batch must be there, and the state must be exactly the oracle after the
//! acknowledged batches, or after those plus the one in flight.
//!
//! The same crash points run on an encrypted database (300 of them, as
//! every block and WAL record then also passes through the AEAD); both
//! configurations compress.
//!
//! `KSTONE_LONG=1` runs 100,000 crash points instead of 1,200 (and 20,000
//! encrypted ones).

use kstone_engine::io::{CrashMode, FaultPlan, FaultyFile, MemoryFile};
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability};
use std::ops::Bound;
use crate::support::*;

const KEYS: u64 = 200;
const WORKLOAD_BATCHES: usize = 40;

fn scan(tree: &Tree) -> Oracle {
    tree.range(Bound::Unbounded, Bound::Unbounded, false).map(|r| r.expect("scan after recovery")).collect()
}

/// A database with some SSTs already in it, as the starting image.
fn base_image(config: Config) -> (Vec<u8>, Oracle) {
    let file = MemoryFile::new();
    let mut tree = Tree::open(Box::new(file.clone()), config(Durability::Sync)).unwrap();
    let mut rng = Rng(0xBA5E);
    let mut oracle = Oracle::new();
    for _ in 0..150 {
        tree.write(random_batch(&mut rng, KEYS, &mut oracle)).unwrap();
    }
    tree.close().unwrap();
    drop(tree);
    (file.to_vec(), oracle)
}

/// Run the workload on `file` until it fails; returns the oracle states
/// (index k = after k batches of this run) and how many were acknowledged.
fn run_until_crash(config: Config, file: &FaultyFile, seed: u64, start: &Oracle) -> (Vec<Oracle>, usize) {
    let mut rng = Rng(seed);
    let mut states = vec![start.clone()];
    let mut oracle = start.clone();
    let Ok(mut tree) = Tree::open(Box::new(file.clone()), config(Durability::Sync)) else {
        return (states, 0);
    };
    let mut acked = 0;
    for _ in 0..WORKLOAD_BATCHES {
        let batch: WriteBatch = random_batch(&mut rng, KEYS, &mut oracle);
        states.push(oracle.clone());
        match tree.write(batch) {
            Ok(_) => acked += 1,
            Err(_) => break,
        }
        if rng.chance(3) && tree.flush().is_err() {
            break;
        }
        // Idle work: compactions, the merge into the bottom level and moves
        // of tail SSTs into holes, each committed like any other change.
        if rng.chance(4) && tree.maintain().is_err() {
            break;
        }
    }
    (states, acked)
}

type Config = fn(Durability) -> DatabaseConfig;

fn crash_points(config: Config, count: u64) {
    let (base, base_oracle) = base_image(config);
    // How many mutations a whole workload makes, to spread crash points over it.
    let probe = FaultyFile::from_image(base.clone(), FaultPlan::default());
    run_until_crash(config, &probe, 1, &base_oracle);
    let span = probe.mutations().max(2);
    let modes = [CrashMode::DropUnsynced, CrashMode::KeepAll, CrashMode::Reorder, CrashMode::Torn];
    for point in 0..count {
        let mut rng = Rng(point.wrapping_mul(0x9E37_79B9));
        let seed = point % 64;
        let crash_at = 1 + rng.below(span);
        let file = FaultyFile::from_image(base.clone(), FaultPlan { crash_at_mutation: Some(crash_at), fail_call: None });
        let (states, acked) = run_until_crash(config, &file, seed, &base_oracle);
        let mode = modes[(point % 4) as usize];
        let image = file.crash_image(mode, point);
        let ctx = format!("point {point}: crash at mutation {crash_at}/{span}, {mode:?}, {acked} acknowledged");
        let reopened = FaultyFile::from_image(image, FaultPlan::default());
        let mut tree = Tree::open(Box::new(reopened.clone()), config(Durability::Sync))
            .unwrap_or_else(|e| panic!("{ctx}: open failed: {e}"));
        let got = scan(&tree);
        let ok = got == states[acked] || states.get(acked + 1).is_some_and(|s| *s == got);
        assert!(ok, "{ctx}: recovered state is not a committed prefix with every acknowledged batch");
        for i in 0..KEYS {
            assert_eq!(tree.get(&key(i)).unwrap(), got.get(&key(i)).cloned(), "{ctx}: get {i} disagrees with scan");
        }
        // The recovered database keeps working, and a second crash loses
        // nothing acknowledged after the first.
        let mut batch = WriteBatch::new();
        batch.put(b"after-crash".to_vec(), point.to_le_bytes().to_vec());
        tree.write(batch).unwrap_or_else(|e| panic!("{ctx}: write after recovery failed: {e}"));
        drop(tree);
        let again = FaultyFile::from_image(reopened.crash_image(CrashMode::DropUnsynced, point), FaultPlan::default());
        let tree = Tree::open(Box::new(again), config(Durability::Sync)).unwrap();
        assert_eq!(tree.get(b"after-crash").unwrap(), Some(point.to_le_bytes().to_vec()), "{ctx}: second recovery");
        if point % 50 == 0 {
            assert!(tree.verify().unwrap().is_clean(), "{ctx}: verify");
        }
    }
}

#[test]
fn every_acknowledged_write_survives_random_crash_points() {
    let long = std::env::var("KSTONE_LONG").is_ok_and(|v| v == "1");
    crash_points(small_config, if long { 100_000 } else { 1_200 });
}

#[test]
fn every_acknowledged_write_survives_random_crash_points_when_encrypted() {
    let long = std::env::var("KSTONE_LONG").is_ok_and(|v| v == "1");
    crash_points(sealed_config, if long { 20_000 } else { 300 });
}

/// A settled-down workload whose `maintain()` loop moves manifests and SSTs
/// down the file and splits tail SSTs into holes (see `lsm/relocate.rs`).
fn fragmented_image() -> (Vec<u8>, Oracle, DatabaseConfig) {
    let config = DatabaseConfig { memtable_bytes: 128 << 10, durability: Durability::Sync, compression: false, ..DatabaseConfig::default() };
    let file = MemoryFile::new();
    let mut tree = Tree::open(Box::new(file.clone()), config.clone()).unwrap();
    let mut rng = Rng(6);
    let mut oracle = Oracle::new();
    churn(&mut tree, &mut rng, &mut oracle, 20_000);
    tree.close().unwrap();
    drop(tree);
    (file.to_vec(), oracle, config)
}

/// Maintenance changes where data lives, never what it is: a crash at any
/// point of the `maintain()` loop (idle merges, SST moves in chunks, splits
/// of a tail SST into holes, manifest moves, truncation) reopens to exactly
/// the data, with a clean `verify()`, and maintenance then finishes.
#[test]
fn a_crash_during_maintenance_loses_nothing() {
    let (base, oracle, config) = fragmented_image();
    let settle = |file: &FaultyFile| -> bool {
        let Ok(mut tree) = Tree::open(Box::new(file.clone()), config.clone()) else { return false };
        loop {
            match tree.maintain() {
                Ok(true) => {}
                Ok(false) => return true,
                Err(_) => return false,
            }
        }
    };
    let probe = FaultyFile::from_image(base.clone(), FaultPlan::default());
    assert!(settle(&probe));
    let span = probe.mutations();
    let long = std::env::var("KSTONE_LONG").is_ok_and(|v| v == "1");
    let step = if long { 1 } else { (span / 150).max(1) };
    let modes = [CrashMode::DropUnsynced, CrashMode::KeepAll, CrashMode::Reorder, CrashMode::Torn];
    for crash_at in (1..=span).step_by(step as usize) {
        let file = FaultyFile::from_image(base.clone(), FaultPlan { crash_at_mutation: Some(crash_at), fail_call: None });
        settle(&file);
        let mode = modes[(crash_at % 4) as usize];
        let ctx = format!("crash at mutation {crash_at}/{span}, {mode:?}");
        let image = FaultyFile::from_image(file.crash_image(mode, crash_at), FaultPlan::default());
        let mut tree = Tree::open(Box::new(image), config.clone()).unwrap_or_else(|e| panic!("{ctx}: open failed: {e}"));
        assert!(scan(&tree) == oracle, "{ctx}: data changed");
        assert!(tree.verify().unwrap().is_clean(), "{ctx}: verify");
        while tree.maintain().unwrap_or_else(|e| panic!("{ctx}: maintain after recovery: {e}")) {}
        assert!(scan(&tree) == oracle, "{ctx}: data changed by maintenance after recovery");
    }
}
